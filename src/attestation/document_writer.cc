#include "attestation/document_writer.h"

#include "attestation/cbor_writer.h"

namespace vigil::attestation {
namespace {

constexpr std::int64_t kAlgEs384 = -35;  // COSE algorithm ES384
constexpr std::uint64_t kHeaderAlg = 1;

void OptionalBytes(CborWriter& out, const std::optional<Bytes>& value) {
  if (value) {
    out.ByteString(*value);
  } else {
    out.Null();
  }
}

}  // namespace

Bytes EncodePayload(const AttestationDocument& document) {
  CborWriter out;
  out.MapHeader(9);
  out.Text("module_id");
  out.Text(document.module_id);
  out.Text("digest");
  out.Text(document.digest);
  out.Text("timestamp");
  out.Unsigned(document.timestamp_ms);
  out.Text("pcrs");
  out.MapHeader(document.pcrs.size());
  for (const auto& [index, value] : document.pcrs) {
    out.Unsigned(static_cast<std::uint64_t>(index));
    out.ByteString(value);
  }
  out.Text("certificate");
  out.ByteString(document.certificate);
  out.Text("cabundle");
  out.ArrayHeader(document.cabundle.size());
  for (const Bytes& cert : document.cabundle) out.ByteString(cert);
  out.Text("public_key");
  OptionalBytes(out, document.public_key);
  out.Text("user_data");
  OptionalBytes(out, document.user_data);
  out.Text("nonce");
  OptionalBytes(out, document.nonce);
  return out.Take();
}

Bytes Es384ProtectedHeader() {
  CborWriter out;
  out.MapHeader(1);
  out.Unsigned(kHeaderAlg);
  out.Negative(kAlgEs384);
  return out.Take();
}

Bytes SigStructure(ByteView protected_header, ByteView payload) {
  CborWriter out;
  out.ArrayHeader(4);
  out.Text("Signature1");
  out.ByteString(protected_header);
  out.ByteString({});
  out.ByteString(payload);
  return out.Take();
}

Result<Bytes> SignPayload(ByteView payload, const crypto::Es384Signer& signer) {
  const Bytes header = Es384ProtectedHeader();
  VIGIL_ASSIGN_OR_RETURN(Bytes signature, signer.Sign(SigStructure(header, payload)));
  CborWriter out;
  out.ArrayHeader(4);
  out.ByteString(header);
  out.MapHeader(0);
  out.ByteString(payload);
  out.ByteString(signature);
  return out.Take();
}

Result<Bytes> SignDocument(const AttestationDocument& document, const crypto::Es384Signer& signer) {
  return SignPayload(EncodePayload(document), signer);
}

}  // namespace vigil::attestation
