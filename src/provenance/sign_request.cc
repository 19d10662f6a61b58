#include "provenance/sign_request.h"

#include <nlohmann/json.hpp>
#include <set>

#include "encoding/strict_json.h"
#include "provenance/build_log_entry.h"

namespace vigil::provenance {

std::string FormatSignRequest(const SignRequest& request) {
  nlohmann::json digests = nlohmann::json::array();
  for (const crypto::Sha256Digest& digest : request.digests) {
    digests.push_back(crypto::Sha256Hex(digest));
  }
  return nlohmann::json{{"digests", std::move(digests)}, {"receipt", request.receipt}}.dump();
}

Result<SignRequest> ParseSignRequest(std::string_view text) {
  if (text.size() > kMaxSignRequestSize) {
    return Error::BadInput("the request is over " + std::to_string(kMaxSignRequestSize) + " bytes");
  }
  VIGIL_ASSIGN_OR_RETURN(const nlohmann::json json,
                         encoding::ParseStrictJson(text, "the sign request"));
  if (!json.is_object()) return Error::BadInput("the request is not a JSON object");
  if (!json.contains("receipt") || !json["receipt"].is_string() ||
      json["receipt"].get_ref<const std::string&>().empty()) {
    return Error::BadInput(
        "the request carries no receipt: sign requests need the ledger's "
        "receipt (tlog-proof) of the build");
  }
  if (!json.contains("digests") || json.size() != 2) {
    return Error::BadInput("the request must have exactly \"digests\" and \"receipt\"");
  }
  const auto& digests = json["digests"];
  if (!digests.is_array() || digests.empty() || digests.size() > kMaxRequestedDigests) {
    return Error::BadInput("\"digests\" must be an array of 1 to " +
                           std::to_string(kMaxRequestedDigests) + " SHA-256 digests");
  }
  SignRequest request;
  request.receipt = json["receipt"].get<std::string>();
  std::set<crypto::Sha256Digest> seen;
  for (const auto& digest : digests) {
    if (!digest.is_string()) return Error::BadInput("each digest must be a string");
    const std::string& hex = digest.get_ref<const std::string&>();
    VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest parsed,
                           crypto::ParseSha256Hex(hex, "each digest (SHA-256)"));
    if (!seen.insert(parsed).second) {
      return Error::BadInput("digest " + hex + " is requested twice");
    }
    request.digests.push_back(parsed);
  }
  return request;
}

}  // namespace vigil::provenance
