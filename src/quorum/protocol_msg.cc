#include "quorum/protocol_msg.h"

#include "quorum/protocol_codec.h"

namespace vigil::quorum {

Result<DecodedMsg> DecodeWire(ByteView bytes, DecodeFailure* failure) {
  Result<ProtocolMsg> json = DecodeJsonMsg(AsText(bytes));
  if (json.ok()) return DecodedMsg{std::move(*json), WireEncoding::kJson};
  const bool genesis =
      !bytes.empty() && (bytes[0] == static_cast<std::uint8_t>(MessageKind::kBootGenesisRequest) ||
                         bytes[0] == static_cast<std::uint8_t>(MessageKind::kBootGenesisResponse));
  Result<ProtocolMsg> borsh = DecodeBorshMsg(bytes);
  if (borsh.ok()) return DecodedMsg{std::move(*borsh), WireEncoding::kBorsh};
  // Report the reading that the first byte suggests was meant.
  const bool looks_json = !bytes.empty() && (bytes[0] == '{' || bytes[0] == '"');
  const Error& reason = looks_json ? json.error() : borsh.error();
  if (failure != nullptr) {
    failure->error_kind = genesis ? ProtocolErrorKind::kLegacyGenesisNotSupported
                                  : ProtocolErrorKind::kProtocolMsgDeserialization;
    failure->reason = reason.message();
  }
  return Error::BadInput("undecodable message: " + reason.message());
}

Result<Bytes> EncodeWire(const ProtocolMsg& msg, WireEncoding encoding) {
  if (encoding == WireEncoding::kBorsh) return EncodeBorshMsg(msg);
  if (msg.kind == MessageKind::kBootStandardJsonEnvelopeRequest) {
    return Error::BadInput("BootStandardJsonEnvelopeRequest exists in Borsh only");
  }
  VIGIL_ASSIGN_OR_RETURN(std::string text, EncodeJsonMsg(msg));
  return Bytes(text.begin(), text.end());
}

ProtocolMsg ErrorResponse(ProtocolError error) {
  ProtocolMsg msg;
  msg.kind = MessageKind::kProtocolErrorResponse;
  msg.error = std::move(error);
  return msg;
}

ProtocolMsg Request(MessageKind kind) {
  ProtocolMsg msg;
  msg.kind = kind;
  return msg;
}

Status CheckCredential(const ProtocolMsg& msg) {
  for (const Bytes* part : {&msg.id_object, &msg.encrypted_secret}) {
    if (part->empty() || part->size() > kMaxCredentialBytes) {
      return Error::BadInput("a credential's id_object and encrypted_secret are 1 to 1024 bytes");
    }
  }
  return OkStatus();
}

}  // namespace vigil::quorum
