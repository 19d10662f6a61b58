// The handler's view of one accepted call: data frames in and out, and the half-closes.
#include <utility>

#include "rpc/connection.h"
#include "rpc/service_host.h"

namespace vigil::rpc {
namespace {

// The end of the caller's input, built outside the coroutine: GCC 12 at -O1 with ASan warns
// (-Wmaybe-uninitialized, wrongly) on an empty optional<string> made in the coroutine frame.
Result<std::optional<std::string>> EndOfInput() { return std::optional<std::string>(); }

}  // namespace

asio::awaitable<Result<std::optional<std::string>>> Call::Read() {
  if (caller_closed_) co_return EndOfInput();
  if (broken_) co_return Error::BadInput(broken_message_);
  FrameFailure failure = FrameFailure::kNone;
  auto frame = co_await connection_.ReadFrame(&failure);
  if (!frame.ok()) {
    if (failure == FrameFailure::kMalformed || failure == FrameFailure::kTooLarge) {
      broken_ = failure == FrameFailure::kTooLarge ? CallError::kTooLarge : CallError::kMalformed;
      broken_message_ = frame.error().message();
    }
    co_return frame.error();
  }
  if (frame->type == FrameType::kEof && frame->payload.empty()) {
    caller_closed_ = true;
    co_return EndOfInput();
  }
  if (frame->type == FrameType::kData && !frame->payload.empty()) {
    co_return std::optional<std::string>(std::move(frame->payload));
  }
  broken_ = CallError::kMalformed;
  broken_message_ = "the caller sent " + DescribeMisplacedFrame(frame->type, frame->payload.size());
  co_return Error::BadInput(broken_message_);
}

asio::awaitable<Status> Call::Write(std::string_view data) {
  if (we_closed_) co_return Error::Failed("the call's output was already closed");
  while (!data.empty()) {
    std::string_view piece = data.substr(0, kMinMaxFrame);  // what every caller accepts
    VIGIL_CO_RETURN_IF_ERROR(co_await connection_.WriteFrame(FrameType::kData, piece));
    data.remove_prefix(piece.size());
  }
  co_return OkStatus();
}

asio::awaitable<Status> Call::CloseWrite() {
  if (we_closed_) co_return OkStatus();
  we_closed_ = true;
  co_return co_await connection_.WriteFrame(FrameType::kEof, {});
}

}  // namespace vigil::rpc
