#include "enclave/refusal.h"

#include <optional>

#include "base/strict_number.h"

namespace vigil::enclave {
namespace {

using Shape = quorum::ProtocolErrorShape;

// "expected X, actual Y" split in two; nullopt for any other text.
std::optional<std::pair<std::string, std::string>> ExpectedActual(const std::string& detail) {
  constexpr std::string_view kExpected = "expected ", kActual = ", actual ";
  const auto actual = detail.find(kActual);
  if (detail.rfind(kExpected, 0) != 0 || actual == std::string::npos) return std::nullopt;
  return std::make_pair(detail.substr(kExpected.size(), actual - kExpected.size()),
                        detail.substr(actual + kActual.size()));
}

std::optional<std::uint32_t> Nonce(const std::string& text) {
  const ScannedNumber<std::uint64_t> n = ScanUnsigned(text, 0, UINT32_MAX);
  if (!n.ok()) return std::nullopt;
  return static_cast<std::uint32_t>(n.value);
}

}  // namespace

quorum::ProtocolError ToProtocolError(const Error& error, quorum::ProtocolErrorKind fallback) {
  const std::string& message = error.message();
  const auto colon = message.find(": ");
  const std::string name = message.substr(0, std::min(colon, message.find(':')));
  const std::string detail = colon == std::string::npos ? "" : message.substr(colon + 2);
  const std::optional<quorum::ProtocolErrorKind> kind = quorum::ProtocolErrorFromName(name);
  if (!kind) return quorum::MakeProtocolError(fallback, message);
  const auto pair = ExpectedActual(detail);
  switch (quorum::ProtocolErrorShapeOf(*kind)) {
    case Shape::kUnit:
      return quorum::MakeProtocolError(*kind);
    case Shape::kText:
      return quorum::MakeProtocolError(*kind, detail);
    case Shape::kExpectedActual:
      if (pair) return quorum::MakeProtocolError(*kind, pair->first, pair->second);
      break;
    case Shape::kNonces:
      if (pair && Nonce(pair->first) && Nonce(pair->second)) {
        quorum::ProtocolError nonces = quorum::MakeProtocolError(*kind);
        nonces.expected_nonce = *Nonce(pair->first);
        nonces.actual_nonce = *Nonce(pair->second);
        return nonces;
      }
      break;
    case Shape::kP256:
      if (std::optional<int> p256 = quorum::P256ErrorFromName(detail)) {
        quorum::ProtocolError p256_error = quorum::MakeProtocolError(*kind);
        p256_error.p256_kind = *p256;
        return p256_error;
      }
      break;
    default:
      break;
  }
  return quorum::MakeProtocolError(fallback, message);
}

}  // namespace vigil::enclave
