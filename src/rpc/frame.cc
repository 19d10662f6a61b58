#include "rpc/frame.h"

namespace vigil::rpc {
namespace {

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

}  // namespace

std::string_view CallErrorName(CallError error) {
  switch (error) {
    case CallError::kDenied:
      return "denied";
    case CallError::kUnknownService:
      return "unknown service";
    case CallError::kMalformed:
      return "malformed request";
    case CallError::kTooLarge:
      return "frame too large";
    case CallError::kTimeout:
      return "timed out";
    case CallError::kUnavailable:
      return "service unavailable";
  }
  return "unknown error";
}

Status CheckMaxFrame(std::size_t max_frame) {
  if (max_frame < kMinMaxFrame || max_frame > kMaxFrameLimit) {
    return Error::BadInput(
        "the maximum frame size must be 1 MiB to 16 MiB (every peer may send 1 MiB frames), not " +
        std::to_string(max_frame) + " bytes");
  }
  return OkStatus();
}

std::array<std::uint8_t, kFrameHeaderSize> EncodeFrameHeader(FrameType type, std::uint32_t length) {
  return {static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(length >> 24),
          static_cast<std::uint8_t>(length >> 16), static_cast<std::uint8_t>(length >> 8),
          static_cast<std::uint8_t>(length)};
}

Result<FrameHeader> DecodeFrameHeader(const std::uint8_t* bytes, std::size_t max_payload,
                                      CallError* why) {
  std::uint8_t type = bytes[0];
  if (type < static_cast<std::uint8_t>(FrameType::kRequest) ||
      type > static_cast<std::uint8_t>(FrameType::kError)) {
    *why = CallError::kMalformed;
    return Error::BadInput("unknown frame type " + std::to_string(type));
  }
  std::uint32_t length = (std::uint32_t{bytes[1]} << 24) | (std::uint32_t{bytes[2]} << 16) |
                         (std::uint32_t{bytes[3]} << 8) | std::uint32_t{bytes[4]};
  if (length > max_payload) {
    *why = CallError::kTooLarge;
    return Error::BadInput("a frame of " + std::to_string(length) +
                           " bytes is above the maximum of " + std::to_string(max_payload));
  }
  return FrameHeader{static_cast<FrameType>(type), length};
}

std::string EncodeCodeMessage(std::uint8_t code, std::string_view message) {
  std::string payload(1, static_cast<char>(code));
  payload.append(message.substr(0, kMaxMessageSize));
  for (std::size_t i = 1; i < payload.size(); ++i) {
    if (IsControl(static_cast<unsigned char>(payload[i]))) payload[i] = '?';
  }
  return payload;
}

Result<CodeMessage> DecodeCodeMessage(std::string_view payload) {
  if (payload.empty()) return Error::BadInput("an exit or error frame without its code");
  if (payload.size() - 1 > kMaxMessageSize) {
    return Error::BadInput("an exit or error message above " + std::to_string(kMaxMessageSize) +
                           " bytes");
  }
  CodeMessage out{static_cast<std::uint8_t>(payload[0]), std::string(payload.substr(1))};
  for (char c : out.message) {
    if (IsControl(static_cast<unsigned char>(c))) {
      return Error::BadInput("an exit or error message with control characters");
    }
  }
  return out;
}

std::string DescribeMisplacedFrame(FrameType type, std::size_t payload_size) {
  switch (type) {
    case FrameType::kData:
      if (payload_size == 0) {
        return "an empty DATA frame: DATA carries at least one byte (end the stream with EOF)";
      }
      break;
    case FrameType::kEof:
      if (payload_size != 0) {
        return "an EOF frame with a " + std::to_string(payload_size) +
               "-byte payload: EOF carries none (send the data as DATA first)";
      }
      break;
    case FrameType::kRequest:
      return "a REQUEST frame during the call: a connection carries one call";
    case FrameType::kAccept:
    case FrameType::kExit:
    case FrameType::kError:
      return "a frame only the service sends (type " + std::to_string(static_cast<int>(type)) + ")";
  }
  return "an unknown frame (type " + std::to_string(static_cast<int>(type)) + ")";
}

}  // namespace vigil::rpc
