// One session with PostgreSQL (libpqxx 6.4 underneath, kept in the .cc files): the
// connection URL from the configuration, checked strictly, and the per-session settings that
// bound how long anything can hang: statement and lock timeouts, and the idle, idle-in-
// transaction and TCP keepalive settings that make the server release the session of a
// sequencer that died (its row locks with it) well inside the ledger's failover goal of 5 s.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::pg {

// The longest database URL accepted (a URL is a line of configuration, not a document).
inline constexpr std::size_t kMaxDatabaseUrl = 1024;

// Checks a database URL: `postgresql://` or `postgres://`, printable ASCII without spaces,
// at most kMaxDatabaseUrl bytes, e.g. "postgresql:///vigil?host=/run/postgresql". BadInput
// says what is wrong (never echoing a password).
Status CheckDatabaseUrl(std::string_view url);

// The URL with any password replaced by "***", for messages and logs.
std::string RedactDatabaseUrl(std::string_view url);

struct SessionSettings {
  std::string url;  // checked with CheckDatabaseUrl
  std::chrono::milliseconds connect_timeout{3000};
  // Any one statement, and any wait for a row lock (the lease row), gives up after these.
  std::chrono::milliseconds statement_timeout{3000};
  std::chrono::milliseconds lock_timeout{2000};
  // The server ends a session that sits in an open transaction, or idle, this long: a dead
  // sequencer's open transaction (its lock on the lease row) goes within 2 s. 0: never.
  std::chrono::milliseconds idle_in_transaction_timeout{2000};
  std::chrono::milliseconds idle_session_timeout{0};
  // TCP keepalives and the unacknowledged-data timeout, on both ends, so a host that
  // vanished is noticed in about 3 s (a Unix socket ignores them).
  std::chrono::seconds keepalives_idle{1};
  std::chrono::seconds keepalives_interval{1};
  int keepalives_count = 2;
  std::chrono::milliseconds tcp_user_timeout{3000};
};

class Connection {
 public:
  // Connects and applies the session settings. Failed says which server could not be
  // reached and why, with the URL redacted.
  static Result<std::unique_ptr<Connection>> Open(const SessionSettings& settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL without parameters or results (schema statements) in one transaction.
  Status Exec(std::string_view sql);
  // The redacted URL, for messages.
  const std::string& description() const { return description_; }
  // Whether the session broke (the server went away); Reconnect() opens a new one.
  bool broken() const;
  Status Reconnect();

  // libpqxx's connection, for pg's own .cc files (pg/session.h).
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  Connection(SessionSettings settings, std::unique_ptr<Impl> impl);
  SessionSettings settings_;
  std::string description_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::pg
