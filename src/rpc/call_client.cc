#include "rpc/call_client.h"

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "rpc/connection.h"
#include "rpc/tls.h"

namespace vigil::rpc {
namespace {

constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

// Connects within `timeout`: a peer whose packets are dropped (a firewall) never answers,
// and the kernel would retry SYNs for minutes, so a timer closes the socket being connected.
asio::awaitable<Result<Socket>> ConnectSocket(asio::any_io_executor executor,
                                              const Address& address,
                                              std::chrono::milliseconds timeout) {
  Socket socket(executor);
  // Shared with the timer's handler, which may run after this frame is gone: it touches the
  // socket only while `socket` is set (the connect still running).
  struct Pending {
    Socket* socket = nullptr;
    bool timed_out = false;
  };
  auto pending = std::make_shared<Pending>(Pending{&socket, false});
  asio::steady_timer timer(executor);
  timer.expires_after(timeout);
  timer.async_wait([pending](asio::error_code wait_error) {
    if (wait_error || pending->socket == nullptr) return;
    pending->timed_out = true;
    asio::error_code ignored;
    pending->socket->close(ignored);
  });
  asio::error_code error;
  if (address.kind == Address::Kind::kUnix) {
    asio::generic::stream_protocol::endpoint endpoint(
        asio::local::stream_protocol::endpoint(address.path));
    socket.open(endpoint.protocol(), error);
    if (!error) std::tie(error) = co_await socket.async_connect(endpoint, kNoThrow);
  } else {
    asio::ip::tcp::resolver resolver(executor);
    auto [resolve_error, results] =
        co_await resolver.async_resolve(address.host, std::to_string(address.port), kNoThrow);
    error = resolve_error;
    if (error)
      co_return Error::MissingEnv("cannot resolve " + address.host + ": " + error.message());
    error = asio::error::host_not_found;
    for (const auto& entry : results) {
      if (pending->timed_out) break;
      asio::generic::stream_protocol::endpoint endpoint(entry.endpoint());
      asio::error_code ignored;
      socket.close(ignored);
      socket.open(endpoint.protocol(), error);
      if (error) continue;
      std::tie(error) = co_await socket.async_connect(endpoint, kNoThrow);
      if (!error) {
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        break;
      }
    }
  }
  pending->socket = nullptr;
  timer.cancel();
  if (pending->timed_out) {
    co_return Error::MissingEnv("cannot connect to " + address.ToString() + ": no answer within " +
                                std::to_string(timeout.count()) +
                                " ms (is the host up, and the port open to us?)");
  }
  if (error) {
    co_return Error::MissingEnv("cannot connect to " + address.ToString() + ": " + error.message() +
                                " (is the service running?)");
  }
  co_return socket;
}

}  // namespace

Error ErrorFromService(CallError error, const std::string& message) {
  std::string text = "the service refused the call (" + std::string(CallErrorName(error)) + ")";
  if (!message.empty()) text += ": " + message;
  if (error == CallError::kMalformed || error == CallError::kTooLarge) {
    return Error::BadInput(text);
  }
  return Error::Failed(text);
}

asio::awaitable<Result<std::unique_ptr<ClientCall>>> ClientCall::Open(
    asio::any_io_executor executor, Address address, CallRequest request,
    std::shared_ptr<TlsContext> tls, ClientOptions options) {
  // The service sends frames of up to kMinMaxFrame bytes: we must accept them.
  VIGIL_CO_RETURN_IF_ERROR(CheckMaxFrame(options.limits.max_frame));
  // The connect deadline covers the TCP connect too: the watchdog closes the socket.
  Socket unconnected(executor);
  auto connection = std::make_shared<Connection>(std::move(unconnected), tls->ssl, options.limits);
  std::unique_ptr<ClientCall> call(new ClientCall(connection));
  connection->StartWatchdog();
  auto socket = co_await ConnectSocket(executor, address, options.limits.connect_timeout);
  if (!connection->timeout_reason().empty()) {
    connection->Close();
    co_return Error::Failed("cannot connect to " + address.ToString() + ": " +
                            connection->timeout_reason());
  }
  if (!socket.ok()) {
    connection->Close();
    co_return socket.error();
  }
  connection->Attach(std::move(*socket));
  Status handshake = co_await connection->Handshake(TlsSide::kClient);
  if (!handshake.ok()) {
    connection->Close();
    co_return handshake.error().WithContext(address.ToString());
  }
  auto identity = PeerIdentity(connection->ssl());
  if (!identity.ok()) {
    connection->Close();
    co_return identity.error().WithContext("the service at " + address.ToString());
  }
  if (options.expect_service_name && identity->name != *options.expect_service_name) {
    connection->Close();
    co_return Error::Failed("the service at " + address.ToString() + " is '" + identity->name +
                            "', not '" + *options.expect_service_name + "'");
  }
  call->service_ = *identity;
  call->request_ = request.ToString();

  Status sent = co_await connection->WriteFrame(FrameType::kRequest, call->request_);
  FrameFailure failure = FrameFailure::kNone;
  // In TLS 1.3 a server that rejects our certificate says so only now, on the first read.
  auto answer = co_await connection->ReadFrame(&failure);
  if (!answer.ok()) {
    connection->Close();
    if (answer.error().message().find("alert") != std::string::npos) {
      co_return ExplainTlsRefusal(answer.error().message()).WithContext(address.ToString());
    }
    co_return Error::Failed(address.ToString() +
                            ": no answer to the request: " + answer.error().message() +
                            (sent.ok() ? "" : " (" + sent.error().message() + ")"));
  }
  if (answer->type == FrameType::kError) {
    auto refusal = DecodeCodeMessage(answer->payload);
    connection->Close();
    if (!refusal.ok()) co_return refusal.error().WithContext("the service's error frame");
    co_return ErrorFromService(static_cast<CallError>(refusal->code), refusal->message);
  }
  if (answer->type != FrameType::kAccept || !answer->payload.empty()) {
    connection->Close();
    co_return Error::Failed("the service answered the request with an unexpected frame");
  }
  connection->EnterCall();
  co_return call;
}

ClientCall::~ClientCall() { connection_->Close(); }

asio::awaitable<Status> ClientCall::Write(std::string_view data) {
  if (closed_write_) co_return Error::Failed("the call's input was already closed");
  while (!data.empty()) {
    std::string_view piece = data.substr(0, kMinMaxFrame);  // what every service accepts
    VIGIL_CO_RETURN_IF_ERROR(co_await connection_->WriteFrame(FrameType::kData, piece));
    data.remove_prefix(piece.size());
  }
  co_return OkStatus();
}

asio::awaitable<Status> ClientCall::CloseWrite() {
  if (closed_write_) co_return OkStatus();
  closed_write_ = true;
  co_return co_await connection_->WriteFrame(FrameType::kEof, {});
}

asio::awaitable<Result<CallEvent>> ClientCall::Read() {
  FrameFailure failure = FrameFailure::kNone;
  VIGIL_CO_ASSIGN_OR_RETURN(Frame frame, co_await connection_->ReadFrame(&failure));
  CallEvent event;
  switch (frame.type) {
    case FrameType::kData:
      if (frame.payload.empty()) break;
      event.data = std::move(frame.payload);
      co_return event;
    case FrameType::kEof:
      if (!frame.payload.empty()) break;
      event.kind = CallEvent::Kind::kEof;
      co_return event;
    case FrameType::kExit: {
      VIGIL_CO_ASSIGN_OR_RETURN(CodeMessage exit, DecodeCodeMessage(frame.payload));
      event.kind = CallEvent::Kind::kExit;
      event.exit_code = exit.code;
      event.message = std::move(exit.message);
      co_return event;
    }
    case FrameType::kError: {
      VIGIL_CO_ASSIGN_OR_RETURN(CodeMessage error, DecodeCodeMessage(frame.payload));
      co_return ErrorFromService(static_cast<CallError>(error.code), error.message);
    }
    default:
      break;
  }
  co_return Error::Failed("the service sent " +
                          DescribeMisplacedFrame(frame.type, frame.payload.size()));
}

asio::awaitable<void> ClientCall::Close() { co_await connection_->Shutdown(); }

void ClientCall::Abort() { connection_->Close(); }

asio::awaitable<Result<CallOutcome>> CallServiceAsync(asio::any_io_executor executor,
                                                      Address address, CallRequest request,
                                                      std::shared_ptr<TlsContext> tls,
                                                      ClientOptions options, std::string input,
                                                      std::size_t max_output) {
  // Copies, not moves: GCC 12 destroys a coroutine parameter moved into another coroutine's
  // parameter twice.
  auto call = co_await ClientCall::Open(executor, address, request, tls, options);
  if (!call.ok()) co_return call.error();
  // Write and read together: a service may answer before it has read everything. The
  // writer owns the call too, so it outlives this coroutine if it is still writing.
  std::shared_ptr<ClientCall> shared = std::move(*call);
  asio::co_spawn(
      executor,
      [shared, input = std::move(input)]() -> asio::awaitable<void> {
        Status written = co_await shared->Write(input);
        if (written.ok()) written = co_await shared->CloseWrite();
      },
      asio::detached);
  Result<CallOutcome> outcome = Error::Failed("the call ended without a result");
  CallOutcome result;
  while (true) {
    auto event = co_await shared->Read();
    if (!event.ok()) {
      outcome = event.error();
      break;
    }
    if (event->kind == CallEvent::Kind::kData) {
      if (result.output.size() + event->data.size() > max_output) {
        outcome =
            Error::Failed("the service's answer is over " + std::to_string(max_output) + " bytes");
        break;
      }
      result.output += event->data;
    }
    if (event->kind == CallEvent::Kind::kExit) {
      result.exit_code = event->exit_code;
      result.message = event->message;
      outcome = std::move(result);
      break;
    }
  }
  co_await shared->Close();
  co_return outcome;
}

// The members are passed as lvalues (copies): see CallServiceAsync on GCC 12.
namespace {

// Nothing answered there: the next address of the peer may.
bool Unreachable(const Error& error) {
  return error.message().starts_with("cannot connect to ") ||
         error.message().starts_with("cannot resolve ");
}

}  // namespace

asio::awaitable<Result<std::unique_ptr<ClientCall>>> Peer::Open(asio::any_io_executor executor,
                                                                CallRequest request) const {
  auto call = co_await ClientCall::Open(executor, address, request, tls, options);
  for (const Address& next : alternates) {
    if (call.ok() || !Unreachable(call.error())) break;
    call = co_await ClientCall::Open(executor, next, request, tls, options);
  }
  co_return call;
}

asio::awaitable<Result<CallOutcome>> Peer::CallAsync(asio::any_io_executor executor,
                                                     CallRequest request, std::string input,
                                                     std::size_t max_output) const {
  auto outcome =
      co_await CallServiceAsync(executor, address, request, tls, options, input, max_output);
  for (const Address& next : alternates) {
    if (outcome.ok() || !Unreachable(outcome.error())) break;
    outcome = co_await CallServiceAsync(executor, next, request, tls, options, input, max_output);
  }
  co_return outcome;
}

Result<Peer> MakePeer(std::string_view address, const TlsFiles& tls, const std::string& name) {
  Peer peer;
  const std::size_t comma = address.find(',');
  if (address.ends_with(',')) return Error::BadInput("a peer's address list ends with a comma");
  VIGIL_ASSIGN_OR_RETURN(peer.address, ParseAddress(address.substr(0, comma)));
  for (std::string_view rest = comma == std::string_view::npos ? "" : address.substr(comma + 1);
       !rest.empty();) {
    const std::size_t next = rest.find(',');
    VIGIL_ASSIGN_OR_RETURN(Address alternate, ParseAddress(rest.substr(0, next)));
    peer.alternates.push_back(std::move(alternate));
    if (peer.alternates.size() > 16) return Error::BadInput("a peer has at most 17 addresses");
    rest = next == std::string_view::npos ? "" : rest.substr(next + 1);
  }
  peer.options.tls = tls;
  if (!name.empty()) peer.options.expect_service_name = name;
  VIGIL_ASSIGN_OR_RETURN(peer.tls, MakeTlsContext(tls, TlsSide::kClient));
  return peer;
}

Result<CallOutcome> CallService(const Address& address, const CallRequest& request,
                                const ClientOptions& options, std::string_view input) {
  VIGIL_ASSIGN_OR_RETURN(auto tls, MakeTlsContext(options.tls, TlsSide::kClient));
  asio::io_context io;
  Result<CallOutcome> outcome = Error::Failed("the call ended without a result");
  auto run = [&]() -> asio::awaitable<void> {
    outcome = co_await CallServiceAsync(io.get_executor(), address, request, tls, options,
                                        std::string(input));
  };
  try {
    asio::co_spawn(io, run(), asio::detached);
    io.run();
  } catch (const std::exception& e) {
    return Error::Failed(std::string("the call failed: ") + e.what());
  }
  return outcome;
}

}  // namespace vigil::rpc
