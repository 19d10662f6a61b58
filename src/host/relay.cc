#include "host/relay.h"

#include <nlohmann/json.hpp>

#include "attestation/document_reader.h"
#include "base/hex.h"
#include "quorum/manifest_json.h"
#include "quorum/protocol_msg.h"

namespace vigil::host {
namespace {

using quorum::MessageKind;

Result<quorum::ProtocolMsg> Ask(const RelayConfig& config, MessageKind kind) {
  VIGIL_ASSIGN_OR_RETURN(Bytes message,
                         quorum::EncodeWire(quorum::Request(kind), quorum::WireEncoding::kJson));
  VIGIL_ASSIGN_OR_RETURN(Bytes answer,
                         quorum::ExchangeFrames(config.enclave_socket, message, config.channel));
  VIGIL_ASSIGN_OR_RETURN(quorum::DecodedMsg decoded, quorum::DecodeWire(answer));
  if (decoded.msg.kind == MessageKind::kProtocolErrorResponse) {
    return Error::Failed(quorum::DescribeProtocolError(decoded.msg.error));
  }
  return decoded.msg;
}

std::string EnclaveClientError() {
  Result<Bytes> bytes = quorum::EncodeWire(
      quorum::ErrorResponse(quorum::MakeProtocolError(quorum::ProtocolErrorKind::kEnclaveClient)),
      quorum::WireEncoding::kJson);
  return bytes.ok() ? std::string(AsText(*bytes)) : "";
}

void EnclaveHealth(const RelayConfig& config, http::Response& res) {
  Result<quorum::ProtocolMsg> status = Ask(config, MessageKind::kStatusRequest);
  if (!status.ok()) {
    res.status = 503;
    res.SetContent("enclave unreachable: " + status.error().message() + "\n", "text/plain");
    return;
  }
  const bool healthy = status->phase == quorum::ProtocolPhase::kQuorumKeyProvisioned ||
                       status->phase == quorum::ProtocolPhase::kGenesisBooted ||
                       status->phase == quorum::ProtocolPhase::kReshardBooted;
  res.status = healthy ? 200 : 503;
  res.SetContent(std::string(quorum::PhaseName(status->phase)), "text/plain");
}

void EnclaveInfo(const RelayConfig& config, http::Response& res) {
  Result<quorum::ProtocolMsg> status = Ask(config, MessageKind::kStatusRequest);
  if (!status.ok()) {
    res.status = 500;
    res.SetContent(EnclaveClientError(), "application/json");
    return;
  }
  nlohmann::json info{{"phase", quorum::PhaseName(status->phase)},
                      {"manifestEnvelope", nullptr},
                      {"ephemeralKey", nullptr}};
  Result<quorum::ProtocolMsg> envelope = Ask(config, MessageKind::kManifestEnvelopeRequest);
  if (envelope.ok() && envelope->envelope) {
    info["manifestEnvelope"] = quorum::EnvelopeJsonValue(*envelope->envelope);
  }
  // The key the enclave attests to now (read from its document, not verified: information).
  Result<quorum::ProtocolMsg> live = Ask(config, MessageKind::kLiveAttestationDocRequest);
  if (live.ok() && live->nsm) {
    Result<attestation::CoseSign1> cose = attestation::ReadCoseSign1(live->nsm->data);
    Result<attestation::AttestationDocument> doc =
        cose.ok() ? attestation::ReadPayload(cose->payload)
                  : Result<attestation::AttestationDocument>(cose.error());
    if (doc.ok() && doc->public_key) info["ephemeralKey"] = HexEncode(*doc->public_key);
  }
  res.SetContent(info.dump(), "application/json");
}

}  // namespace

void AddRelayRoutes(http::Server& server, const RelayConfig& config) {
  server.SetNotFoundMessage(
      "not found: /qos/host-health, /qos/enclave-health, /qos/enclave-info, POST /qos/message, "
      "/healthz");
  server.Get("/healthz", [](const http::Request&, http::Response& res) {
    res.SetContent("ok\n", "text/plain");
  });
  server.Get("/qos/host-health", [](const http::Request&, http::Response& res) {
    res.SetContent("Ok!", "text/plain");
  });
  server.Get("/qos/enclave-health",
             [config](const http::Request&, http::Response& res) { EnclaveHealth(config, res); });
  server.Get("/qos/enclave-info",
             [config](const http::Request&, http::Response& res) { EnclaveInfo(config, res); });
  server.Post("/qos/message", [config](const http::Request& req, http::Response& res) {
    Result<Bytes> answer =
        quorum::ExchangeFrames(config.enclave_socket, AsBytes(req.body), config.channel);
    if (!answer.ok()) {
      res.status = 500;
      res.SetContent(EnclaveClientError(), "application/json");
      return;
    }
    res.SetContent(std::string(AsText(*answer)), "application/octet-stream");
  });
}

}  // namespace vigil::host
