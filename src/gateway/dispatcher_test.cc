// The builder pool against two real service hosts behind mutual TLS, standing in for
// vigil-builder's vigil.TriggerBuild (real builds are tests/farm.sh's): requests go to the
// builders that build their component, a busy builder is passed over, a builder whose call
// breaks mid-build hands the request to the other, and a refusal is not retried.
#include "gateway/dispatcher.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "base/file.h"
#include "rpc/audit_log.h"
#include "rpc/ca.h"
#include "rpc/call_client.h"
#include "rpc/service_host.h"

namespace vigil::gateway {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A TCP relay in front of a builder that can be cut: every connection through it is shut
// down at once and new ones are refused, as when the builder's host dies mid-build.
class CuttableRelay {
 public:
  explicit CuttableRelay(std::uint16_t upstream_port) : upstream_port_(upstream_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(::listen(listener_, 8), 0);
    EXPECT_EQ(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
    accepter_ = std::thread([this] { Accept(); });
  }
  ~CuttableRelay() {
    Cut();
    accepter_.join();
    for (std::thread& pump : pumps_) pump.join();
  }
  std::uint16_t port() const { return port_; }
  void Cut() {
    std::lock_guard lock(mutex_);
    if (cut_) return;
    cut_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
  }

 private:
  void Accept() {
    while (true) {
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) break;
      const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in upstream{};
      upstream.sin_family = AF_INET;
      upstream.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      upstream.sin_port = htons(upstream_port_);
      (void)::connect(server, reinterpret_cast<sockaddr*>(&upstream), sizeof(upstream));
      std::lock_guard lock(mutex_);
      fds_.insert(fds_.end(), {client, server});
      if (cut_) ::shutdown(client, SHUT_RDWR);
      pumps_.emplace_back([client, server] { Pump(client, server); });
    }
    ::close(listener_);
  }
  static void Pump(int a, int b) {
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    char buffer[16384];
    while (::poll(fds, 2, -1) > 0) {
      const int from = (fds[0].revents != 0) ? a : b;
      const ssize_t n = ::read(from, buffer, sizeof(buffer));
      if (n <= 0 || ::write(from == a ? b : a, buffer, static_cast<std::size_t>(n)) != n) break;
    }
    ::shutdown(a, SHUT_RDWR);
    ::shutdown(b, SHUT_RDWR);
  }

  std::uint16_t upstream_port_, port_ = 0;
  int listener_ = -1;
  std::mutex mutex_;
  bool cut_ = false;
  std::vector<int> fds_;
  std::thread accepter_;
  std::vector<std::thread> pumps_;
};

// A builder: answers "build COMPONENT-on-NAME" after `delay`, refuses component "refused",
// and with `crash` cuts its relay mid-call (a builder killed mid-build).
class FakeBuilder {
 public:
  FakeBuilder(const fs::path& dir, const std::string& name) : name_(name) {
    rpc::ServiceHostOptions options;
    options.tls = {dir / "ca" / (name + ".crt"), dir / "ca" / (name + ".key"),
                   dir / "ca" / "ca.crt"};
    options.policy_dir = dir / "policy";
    options.audit_log = dir / (name + "-audit.log");
    options.handle_signals = false;
    host_ = std::move(rpc::ServiceHost::Create(options)).value();
    host_->Register("vigil.TriggerBuild", [this](rpc::Call& call) -> asio::awaitable<Status> {
      const std::string component = call.argument();
      VIGIL_CO_ASSIGN_OR_RETURN(auto line, co_await call.Read());
      {
        std::lock_guard lock(mutex_);
        calls_.push_back(component + " " + (line ? *line : ""));
      }
      if (component == "refused") co_return Error::BadInput("source: not approved");
      if (ledger_failures_ > 0) {  // as vigil-builder answers when its ledger went away
        --ledger_failures_;
        co_return Error::MissingEnv("the ledger connection broke during the build");
      }
      if (crash_) {  // the connection goes away with the call open
        relay_->Cut();
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(2s);
        co_await timer.async_wait(asio::use_awaitable);
      }
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(delay_);
      co_await timer.async_wait(asio::use_awaitable);
      co_return co_await call.Write("build " + component + "-on-" + name_ + "\n");
    });
    const rpc::Address bound = *host_->Listen(*rpc::ParseAddress("tcp:127.0.0.1:0"));
    relay_ = std::make_unique<CuttableRelay>(bound.port);
    address_ = "tcp:127.0.0.1:" + std::to_string(relay_->port());
    thread_ = std::thread([this] { (void)host_->Run(); });
  }
  ~FakeBuilder() {
    relay_.reset();
    host_->Stop();
    thread_.join();
  }
  std::vector<std::string> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  const std::string& address() const { return address_; }
  std::chrono::milliseconds delay_{50ms};
  std::atomic<bool> crash_{false};
  std::atomic<int> ledger_failures_{0};

 private:
  std::string name_;
  std::unique_ptr<rpc::ServiceHost> host_;
  std::unique_ptr<CuttableRelay> relay_;
  std::string address_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> calls_;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    temp_ = std::make_unique<TempDir>(
        std::move(TempDir::Create(fs::temp_directory_path(), "vigil-dispatcher-test.")).value());
    const fs::path ca = temp_->path() / "ca";
    ASSERT_TRUE(rpc::InitCa(ca, 30).ok());
    for (const char* role : {"builder-a", "builder-b"}) {
      ASSERT_TRUE(rpc::IssueCertificate(ca, role, {"build"}, 30).ok());
    }
    ASSERT_TRUE(rpc::IssueCertificate(ca, "gateway", {"gateway"}, 30).ok());
    fs::create_directories(temp_->path() / "policy");
    std::ofstream(temp_->path() / "policy" / "10.policy")
        << "vigil.TriggerBuild * gateway @any allow\n";
    store_ = std::move(DeliveryStore::Open(temp_->path() / "deliveries.db")).value();
    audit_ = std::make_unique<rpc::AuditLog>(
        std::move(rpc::AuditLog::Open(temp_->path() / "audit.log")).value());
    a_ = std::make_unique<FakeBuilder>(temp_->path(), "builder-a");
    b_ = std::make_unique<FakeBuilder>(temp_->path(), "builder-b");
  }

  PoolBuilder Pool(const std::string& name, const FakeBuilder& builder,
                   std::vector<std::string> components) {
    const fs::path ca = temp_->path() / "ca";
    auto peer = rpc::MakePeer(builder.address(),
                              {ca / "gateway.crt", ca / "gateway.key", ca / "ca.crt"}, name);
    EXPECT_TRUE(peer.ok()) << peer.error().message();
    return {name, std::make_unique<rpc::Peer>(std::move(peer).value()), std::move(components)};
  }

  void Queue(const std::string& id, const std::string& component) {
    Delivery d{.provider = "github",
               .delivery_id = id,
               .verdict = "queued",
               .repository = "example/" + component,
               .ref = "refs/heads/main",
               .commit = std::string(40, 'a'),
               .component = component,
               .body_sha256 = std::string(64, '0'),
               .queue = true};
    ASSERT_TRUE(store_->Record(d, "{}").ok());
  }

  // The outcome of delivery `id` once final (not a hand-back), waiting up to 20 s.
  std::string Outcome(const std::string& id) {
    for (int i = 0; i < 400; ++i) {
      auto found = store_->Find("github", id);
      if (found.ok() && found->has_value() && !(*found)->second.empty() &&
          !(*found)->second.starts_with("retrying")) {
        return (*found)->second;
      }
      std::this_thread::sleep_for(50ms);
    }
    return "(no outcome)";
  }

  std::unique_ptr<TempDir> temp_;
  std::unique_ptr<DeliveryStore> store_;
  std::unique_ptr<rpc::AuditLog> audit_;
  std::mutex audit_mutex_;
  std::unique_ptr<FakeBuilder> a_, b_;
};

TEST_F(DispatcherTest, EachComponentGoesToABuilderThatBuildsIt) {
  std::vector<PoolBuilder> pool;
  pool.push_back(Pool("builder-a", *a_, {"kernel"}));
  pool.push_back(Pool("builder-b", *b_, {"hello"}));
  Queue("d1", "hello");
  Queue("d2", "kernel");
  Queue("d3", "refused");  // neither builds it: it waits
  Dispatcher dispatcher(*store_, std::move(pool), *audit_, audit_mutex_);
  dispatcher.Start();
  EXPECT_EQ(Outcome("d1"), "built: build hello-on-builder-b (builder builder-b)");
  EXPECT_EQ(Outcome("d2"), "built: build kernel-on-builder-a (builder builder-a)");
  EXPECT_EQ(store_->QueuedCount().value(), 1u);
}

TEST_F(DispatcherTest, AFreeBuilderTakesTheNextRequestWhileTheOtherIsBusy) {
  a_->delay_ = 1500ms;
  std::vector<PoolBuilder> pool;
  pool.push_back(Pool("builder-a", *a_, {}));
  pool.push_back(Pool("builder-b", *b_, {}));
  Queue("d1", "hello");
  Queue("d2", "hello");
  Queue("d3", "hello");
  Dispatcher dispatcher(*store_, std::move(pool), *audit_, audit_mutex_);
  dispatcher.Start();
  // One of the three goes to a (busy for 1.5 s); b builds the other two meanwhile.
  int on_b = 0;
  for (const char* id : {"d1", "d2", "d3"}) {
    const std::string outcome = Outcome(id);
    EXPECT_TRUE(outcome.starts_with("built: build hello-on-")) << outcome;
    on_b += outcome.ends_with("(builder builder-b)") ? 1 : 0;
  }
  EXPECT_EQ(on_b, 2);
  EXPECT_EQ(a_->calls().size(), 1u);
}

TEST_F(DispatcherTest, ABuilderKilledMidBuildHandsTheRequestToTheOther) {
  a_->crash_ = true;
  b_->delay_ = 1s;
  std::vector<PoolBuilder> pool;
  pool.push_back(Pool("builder-a", *a_, {"hello"}));
  pool.push_back(Pool("builder-b", *b_, {"slow", "hello"}));
  Queue("d0", "slow");   // keeps b busy for a second: only b builds it
  Queue("d1", "hello");  // so a takes this one, and dies during the build
  Dispatcher dispatcher(*store_, std::move(pool), *audit_, audit_mutex_);
  dispatcher.Start();
  EXPECT_EQ(Outcome("d0"), "built: build slow-on-builder-b (builder builder-b)");
  EXPECT_EQ(Outcome("d1"), "built: build hello-on-builder-b (builder builder-b)");
  EXPECT_EQ(a_->calls(), std::vector<std::string>{"hello commit " + std::string(40, 'a') + "\n"});
  auto audit_bytes = ReadFile(temp_->path() / "audit.log", 1 << 20);
  ASSERT_TRUE(audit_bytes.ok());
  const std::string audit(AsText(*audit_bytes));
  EXPECT_NE(audit.find("\"event\":\"build handed back\""), std::string::npos) << audit;
}

TEST_F(DispatcherTest, ARefusalIsNotRetriedAndAFailureWithNoOtherBuilderIsFinal) {
  a_->crash_ = true;
  std::vector<PoolBuilder> pool;
  pool.push_back(Pool("builder-a", *a_, {"hello"}));
  pool.push_back(Pool("builder-b", *b_, {"refused"}));
  Queue("d1", "refused");
  Queue("d2", "hello");
  Dispatcher dispatcher(*store_, std::move(pool), *audit_, audit_mutex_);
  dispatcher.Start();
  const std::string refused = Outcome("d1");
  EXPECT_TRUE(refused.starts_with("failed (exit ")) << refused;
  EXPECT_TRUE(refused.ends_with("(builder builder-b)")) << refused;
  EXPECT_EQ(b_->calls().size(), 1u);
  const std::string broken = Outcome("d2");
  EXPECT_TRUE(broken.starts_with("failed: ")) << broken;
  EXPECT_TRUE(broken.ends_with("(builder builder-a)")) << broken;
  EXPECT_EQ(store_->QueuedCount().value(), 0u);
}

TEST_F(DispatcherTest, ABuildWhoseLedgerWentAwayIsStartedAgainEvenOnTheSameBuilder) {
  a_->ledger_failures_ = 1;
  std::vector<PoolBuilder> pool;
  pool.push_back(Pool("builder-a", *a_, {}));
  Queue("d1", "hello");
  Dispatcher dispatcher(*store_, std::move(pool), *audit_, audit_mutex_);
  dispatcher.Start();
  EXPECT_EQ(Outcome("d1"), "built: build hello-on-builder-a (builder builder-a)");
  EXPECT_EQ(a_->calls().size(), 2u);
  auto audit_bytes = ReadFile(temp_->path() / "audit.log", 1 << 20);
  ASSERT_TRUE(audit_bytes.ok());
  EXPECT_NE(AsText(*audit_bytes).find("\"event\":\"build handed back\""), std::string::npos);
}

TEST_F(DispatcherTest, ALedgerThatStaysAwayEndsTheRequestAfterTheRetries) {
  a_->ledger_failures_ = 100;
  std::vector<PoolBuilder> pool;
  pool.push_back(Pool("builder-a", *a_, {}));
  Queue("d1", "hello");
  Dispatcher dispatcher(*store_, std::move(pool), *audit_, audit_mutex_);
  dispatcher.Start();
  const std::string outcome = Outcome("d1");
  EXPECT_TRUE(outcome.starts_with("failed (exit 3): the ledger connection broke")) << outcome;
  EXPECT_EQ(a_->calls().size(), static_cast<std::size_t>(1 + kEnvironmentRetries));
  EXPECT_EQ(store_->QueuedCount().value(), 0u);
}

}  // namespace
}  // namespace vigil::gateway
