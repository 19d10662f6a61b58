#include "quorum/frame.h"

#include <string>

namespace vigil::quorum {
namespace {

std::uint64_t HeaderLength(ByteView header) {
  std::uint64_t length = 0;
  for (std::size_t i = 0; i < kFrameHeaderBytes; ++i) {
    length |= static_cast<std::uint64_t>(header[i]) << (8 * i);
  }
  return length;
}

Error Oversize(std::uint64_t length, std::uint64_t max_bytes) {
  return Error::BadInput("a frame of " + std::to_string(length) + " bytes is over the bound of " +
                         std::to_string(max_bytes) + " (OversizedPayload)");
}

}  // namespace

Result<Bytes> EncodeFrame(ByteView message, std::uint64_t max_bytes) {
  if (message.size() > max_bytes) return Oversize(message.size(), max_bytes);
  Bytes frame(kFrameHeaderBytes);
  for (std::size_t i = 0; i < kFrameHeaderBytes; ++i) {
    frame[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(message.size()) >> (8 * i));
  }
  frame.insert(frame.end(), message.begin(), message.end());
  return frame;
}

Status FrameReader::Feed(ByteView bytes) {
  if (failed_) return Error::BadInput("the frame stream failed earlier; reset it first");
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  if (buffer_.size() >= kFrameHeaderBytes) {
    const std::uint64_t length = HeaderLength(buffer_);
    if (length > max_bytes_) {
      failed_ = true;
      buffer_.clear();
      return Oversize(length, max_bytes_);
    }
  }
  return OkStatus();
}

std::optional<Bytes> FrameReader::Next() {
  if (failed_ || buffer_.size() < kFrameHeaderBytes) return std::nullopt;
  const std::uint64_t length = HeaderLength(buffer_);
  if (buffer_.size() - kFrameHeaderBytes < length) return std::nullopt;
  const auto begin = buffer_.begin() + kFrameHeaderBytes;
  const auto end = begin + static_cast<std::ptrdiff_t>(length);
  Bytes message(begin, end);
  buffer_.erase(buffer_.begin(), end);
  // The next frame's header may be complete already: check its bound now.
  if (buffer_.size() >= kFrameHeaderBytes && HeaderLength(buffer_) > max_bytes_) {
    failed_ = true;
    buffer_.clear();
  }
  return message;
}

void FrameReader::Reset() {
  buffer_.clear();
  failed_ = false;
}

}  // namespace vigil::quorum
