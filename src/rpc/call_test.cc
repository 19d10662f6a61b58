// Real TLS over loopback TCP and Unix sockets: a service host in a thread, callers made
// with our client and with a plain OpenSSL client that can misbehave.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/file.h"
#include "crypto/pem_files.h"
#include "rpc/ca.h"
#include "rpc/call_client.h"
#include "rpc/connection.h"
#include "rpc/frame.h"
#include "rpc/service_host.h"

namespace vigil::rpc {

// Certificates and keys are read by crypto/ (one reader for the TLS files and the signer's).
using crypto::CertPtr;
using crypto::KeyPtr;
using crypto::ReadCertificatePem;
using crypto::ReadPrivateKeyPem;
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kPolicy[] =
    "# the deployment's rules\n"
    "vigil.Echo +forbidden @any @any deny\n"
    "vigil.Echo * @tag:build @any allow\n"
    "vigil.Ping * @any @any allow\n"
    "test.Sink * builder @any allow\n"
    "test.Fail * builder @any allow\n"
    "test.Slow * builder @any allow\n"
    "test.Missing * builder @any allow\n"
    "test.Early * builder @any allow\n"
    "test.Redirect +self @any @any allow target=ledger\n"
    "test.Redirect * @any @any allow target=signer\n";

void WriteText(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr);
  ASSERT_EQ(X509_add_ext(cert, ext, -1), 1);
  X509_EXTENSION_free(ext);
}

// DIR/builder.crt and DIR/builder.key (tag "build"), signed by the CA in `ca` like
// `vigil ca issue` does, but valid only between the given offsets from now (in days):
// IssueCertificate cannot backdate a certificate.
void IssueBuilderValidBetween(const fs::path& ca, const fs::path& dir, long from_days,
                              long to_days) {
  auto ca_key = ReadPrivateKeyPem(ca / "ca.key");
  auto ca_cert = ReadCertificatePem(ca / "ca.crt");
  ASSERT_TRUE(ca_key.ok() && ca_cert.ok());
  KeyPtr key(EVP_EC_gen("P-256"));
  CertPtr cert(X509_new());
  ASSERT_TRUE(key && cert);
  ASSERT_EQ(X509_set_version(cert.get(), 2), 1);
  ASSERT_EQ(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 4242 + from_days), 1);
  ASSERT_NE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), 86400L * from_days), nullptr);
  ASSERT_NE(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * to_days), nullptr);
  ASSERT_EQ(X509_set_pubkey(cert.get(), key.get()), 1);
  ASSERT_EQ(
      X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("builder"), -1, -1, 0),
      1);
  ASSERT_EQ(X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert->get())), 1);
  AddExtension(cert.get(), ca_cert->get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), ca_cert->get(), NID_key_usage, "critical,digitalSignature");
  AddExtension(cert.get(), ca_cert->get(), NID_ext_key_usage, "serverAuth,clientAuth");
  AddExtension(cert.get(), ca_cert->get(), NID_subject_alt_name, "DNS:builder,URI:vigil:tag:build");
  AddExtension(cert.get(), ca_cert->get(), NID_authority_key_identifier, "keyid:always");
  ASSERT_NE(X509_sign(cert.get(), ca_key->get(), EVP_sha256()), 0);
  fs::create_directories(dir);
  FILE* cert_file = std::fopen((dir / "builder.crt").c_str(), "w");
  FILE* key_file = std::fopen((dir / "builder.key").c_str(), "w");
  ASSERT_TRUE(cert_file != nullptr && key_file != nullptr);
  fs::permissions(dir / "builder.key", fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(PEM_write_X509(cert_file, cert.get()), 1);
  EXPECT_EQ(PEM_write_PrivateKey(key_file, key.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  std::fclose(cert_file);
  std::fclose(key_file);
}

// The CA, certificates and policy shared by every test.
class CallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ =
        new TempDir(std::move(TempDir::Create(fs::temp_directory_path(), "vigil-call-")).value());
    fs::path ca = dir_->path() / "ca";
    ASSERT_TRUE(InitCa(ca, 30).ok());
    ASSERT_TRUE(IssueCertificate(ca, "ledger", {"log"}, 30).ok());
    ASSERT_TRUE(IssueCertificate(ca, "builder", {"build"}, 30).ok());
    ASSERT_TRUE(IssueCertificate(ca, "stranger", {}, 30).ok());
    fs::path other = dir_->path() / "other-ca";
    ASSERT_TRUE(InitCa(other, 30).ok());
    ASSERT_TRUE(IssueCertificate(other, "builder", {"build"}, 30).ok());
  }
  static void TearDownTestSuite() { delete dir_; }

  void SetUp() override {
    work_ = std::make_unique<TempDir>(std::move(TempDir::Create(dir_->path(), "t-")).value());
    fs::create_directory(policy_dir());
    WriteText(policy_dir() / "10-main.policy", kPolicy);
  }
  void TearDown() override { StopHost(); }

  static TlsFiles Role(const std::string& name, const std::string& ca = "ca") {
    fs::path d = dir_->path() / ca;
    return {d / (name + ".crt"), d / (name + ".key"), dir_->path() / "ca" / "ca.crt"};
  }
  fs::path policy_dir() const { return work_->path() / "policy"; }
  fs::path audit_path() const { return work_->path() / "audit.log"; }
  std::string unix_path() const { return (work_->path() / "host.sock").string(); }

  void StartHost(CallLimits limits = {}, GateLimits gate = {}) {
    ServiceHostOptions options;
    options.tls = Role("ledger");
    options.policy_dir = policy_dir();
    options.audit_log = audit_path();
    options.limits = limits;
    options.gate = gate;
    options.handle_signals = false;
    auto host = ServiceHost::Create(options);
    ASSERT_TRUE(host.ok()) << host.error().message();
    host_ = std::move(*host);
    host_->Register("vigil.Echo", [this](Call& call) -> asio::awaitable<Status> {
      ++entered_;
      while (true) {
        VIGIL_CO_ASSIGN_OR_RETURN(auto data, co_await call.Read());
        if (!data) co_return OkStatus();
        VIGIL_CO_RETURN_IF_ERROR(co_await call.Write(*data));
      }
    });
    host_->Register("test.Sink", [this](Call& call) -> asio::awaitable<Status> {
      ++entered_;
      std::size_t total = 0;
      while (true) {
        VIGIL_CO_ASSIGN_OR_RETURN(auto data, co_await call.Read());
        if (!data) break;
        total += data->size();
      }
      co_return co_await call.Write(std::to_string(total) + " bytes from " + call.caller().name);
    });
    host_->Register("test.Fail", [this](Call&) -> asio::awaitable<Status> {
      ++entered_;
      co_return Error::BadInput("the argument is not a build id");
    });
    host_->Register("test.Early", [this](Call& call) -> asio::awaitable<Status> {
      ++entered_;  // answers after the first chunk, while the caller is still sending
      VIGIL_CO_ASSIGN_OR_RETURN(auto first, co_await call.Read());
      std::string answer = "enough after " + std::to_string(first ? first->size() : 0);
      co_return co_await call.Write(answer);
    });
    host_->Register("test.Redirect", [this](Call& call) -> asio::awaitable<Status> {
      ++entered_;
      co_return co_await call.Write("here");
    });
    host_->Register("test.Slow", [this](Call& call) -> asio::awaitable<Status> {
      ++entered_;
      asio::steady_timer timer(co_await asio::this_coro::executor);
      while (true) {  // writes forever: only the total timeout ends it
        timer.expires_after(20ms);
        co_await timer.async_wait(asio::use_awaitable);
        VIGIL_CO_RETURN_IF_ERROR(co_await call.Write("."));
      }
    });
    auto tcp = host_->Listen(*ParseAddress("tcp:127.0.0.1:0"));
    ASSERT_TRUE(tcp.ok()) << tcp.error().message();
    tcp_ = *tcp;
    auto unix_address = host_->Listen(*ParseAddress("unix:" + unix_path()));
    ASSERT_TRUE(unix_address.ok()) << unix_address.error().message();
    unix_ = *unix_address;
    thread_ = std::thread([this] { (void)host_->Run(); });
  }

  void StopHost() {
    if (!host_) return;
    host_->Stop();
    thread_.join();
    host_.reset();
  }

  Result<CallOutcome> CallOnce(const Address& address, const std::string& request,
                               const TlsFiles& tls, const std::string& input = "",
                               CallLimits limits = {}) {
    ClientOptions options;
    options.tls = tls;
    options.limits = limits;
    return CallService(address, *ParseCallRequest(request), options, input);
  }

  static TempDir* dir_;
  std::unique_ptr<TempDir> work_;
  std::unique_ptr<ServiceHost> host_;
  std::thread thread_;
  Address tcp_;
  Address unix_;
  std::atomic<int> entered_{0};
};
TempDir* CallTest::dir_ = nullptr;

// A plain OpenSSL client that does exactly what a test tells it (or nothing at all).
class RawClient {
 public:
  // `tls.certificate` empty: no client certificate.
  RawClient(std::uint16_t port, const TlsFiles& tls) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    timeval timeout{10, 0};  // a hung host fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx_, TLS1_3_VERSION);
    SSL_CTX_load_verify_locations(ctx_, tls.ca.c_str(), nullptr);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (!tls.certificate.empty()) {
      SSL_CTX_use_certificate_file(ctx_, tls.certificate.c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx_, tls.key.c_str(), SSL_FILETYPE_PEM);
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
  }
  ~RawClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  bool Handshake() { return connected_ && SSL_connect(ssl_) == 1; }
  bool Send(const std::string& bytes) {
    return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) ==
           static_cast<int>(bytes.size());
  }
  bool SendFrame(FrameType type, const std::string& payload) {
    auto header = EncodeFrameHeader(type, static_cast<std::uint32_t>(payload.size()));
    return Send(std::string(header.begin(), header.end()) + payload);
  }
  // The next frame, or nothing when the connection ends or fails.
  std::optional<Frame> ReadFrame() {
    std::string header = ReadExactly(kFrameHeaderSize);
    if (header.size() != kFrameHeaderSize) return std::nullopt;
    CallError why{};
    auto decoded = DecodeFrameHeader(reinterpret_cast<const std::uint8_t*>(header.data()),
                                     kMaxFrameLimit, &why);
    if (!decoded.ok()) return std::nullopt;
    Frame frame{decoded->type, ReadExactly(decoded->length)};
    if (frame.payload.size() != decoded->length) return std::nullopt;
    return frame;
  }
  // The error frame the host ended with.
  std::optional<CodeMessage> ReadError() {
    while (auto frame = ReadFrame()) {
      if (frame->type == FrameType::kError) return *DecodeCodeMessage(frame->payload);
    }
    return std::nullopt;
  }

 private:
  std::string ReadExactly(std::size_t n) {
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
      int r = SSL_read(ssl_, out.data() + got, static_cast<int>(n - got));
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    out.resize(got);
    return out;
  }

  int fd_ = -1;
  bool connected_ = false;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

// ---- allowed calls ----

TEST_F(CallTest, AllowedCallEchoesOverTcpAndUnixSockets) {
  StartHost();
  std::string input(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<char>(i * 7 + i / 251);
  for (const Address& address : {tcp_, unix_}) {
    auto outcome = CallOnce(address, "vigil.Echo+x", Role("builder"), input);
    ASSERT_TRUE(outcome.ok()) << address.ToString() << ": " << outcome.error().message();
    EXPECT_EQ(outcome->exit_code, 0);
    EXPECT_TRUE(outcome->output == input) << address.ToString();
  }
  EXPECT_EQ(entered_, 2);
}

TEST_F(CallTest, PingAnswersAndHalfCloseDeliversTheEnd) {
  StartHost();
  auto ping = CallOnce(unix_, "vigil.Ping", Role("stranger"));
  ASSERT_TRUE(ping.ok()) << ping.error().message();
  EXPECT_EQ(ping->output, "pong\n");
  // The sink answers only after our half-close: it has seen every byte.
  auto sink = CallOnce(tcp_, "test.Sink", Role("builder"), std::string(100000, 'a'));
  ASSERT_TRUE(sink.ok()) << sink.error().message();
  EXPECT_EQ(sink->output, "100000 bytes from builder");
}

TEST_F(CallTest, HandlerFailureReachesTheCallerWithItsCode) {
  StartHost();
  auto outcome = CallOnce(tcp_, "test.Fail+bad", Role("builder"));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  EXPECT_EQ(outcome->exit_code, 2);
  EXPECT_EQ(outcome->message, "the argument is not a build id");
}

TEST_F(CallTest, ClientPinsTheServiceName) {
  StartHost();
  ClientOptions options;
  options.tls = Role("builder");
  options.expect_service_name = "signer";
  auto outcome = CallService(tcp_, *ParseCallRequest("vigil.Ping"), options, "");
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().message().find("is 'ledger', not 'signer'"), std::string::npos);
  options.expect_service_name = "ledger";
  EXPECT_TRUE(CallService(tcp_, *ParseCallRequest("vigil.Ping"), options, "").ok());
}

TEST_F(CallTest, ServiceThatEndsWhileTheCallerStillSendsGivesItsResult) {
  StartHost();
  // The handler answers after the first 1 MiB frame; the caller still has 15 MiB to send.
  std::string input(16 << 20, 'x');
  auto started = std::chrono::steady_clock::now();
  auto outcome = CallOnce(tcp_, "test.Early", Role("builder"), input);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  EXPECT_EQ(outcome->exit_code, 0);
  EXPECT_EQ(outcome->output, "enough after " + std::to_string(kMinMaxFrame));
  EXPECT_LT(took, 5s);
  EXPECT_EQ(entered_, 1);
  // The same for a caller that never half-closes: the service's EOF and exit still arrive.
  RawClient raw(tcp_.port, Role("builder"));
  ASSERT_TRUE(raw.Handshake());
  ASSERT_TRUE(raw.SendFrame(FrameType::kRequest, "test.Early"));
  ASSERT_EQ(raw.ReadFrame()->type, FrameType::kAccept);
  ASSERT_TRUE(raw.SendFrame(FrameType::kData, "abc"));
  auto data = raw.ReadFrame();
  ASSERT_TRUE(data.has_value());
  EXPECT_EQ(data->payload, "enough after 3");
  raw.SendFrame(FrameType::kData, "more that nobody reads");
  auto eof = raw.ReadFrame();
  ASSERT_TRUE(eof.has_value());
  EXPECT_EQ(eof->type, FrameType::kEof);
  auto exit = raw.ReadFrame();
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->type, FrameType::kExit);
  EXPECT_EQ(DecodeCodeMessage(exit->payload)->code, 0);
}

// ---- denied and unauthenticated calls never reach a handler ----

TEST_F(CallTest, DeniedCallGetsADenialAndTheHandlerNeverRuns) {
  StartHost();
  for (auto [request, role] : {std::pair{"vigil.Echo", "stranger"},           // no rule: default
                               std::pair{"vigil.Echo+forbidden", "builder"},  // explicit deny
                               std::pair{"test.Sink", "stranger"}}) {
    auto outcome = CallOnce(tcp_, request, Role(role), "data");
    ASSERT_FALSE(outcome.ok()) << request;
    EXPECT_EQ(outcome.error().code(), ErrorCode::kFailed);
    EXPECT_NE(outcome.error().message().find("(denied)"), std::string::npos)
        << outcome.error().message();
  }
  EXPECT_EQ(entered_, 0);
  StopHost();
  std::string audit = ReadText(audit_path());
  EXPECT_NE(audit.find("\"decision\":\"deny\""), std::string::npos);
  EXPECT_NE(audit.find("10-main.policy:2"), std::string::npos) << audit;  // the explicit deny
  EXPECT_NE(audit.find("\"rule\":null"), std::string::npos) << audit;     // the default deny
  EXPECT_NE(audit.find("\"name\":\"stranger\""), std::string::npos);
}

TEST_F(CallTest, UnknownServiceIsReportedOnlyWhenAllowed) {
  StartHost();
  auto allowed = CallOnce(tcp_, "test.Missing", Role("builder"));
  ASSERT_FALSE(allowed.ok());
  EXPECT_NE(allowed.error().message().find("unknown service"), std::string::npos)
      << allowed.error().message();
  auto denied = CallOnce(tcp_, "test.Missing", Role("stranger"));  // learns nothing about it
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().message().find("(denied)"), std::string::npos);
}

TEST_F(CallTest, ClientFromAnotherCaFailsTheHandshake) {
  StartHost();
  auto outcome = CallOnce(tcp_, "vigil.Echo", Role("builder", "other-ca"), "data");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(entered_, 0);
  // And our client refuses a service whose certificate comes from another CA.
  TlsFiles trusting_other = Role("builder", "other-ca");
  trusting_other.ca = dir_->path() / "other-ca" / "ca.crt";
  auto reverse = CallOnce(tcp_, "vigil.Ping", trusting_other);
  ASSERT_FALSE(reverse.ok());
  EXPECT_NE(reverse.error().message().find("certificate verify failed"), std::string::npos)
      << reverse.error().message();
  StopHost();
  std::string audit = ReadText(audit_path());
  EXPECT_NE(audit.find("\"event\":\"handshake\""), std::string::npos) << audit;
}

TEST_F(CallTest, ExpiredClientCertificateFailsTheHandshake) {
  fs::path ca = dir_->path() / "ca";
  ASSERT_NO_FATAL_FAILURE(IssueBuilderValidBetween(ca, work_->path() / "fresh", -1, 1));
  ASSERT_NO_FATAL_FAILURE(IssueBuilderValidBetween(ca, work_->path() / "expired", -2, -1));
  auto files = [&](const std::string& kind) {
    fs::path d = work_->path() / kind;
    return TlsFiles{d / "builder.crt", d / "builder.key", ca / "ca.crt"};
  };
  StartHost();
  // The same certificate within its validity works: only the dates make the difference.
  auto fresh = CallOnce(tcp_, "vigil.Echo", files("fresh"), "data");
  ASSERT_TRUE(fresh.ok()) << fresh.error().message();
  EXPECT_EQ(entered_, 1);
  auto expired = CallOnce(tcp_, "vigil.Echo", files("expired"), "data");
  ASSERT_FALSE(expired.ok());
  EXPECT_NE(expired.error().message().find("certificate expired"), std::string::npos)
      << expired.error().message();
  EXPECT_EQ(entered_, 1);
  StopHost();
  std::string audit = ReadText(audit_path());
  EXPECT_NE(audit.find("\"event\":\"handshake\""), std::string::npos) << audit;
  EXPECT_NE(audit.find("certificate has expired"), std::string::npos) << audit;
}

TEST_F(CallTest, ARedirectToAnotherRoleIsDenied) {
  StartHost();
  auto away = CallOnce(tcp_, "test.Redirect+away", Role("builder"));
  ASSERT_FALSE(away.ok());
  EXPECT_EQ(away.error().code(), ErrorCode::kFailed);
  EXPECT_NE(away.error().message().find("(denied)"), std::string::npos) << away.error().message();
  EXPECT_NE(away.error().message().find("sends this call to signer"), std::string::npos)
      << away.error().message();
  EXPECT_EQ(entered_, 0);
  // A redirect naming this host itself is no redirect.
  auto self = CallOnce(tcp_, "test.Redirect+self", Role("builder"));
  ASSERT_TRUE(self.ok()) << self.error().message();
  EXPECT_EQ(self->output, "here");
  EXPECT_EQ(entered_, 1);
  StopHost();
  std::string audit = ReadText(audit_path());
  EXPECT_NE(audit.find("redirects the call to signer"), std::string::npos) << audit;
}

TEST_F(CallTest, ClientWithoutACertificateFailsTheHandshake) {
  StartHost();
  TlsFiles anonymous{{}, {}, Role("builder").ca};
  RawClient client(tcp_.port, anonymous);
  bool handshake = client.Handshake();
  // TLS 1.3: the client may finish first; the host's alert then ends the connection.
  if (handshake) {
    client.SendFrame(FrameType::kRequest, "vigil.Ping");
    EXPECT_FALSE(client.ReadFrame().has_value());
  }
  EXPECT_EQ(entered_, 0);
  StopHost();
  EXPECT_NE(ReadText(audit_path()).find("certificate"), std::string::npos);
}

// ---- malformed input ----

TEST_F(CallTest, GarbageHeaderIsMalformed) {
  StartHost();
  RawClient http(tcp_.port, Role("builder"));
  ASSERT_TRUE(http.Handshake());
  http.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto error = http.ReadError();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, static_cast<int>(CallError::kMalformed));

  RawClient bad_name(tcp_.port, Role("builder"));
  ASSERT_TRUE(bad_name.Handshake());
  bad_name.SendFrame(FrameType::kRequest, "vigil.Echo+../../etc/passwd with spaces");
  error = bad_name.ReadError();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, static_cast<int>(CallError::kMalformed));

  RawClient data_first(tcp_.port, Role("builder"));
  ASSERT_TRUE(data_first.Handshake());
  data_first.SendFrame(FrameType::kData, "vigil.Echo");
  error = data_first.ReadError();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, static_cast<int>(CallError::kMalformed));
  EXPECT_EQ(entered_, 0);
}

TEST_F(CallTest, OversizeFramesAreRefused) {
  StartHost();
  RawClient big_request(tcp_.port, Role("builder"));
  ASSERT_TRUE(big_request.Handshake());
  auto header = EncodeFrameHeader(FrameType::kRequest, kDefaultMaxFrame + 1);
  big_request.Send(std::string(header.begin(), header.end()));
  auto error = big_request.ReadError();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, static_cast<int>(CallError::kTooLarge));
  EXPECT_EQ(entered_, 0);

  // During an accepted call: the handler sees the failure, the caller gets the error.
  RawClient big_data(tcp_.port, Role("builder"));
  ASSERT_TRUE(big_data.Handshake());
  big_data.SendFrame(FrameType::kRequest, "vigil.Echo");
  auto accept = big_data.ReadFrame();
  ASSERT_TRUE(accept.has_value());
  EXPECT_EQ(accept->type, FrameType::kAccept);
  header = EncodeFrameHeader(FrameType::kData, 0x7fffffff);
  big_data.Send(std::string(header.begin(), header.end()));
  error = big_data.ReadError();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, static_cast<int>(CallError::kTooLarge));
  EXPECT_NE(error->message.find("above the maximum"), std::string::npos);
}

TEST_F(CallTest, AnOversizeRequestIsRefusedBeforeItsPayloadArrives) {
  StartHost();  // the connect timeout (10 s) is far above what "promptly" allows
  {
    RawClient client(tcp_.port, Role("builder"));
    ASSERT_TRUE(client.Handshake());
    // Only the header: a host that waited for the 600,000 bytes would not answer.
    auto header = EncodeFrameHeader(FrameType::kRequest, 600'000);
    auto started = std::chrono::steady_clock::now();
    ASSERT_TRUE(client.Send(std::string(header.begin(), header.end())));
    auto error = client.ReadError();
    auto took = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->code, static_cast<int>(CallError::kTooLarge));
    EXPECT_NE(error->message.find("600000 bytes is above the maximum of 512"), std::string::npos)
        << error->message;
    EXPECT_LT(took, 2s);
  }
  {
    RawClient just_over(tcp_.port, Role("builder"));  // 513 bytes, all sent
    ASSERT_TRUE(just_over.Handshake());
    ASSERT_TRUE(just_over.SendFrame(FrameType::kRequest, "vigil.Echo+" + std::string(502, 'a')));
    auto error = just_over.ReadError();
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->code, static_cast<int>(CallError::kTooLarge));
  }
  EXPECT_EQ(entered_, 0);
  StopHost();
  std::string audit = ReadText(audit_path());
  EXPECT_NE(audit.find("\"error\":\"frame too large\""), std::string::npos) << audit;
  EXPECT_NE(audit.find("above the maximum of 512"), std::string::npos) << audit;
}

TEST_F(CallTest, EveryHostAcceptsTheProtocolMinimumFrame) {
  // Callers send 1 MiB frames without asking: a host may not accept less.
  ServiceHostOptions options;
  options.tls = Role("ledger");
  options.policy_dir = policy_dir();
  options.handle_signals = false;
  options.limits.max_frame = 64 * 1024;
  auto small = ServiceHost::Create(options);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(small.error().message().find("1 MiB to 16 MiB"), std::string::npos)
      << small.error().message();

  CallLimits minimum;
  minimum.max_frame = kMinMaxFrame;
  StartHost(minimum);
  std::string input(3 * kMinMaxFrame + 5, 'z');
  auto outcome = CallOnce(tcp_, "vigil.Echo", Role("builder"), input);
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  EXPECT_TRUE(outcome->output == input);
  // A caller that would refuse the host's 1 MiB frames is stopped before it connects.
  CallLimits small_caller;
  small_caller.max_frame = 64 * 1024;
  auto refused = CallOnce(tcp_, "vigil.Echo", Role("builder"), "x", small_caller);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kBadInput);
  EXPECT_EQ(entered_, 1);
}

// ---- timeouts ----

TEST_F(CallTest, SilentPeerHitsTheConnectThenTheIdleTimeout) {
  CallLimits limits;
  limits.connect_timeout = 300ms;
  limits.idle_timeout = 300ms;
  StartHost(limits);
  RawClient silent(tcp_.port, Role("builder"));
  ASSERT_TRUE(silent.Handshake());
  auto error = silent.ReadError();  // we never send the request
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, static_cast<int>(CallError::kTimeout));
  EXPECT_NE(error->message.find("connect timeout"), std::string::npos) << error->message;

  RawClient idle(tcp_.port, Role("builder"));
  ASSERT_TRUE(idle.Handshake());
  idle.SendFrame(FrameType::kRequest, "vigil.Echo");
  error = idle.ReadError();  // accepted, then we say nothing
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, static_cast<int>(CallError::kTimeout));
  EXPECT_NE(error->message.find("idle timeout"), std::string::npos) << error->message;
  EXPECT_EQ(entered_, 1);
}

TEST_F(CallTest, TotalTimeoutEndsAnEndlessCall) {
  CallLimits limits;
  limits.total_timeout = 400ms;
  StartHost(limits);
  auto outcome = CallOnce(tcp_, "test.Slow", Role("builder"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().message().find("total timeout"), std::string::npos)
      << outcome.error().message();
}

TEST_F(CallTest, ClientConnectTimeoutFiresWhenNobodyHandshakes) {
  // A socket that listens but never accepts: the TCP connect succeeds, TLS never starts.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t size = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size);
  Address address = *ParseAddress("tcp:127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
  CallLimits limits;
  limits.connect_timeout = 300ms;
  auto outcome = CallOnce(address, "vigil.Ping", Role("builder"), "", limits);
  ::close(fd);
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().message().find("connect timeout"), std::string::npos)
      << outcome.error().message();
}

// ---- connection limits ----

TEST_F(CallTest, AConnectionOverItsSourcesLimitIsClosedAndTheCallerToldWhy) {
  StartHost({}, GateLimits{.max_connections = 8, .max_per_source = 1});
  RawClient holder(tcp_.port, Role("builder"));  // holds 127.0.0.1's one place
  ASSERT_TRUE(holder.Handshake());
  auto outcome = CallOnce(tcp_, "vigil.Ping", Role("builder"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().message().find("may be at its connection limit"), std::string::npos)
      << outcome.error().message();
  // The Unix socket has no per-source limit.
  EXPECT_TRUE(CallOnce(unix_, "vigil.Ping", Role("builder")).ok());
  const std::string audit = ReadText(audit_path());
  EXPECT_NE(audit.find("too many connections from 127.0.0.1 (at most 1)"), std::string::npos)
      << audit;
}

TEST_F(CallTest, AFullHostEvictsTheOldestUnauthenticatedConnection) {
  StartHost({}, GateLimits{.max_connections = 2, .max_per_source = 8});
  // Two connections that never start TLS fill the host...
  RawClient idle1(tcp_.port, Role("builder"));
  RawClient idle2(tcp_.port, Role("builder"));
  std::this_thread::sleep_for(100ms);
  // ...and a real caller still gets in: the oldest idle one is closed for it.
  auto outcome = CallOnce(tcp_, "vigil.Ping", Role("builder"));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  EXPECT_NE(ReadText(audit_path()).find("\"decision\":\"evicted\""), std::string::npos);
}

TEST_F(CallTest, NothingListeningIsAMissingEnvironment) {
  auto outcome = CallOnce(*ParseAddress("unix:" + unix_path()), "vigil.Ping", Role("builder"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code(), ErrorCode::kMissingEnv);
}

// A peer with several addresses (ledgers where only the sequencer listens): the first
// that answers takes the call; a refusal is not retried elsewhere.
TEST_F(CallTest, APeerTriesItsAddressesInOrder) {
  StartHost();
  const std::string nobody = "unix:" + (work_->path() / "nobody.sock").string();
  auto peer = MakePeer(nobody + "," + tcp_.ToString(), Role("builder"), "ledger");
  ASSERT_TRUE(peer.ok()) << peer.error().message();
  EXPECT_EQ(peer->alternates.size(), 1u);
  asio::io_context io;
  Result<CallOutcome> outcome = Error::Failed("not run");
  auto run = [&]() -> asio::awaitable<void> {
    const CallRequest request{"vigil.Echo", ""};
    outcome = co_await peer->CallAsync(io.get_executor(), request, "hello");
  };
  asio::co_spawn(io, run(), asio::detached);
  io.run();
  ASSERT_TRUE(outcome.ok()) << outcome.error().message();
  EXPECT_EQ(outcome->output, "hello");
  EXPECT_FALSE(MakePeer(nobody + ",", Role("builder"), "ledger").ok());
  EXPECT_FALSE(MakePeer(nobody + ",nonsense", Role("builder"), "ledger").ok());
}

// A host that drops our SYNs (a firewall, or here a listener whose accept queue is full)
// never answers: the connect timeout ends the attempt, not the kernel's minutes of retries.
TEST_F(CallTest, AConnectThatIsNeverAnsweredTimesOut) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(::listen(listener, 0), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  std::vector<int> fillers;  // fill the accept queue; later SYNs are dropped
  for (int i = 0; i < 4; ++i) {
    const int filler = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    (void)::connect(filler, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    fillers.push_back(filler);
  }
  CallLimits limits;
  limits.connect_timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  auto outcome = CallOnce(*ParseAddress("tcp:127.0.0.1:" + std::to_string(ntohs(address.sin_port))),
                          "vigil.Ping", Role("builder"), "", limits);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().message().find("cannot connect to"), std::string::npos)
      << outcome.error().message();
  EXPECT_LT(took, 5s) << outcome.error().message();
  for (int fd : fillers) ::close(fd);
  ::close(listener);
}

// ---- policy ----

TEST_F(CallTest, InvalidPolicyDeniesEverythingUntilAReloadFixesIt) {
  WriteText(policy_dir() / "20-typo.policy", "vigil.Echo * builder @any alow\n");
  StartHost();
  auto outcome = CallOnce(tcp_, "vigil.Ping", Role("builder"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.error().message().find("policy is invalid"), std::string::npos);
  EXPECT_EQ(entered_, 0);

  fs::remove(policy_dir() / "20-typo.policy");
  host_->ReloadPolicy();
  for (int i = 0; i < 100 && !CallOnce(tcp_, "vigil.Ping", Role("builder")).ok(); ++i) {
    std::this_thread::sleep_for(20ms);  // the reload runs on the host's thread
  }
  EXPECT_TRUE(CallOnce(tcp_, "vigil.Echo", Role("builder"), "x").ok());
  StopHost();
  std::string audit = ReadText(audit_path());
  EXPECT_NE(audit.find("20-typo.policy:1"), std::string::npos) << audit;
  EXPECT_NE(audit.find("\"result\":\"invalid\""), std::string::npos);
  EXPECT_NE(audit.find("\"result\":\"loaded\""), std::string::npos);
}

TEST_F(CallTest, ListenRefusesAPathThatIsNotAStaleSocket) {
  WriteText(unix_path(), "not a socket");
  ServiceHostOptions options;
  options.tls = Role("ledger");
  options.policy_dir = policy_dir();
  options.handle_signals = false;
  auto host = ServiceHost::Create(options);
  ASSERT_TRUE(host.ok());
  auto bound = (*host)->Listen(*ParseAddress("unix:" + unix_path()));
  ASSERT_FALSE(bound.ok());
  EXPECT_NE(bound.error().message().find("not a socket"), std::string::npos);
  EXPECT_EQ(ReadText(unix_path()), "not a socket");
}

}  // namespace
}  // namespace vigil::rpc
