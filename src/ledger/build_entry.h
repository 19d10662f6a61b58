// The ledger's entries: canonical JSON (RFC 8785 for the values used here: objects with
// sorted keys, strings, integers, no whitespace).
//   build-log: written by provenance/build_log_entry.h's codec, the one every reader uses;
//              BuildEntry adds the builder's call identity.
//   other records appended through vigil.Append carry "type" and a "submitter".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "encoding/build_log_limits.h"
#include "provenance/build_log_entry.h"
#include "rpc/policy.h"
#include "tlog/store.h"

namespace vigil::ledger {

inline constexpr std::size_t kMaxArtifacts = encoding::kMaxBuildArtifacts;
// The largest build-log entry: every artifact at its longest ({"name":"...","sha256":"..."},)
// plus 4 KiB for the other fields, which are bounded too. It must fit a log entry.
static_assert(kMaxArtifacts * (encoding::kMaxArtifactNameBytes + 64 + 24) + 4096 <=
                  tlog::kMaxStoredEntrySize,
              "a build-log entry at its limits must fit the ledger's entry bound");

using Artifact = provenance::LoggedArtifact;

struct BuildEntry {
  std::string build_id;
  rpc::CallIdentity builder;
  std::string start;  // UTC timestamps with microseconds
  std::string end;
  std::uint64_t lines = 0;
  std::string log_sha256;
  bool closed = false;  // false: truncated
  std::vector<Artifact> artifacts;
};

Bytes SerializeBuildEntry(const BuildEntry& entry);

// Parses an `artifact SHA256 NAME` declaration's fields: 64 lowercase hex digits, and a
// name of 1-255 of [A-Za-z0-9._+/-] without "..".
Result<Artifact> ParseArtifact(std::string_view sha256, std::string_view name);

// Checks a record for vigil.Append+TYPE: canonical JSON, an object whose "type" is `type`
// (never "build-log": only the ledger writes those) and with no "submitter"; returns it
// with the submitter added.
Result<Bytes> PrepareRecord(std::string_view type, std::string_view json,
                            const rpc::CallIdentity& submitter);

// The record's "record_id", if it has one: a record is appended once per (type, record_id).
std::optional<std::string> RecordId(ByteView record);

// The index label of an entry: (type, record_id), else (type, build_id), when it has them.
std::optional<tlog::EntryLabel> LabelEntry(ByteView entry);

}  // namespace vigil::ledger
