// QuorumOS's framing on every channel (qos_core io/stream.rs): an 8-byte little-endian
// length, then that many bytes of message. One request, one answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil::quorum {

// QuorumOS's MAX_ENCODED_MSG_LEN: 128 MiB.
inline constexpr std::uint64_t kMaxFrameBytes = 128ull * 1024 * 1024;
inline constexpr std::size_t kFrameHeaderBytes = 8;

// The header and the message, ready to write.
Result<Bytes> EncodeFrame(ByteView message, std::uint64_t max_bytes = kMaxFrameBytes);

// Reassembles frames from a byte stream that arrives in pieces (a serial port, a socket).
class FrameReader {
 public:
  explicit FrameReader(std::uint64_t max_bytes = kMaxFrameBytes) : max_bytes_(max_bytes) {}

  // Adds bytes. BadInput as soon as a header announces more than the bound (nothing of that
  // frame is buffered; the reader must be Reset before it is used again).
  Status Feed(ByteView bytes);
  // The next complete message, if one has arrived.
  std::optional<Bytes> Next();
  // Drops a partial frame: the peer went away in the middle of one.
  void Reset();
  // Bytes held of a frame not yet complete.
  std::size_t pending() const { return buffer_.size(); }

 private:
  std::uint64_t max_bytes_;
  Bytes buffer_;
  bool failed_ = false;
};

}  // namespace vigil::quorum
