// Reading the ledger's canonical JSON records strictly (internal to provenance): each
// record codec takes its members one by one, refuses members it does not define, and
// checks last that the bytes are the canonical form the ledger writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "provenance/build_log_entry.h"

namespace vigil::provenance::detail {

// A JSON object of at most `max_size` bytes.
Result<nlohmann::json> ParseRecordObject(ByteView record, std::size_t max_size);

// `object` has exactly `count` members (the caller has read each one it defines).
Status CheckMemberCount(const nlohmann::json& object, std::size_t count, const char* what);

Result<std::string> StringMember(const nlohmann::json& object, const char* name);
Result<std::uint64_t> UnsignedMember(const nlohmann::json& object, const char* name);

// An array of at most kMaxLoggedArtifacts {"name","sha256"} objects, each name valid for an
// artifact and each digest 64 lowercase hex digits.
Result<std::vector<LoggedArtifact>> ArtifactsMember(const nlohmann::json& object, const char* name);
nlohmann::json ArtifactsJson(const std::vector<LoggedArtifact>& artifacts);

// An identity {"name","tags":[...]} (a build's builder, a record's submitter).
Status ReadIdentity(const nlohmann::json& object, const char* name, std::string* identity_name,
                    std::vector<std::string>* tags);

// The record's bytes are `json` dumped (sorted keys, no whitespace, no duplicate keys): the
// form the ledger writes. Called last, once every member is known to be of its type.
Status CheckCanonical(const nlohmann::json& json, ByteView record, const char* what);

}  // namespace vigil::provenance::detail
