#include "attestation/cbor_value.h"

#include <string>

namespace vigil::attestation {
namespace {

constexpr int kMaxDepth = 16;

class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  Result<CborValue> Value(int depth) {
    if (depth > kMaxDepth) return Bad("nesting deeper than 16");
    if (pos_ >= data_.size()) return Bad("truncated");
    const std::uint8_t initial = data_[pos_++];
    const int major = initial >> 5, info = initial & 31;
    if (major == 7) return Simple(info);
    VIGIL_ASSIGN_OR_RETURN(std::uint64_t arg, Argument(info));
    const std::uint64_t left = data_.size() - pos_;
    CborValue value;
    switch (major) {
      case 0:
        value.kind = CborValue::Kind::kUnsigned;
        value.number = arg;
        return value;
      case 2:
      case 3:
        if (arg > left) return Bad("a string longer than the bytes left");
        value.kind = major == 2 ? CborValue::Kind::kBytes : CborValue::Kind::kText;
        value.bytes.assign(data_.begin() + pos_, data_.begin() + pos_ + arg);
        pos_ += arg;
        return value;
      case 4:
        if (arg > left) return Bad("more elements than bytes left");
        value.kind = CborValue::Kind::kArray;
        for (std::uint64_t i = 0; i < arg; ++i) {
          VIGIL_ASSIGN_OR_RETURN(CborValue item, Value(depth + 1));
          value.items.push_back(std::move(item));
        }
        return value;
      case 5:
        if (arg > left / 2) return Bad("more entries than bytes left");
        value.kind = CborValue::Kind::kMap;
        for (std::uint64_t i = 0; i < arg; ++i) {
          VIGIL_ASSIGN_OR_RETURN(CborValue key, Value(depth + 1));
          VIGIL_ASSIGN_OR_RETURN(CborValue item, Value(depth + 1));
          for (const CborValue& seen : value.keys) {
            if (seen.kind == key.kind && seen.bytes == key.bytes && seen.number == key.number) {
              return Bad("a map key given twice");
            }
          }
          value.keys.push_back(std::move(key));
          value.values.push_back(std::move(item));
        }
        return value;
      default:
        return Bad("a negative integer or a tag, which the NSM does not send");
    }
  }

  bool done() const { return pos_ == data_.size(); }

 private:
  Error Bad(const std::string& what) const {
    return Error::BadInput("CBOR at byte " + std::to_string(pos_) + ": " + what);
  }

  Result<std::uint64_t> Argument(int info) {
    if (info < 24) return static_cast<std::uint64_t>(info);
    if (info > 27) return Bad(info == 31 ? "an indefinite length" : "a reserved head");
    const std::size_t size = std::size_t{1} << (info - 24);
    if (data_.size() - pos_ < size) return Bad("truncated");
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i) value = value << 8 | data_[pos_++];
    return value;
  }

  Result<CborValue> Simple(int info) {
    CborValue value;
    if (info == 20 || info == 21) {
      value.kind = CborValue::Kind::kBool;
      value.number = info == 21 ? 1 : 0;
    } else if (info == 22) {
      value.kind = CborValue::Kind::kNull;
    } else {
      return Bad("a float or simple value the NSM does not send");
    }
    return value;
  }

  ByteView data_;
  std::size_t pos_ = 0;
};

}  // namespace

const CborValue* CborValue::Find(std::string_view key) const {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].kind == Kind::kText && AsText(keys[i].bytes) == key) return &values[i];
  }
  return nullptr;
}

Result<CborValue> ReadCbor(ByteView data) {
  Reader reader(data);
  VIGIL_ASSIGN_OR_RETURN(CborValue value, reader.Value(0));
  if (!reader.done()) return Error::BadInput("CBOR: bytes after the value");
  return value;
}

}  // namespace vigil::attestation
