// The call wire format inside TLS: frames of TYPE (1 byte) | LENGTH (4 bytes, big-endian)
// | PAYLOAD (LENGTH bytes). Spec: docs/SPEC-call.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::rpc {

enum class FrameType : std::uint8_t {
  kRequest = 1,  // caller -> service, first frame: "SERVICE+ARGUMENT"
  kAccept = 2,   // service -> caller: the call is allowed, the handler runs
  kData = 3,     // either way: 1..max_frame bytes of the call's stream
  kEof = 4,      // either way: the sender sends no more data (half-close)
  kExit = 5,     // service -> caller, last frame: STATUS (1 byte) | MESSAGE
  kError = 6,    // service -> caller, last frame: CallError (1 byte) | MESSAGE
};

// Why a service refused or ended a call (the first byte of an error frame).
enum class CallError : std::uint8_t {
  kDenied = 1,          // the policy denies the call
  kUnknownService = 2,  // allowed, but this host has no such service
  kMalformed = 3,       // the caller broke the protocol
  kTooLarge = 4,        // a frame above the service's maximum
  kTimeout = 5,         // idle or total timeout
  kUnavailable = 6,     // the host is shutting down or full
};
std::string_view CallErrorName(CallError error);

inline constexpr std::size_t kFrameHeaderSize = 5;
// Every receiver accepts payloads of this many bytes in one frame, so a sender splits its
// data into frames of this size without knowing its peer's maximum. A host may accept
// more, up to kMaxFrameLimit, never less.
inline constexpr std::size_t kMinMaxFrame = 1 << 20;
inline constexpr std::size_t kDefaultMaxFrame = kMinMaxFrame;  // payload bytes
inline constexpr std::size_t kMaxFrameLimit = 16 << 20;        // no host may allow more
inline constexpr std::size_t kMaxRequestSize = 512;            // "SERVICE+ARGUMENT"
inline constexpr std::size_t kMaxMessageSize = 4096;           // exit and error messages

// kBadInput unless kMinMaxFrame <= max_frame <= kMaxFrameLimit.
Status CheckMaxFrame(std::size_t max_frame);

// Says what is wrong with a frame that has no place in a call's stream (an empty DATA, an
// EOF with a payload, a REQUEST or ACCEPT during the call), for the error the peer gets.
std::string DescribeMisplacedFrame(FrameType type, std::size_t payload_size);

struct FrameHeader {
  FrameType type = FrameType::kData;
  std::uint32_t length = 0;
};

std::array<std::uint8_t, kFrameHeaderSize> EncodeFrameHeader(FrameType type, std::uint32_t length);

// Parses a frame header; rejects unknown types and lengths above `max_payload`, setting
// *why to kMalformed or kTooLarge so the receiver can answer with the right error frame.
Result<FrameHeader> DecodeFrameHeader(const std::uint8_t* bytes, std::size_t max_payload,
                                      CallError* why);

// An exit or error frame's payload: CODE (1 byte) | MESSAGE (at most kMaxMessageSize bytes
// of UTF-8 without control characters; encoding replaces them with '?').
std::string EncodeCodeMessage(std::uint8_t code, std::string_view message);
struct CodeMessage {
  std::uint8_t code = 0;
  std::string message;
};
Result<CodeMessage> DecodeCodeMessage(std::string_view payload);

}  // namespace vigil::rpc
