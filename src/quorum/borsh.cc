#include "quorum/borsh.h"

#include <limits>

#include "base/utf8.h"

namespace vigil::quorum {
namespace {

template <typename T>
void PutLittleEndian(vigil::Bytes& out, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  }
}

template <typename T>
T GetLittleEndian(ByteView bytes) {
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    value = static_cast<T>(value | static_cast<T>(static_cast<T>(bytes[i]) << (8 * i)));
  }
  return value;
}

}  // namespace

void BorshWriter::U16(std::uint16_t value) { PutLittleEndian(out_, value); }
void BorshWriter::U32(std::uint32_t value) { PutLittleEndian(out_, value); }
void BorshWriter::U64(std::uint64_t value) { PutLittleEndian(out_, value); }

Status BorshWriter::Length(std::size_t count) {
  if (count > std::numeric_limits<std::uint32_t>::max()) {
    return Error::BadInput("borsh: a vector of " + std::to_string(count) +
                           " elements does not fit a u32 length");
  }
  U32(static_cast<std::uint32_t>(count));
  return OkStatus();
}

Status BorshWriter::Bytes(ByteView bytes) {
  VIGIL_RETURN_IF_ERROR(Length(bytes.size()));
  Fixed(bytes);
  return OkStatus();
}

Error BorshReader::Bad(std::string_view field, std::string_view problem) const {
  return Error::BadInput(what_ + ": " + std::string(field) + " at byte " + std::to_string(offset_) +
                         ": " + std::string(problem));
}

Result<ByteView> BorshReader::Take(std::size_t size, std::string_view field) {
  if (size > remaining()) {
    return Bad(field, "needs " + std::to_string(size) + " bytes, " + std::to_string(remaining()) +
                          " left (truncated)");
  }
  ByteView taken = data_.subspan(offset_, size);
  offset_ += size;
  return taken;
}

Result<std::uint8_t> BorshReader::U8(std::string_view field) {
  VIGIL_ASSIGN_OR_RETURN(ByteView bytes, Take(1, field));
  return bytes[0];
}

Result<bool> BorshReader::Bool(std::string_view field) {
  VIGIL_ASSIGN_OR_RETURN(std::uint8_t value, U8(field));
  if (value > 1) {
    --offset_;
    return Bad(field, "a bool must be 0 or 1, not " + std::to_string(value));
  }
  return value == 1;
}

Result<bool> BorshReader::OptionTag(std::string_view field) {
  VIGIL_ASSIGN_OR_RETURN(std::uint8_t value, U8(field));
  if (value > 1) {
    --offset_;
    return Bad(field, "an Option tag must be 0 or 1, not " + std::to_string(value));
  }
  return value == 1;
}

Result<std::uint16_t> BorshReader::U16(std::string_view field) {
  VIGIL_ASSIGN_OR_RETURN(ByteView bytes, Take(2, field));
  return GetLittleEndian<std::uint16_t>(bytes);
}

Result<std::uint32_t> BorshReader::U32(std::string_view field) {
  VIGIL_ASSIGN_OR_RETURN(ByteView bytes, Take(4, field));
  return GetLittleEndian<std::uint32_t>(bytes);
}

Result<std::uint64_t> BorshReader::U64(std::string_view field) {
  VIGIL_ASSIGN_OR_RETURN(ByteView bytes, Take(8, field));
  return GetLittleEndian<std::uint64_t>(bytes);
}

Result<vigil::Bytes> BorshReader::Fixed(std::size_t size, std::string_view field) {
  VIGIL_ASSIGN_OR_RETURN(ByteView bytes, Take(size, field));
  return vigil::Bytes(bytes.begin(), bytes.end());
}

Result<std::size_t> BorshReader::Length(std::size_t max_count, std::string_view field) {
  VIGIL_ASSIGN_OR_RETURN(std::uint32_t count, U32(field));
  if (count > max_count) {
    offset_ -= 4;
    return Bad(field, "length " + std::to_string(count) + " is over the bound of " +
                          std::to_string(max_count));
  }
  return count;
}

Result<vigil::Bytes> BorshReader::Bytes(std::size_t max_size, std::string_view field) {
  VIGIL_ASSIGN_OR_RETURN(std::size_t size, Length(max_size, field));
  return Fixed(size, field);
}

Result<std::string> BorshReader::String(std::size_t max_size, std::string_view field) {
  const std::size_t start = offset_;
  VIGIL_ASSIGN_OR_RETURN(vigil::Bytes bytes, Bytes(max_size, field));
  std::string text(AsText(bytes));
  if (!IsValidUtf8(text)) {
    offset_ = start;
    return Bad(field, "a string must be valid UTF-8");
  }
  return text;
}

Status BorshReader::Finish() const {
  if (remaining() != 0) {
    return Error::BadInput(what_ + ": " + std::to_string(remaining()) +
                           " bytes after the end at byte " + std::to_string(offset_));
  }
  return OkStatus();
}

}  // namespace vigil::quorum
