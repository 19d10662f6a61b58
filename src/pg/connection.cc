#include "pg/connection.h"

#include <string>

#include "pg/session.h"

namespace vigil::pg {
namespace {

bool HasScheme(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

// libpq's own connection parameters that bound a dead peer, added to the URL unless the URL
// sets them itself.
std::string WithClientSettings(const SessionSettings& s) {
  std::string url = s.url;
  const auto add = [&url](std::string_view name, long long value) {
    if (url.find(std::string(name) + "=") != std::string::npos) {
      return;
    }
    url += url.find('?') == std::string::npos ? '?' : '&';
    url += std::string(name) + "=" + std::to_string(value);
  };
  // libpq counts connect_timeout in whole seconds, at least 2.
  add("connect_timeout", std::max<long long>(2, (s.connect_timeout.count() + 999) / 1000));
  add("keepalives", 1);
  add("keepalives_idle", s.keepalives_idle.count());
  add("keepalives_interval", s.keepalives_interval.count());
  add("keepalives_count", s.keepalives_count);
  add("tcp_user_timeout", s.tcp_user_timeout.count());
  return url;
}

// The same bounds on the server's side of the session.
std::string SessionSql(const SessionSettings& s) {
  const auto set = [](std::string_view name, long long value) {
    return "SET " + std::string(name) + " = " + std::to_string(value) + "; ";
  };
  return set("statement_timeout", s.statement_timeout.count()) +
         set("lock_timeout", s.lock_timeout.count()) +
         set("idle_in_transaction_session_timeout", s.idle_in_transaction_timeout.count()) +
         set("idle_session_timeout", s.idle_session_timeout.count()) +
         set("tcp_keepalives_idle", s.keepalives_idle.count()) +
         set("tcp_keepalives_interval", s.keepalives_interval.count()) +
         set("tcp_keepalives_count", s.keepalives_count) +
         set("tcp_user_timeout", s.tcp_user_timeout.count());
}

Result<std::unique_ptr<pqxx::connection>> Connect(const SessionSettings& settings,
                                                  const std::string& description) {
  try {
    auto conn = std::make_unique<pqxx::connection>(WithClientSettings(settings));
    pqxx::nontransaction session(*conn);
    session.exec(SessionSql(settings));
    return conn;
  } catch (const std::exception& e) {
    // libpq's message spans lines (a tab-indented hint): one line here.
    std::string why;
    for (const char c : std::string(e.what())) {
      if (c == '\n' || c == '\t') {
        if (!why.empty() && why.back() != ' ') why += ' ';
      } else {
        why += c;
      }
    }
    while (!why.empty() && why.back() == ' ') why.pop_back();
    // The server being away is the environment, not the input: exit 3, as for any service.
    return Error::MissingEnv("cannot connect to PostgreSQL at " + description + ": " + why +
                             "; check that the server runs and that the database URL names it");
  }
}

}  // namespace

Status CheckDatabaseUrl(std::string_view url) {
  if (url.size() > kMaxDatabaseUrl) {
    return Error::BadInput("the database URL is " + std::to_string(url.size()) +
                           " bytes; at most " + std::to_string(kMaxDatabaseUrl));
  }
  if (!HasScheme(url)) {
    return Error::BadInput(
        "the database URL must start with postgresql:// (for example "
        "postgresql:///vigil?host=/run/postgresql)");
  }
  for (const char c : url) {
    if (c <= 0x20 || c >= 0x7f) {
      return Error::BadInput(
          "the database URL holds a space, a control character or a non-ASCII byte: "
          "percent-encode it (%20)");
    }
  }
  return OkStatus();
}

std::string RedactDatabaseUrl(std::string_view url) {
  std::string out(url);
  const std::size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const std::size_t start = scheme + 3;
    const std::size_t end = std::min(out.find('/', start), out.find('?', start));
    const std::size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at > start) {
      const std::size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) {
        out.replace(colon + 1, at - colon - 1, "***");
      }
    }
  }
  for (std::size_t at = out.find("password="); at != std::string::npos;
       at = out.find("password=", at + 1)) {
    const std::size_t value = at + 9;
    const std::size_t end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
  }
  return out;
}

Connection::Connection(SessionSettings settings, std::unique_ptr<Impl> impl)
    : settings_(std::move(settings)),
      description_(RedactDatabaseUrl(settings_.url)),
      impl_(std::move(impl)) {}

Connection::~Connection() = default;

Result<std::unique_ptr<Connection>> Connection::Open(const SessionSettings& settings) {
  VIGIL_RETURN_IF_ERROR(CheckDatabaseUrl(settings.url));
  auto impl = std::make_unique<Impl>();
  VIGIL_ASSIGN_OR_RETURN(impl->conn, Connect(settings, RedactDatabaseUrl(settings.url)));
  return std::unique_ptr<Connection>(new Connection(settings, std::move(impl)));
}

bool Connection::broken() const { return impl_->broken || !impl_->conn || !impl_->conn->is_open(); }

Status Connection::Reconnect() {
  impl_->conn.reset();
  VIGIL_ASSIGN_OR_RETURN(impl_->conn, Connect(settings_, description_));
  impl_->broken = false;
  return OkStatus();
}

Status Connection::Exec(std::string_view sql) {
  return Guard(*this, "running a statement", [&]() -> Status {
    pqxx::work work(*impl_->conn);
    work.exec(std::string(sql));
    work.commit();
    return OkStatus();
  });
}

}  // namespace vigil::pg
