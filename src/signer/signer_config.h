// vigil-signer's configuration file (TOML; relative file paths are relative to the file,
// socket addresses to the working directory):
//
//   [service]
//   listen = ["unix:signer.sock"]  # where builders call vigil.Sign+KEYNAME
//   cert = "signer.crt"
//   key = "signer.key"
//   ca = "ca.crt"
//   policy = "policy.d"            # who may use which key (vigil.Sign +KEYNAME SOURCE ...)
//   audit_log = "audit.log"        # every decision, granted or refused
//   state_dir = "state"            # the replay database (signed.db)
//   database = "postgresql://..."  # optional: the replay table there instead, shared by
//                                  # signers on several hosts
//
//   [ledger]
//   address = "unix:ledger.sock"         # where signature records are appended (vigil.Append)
//   verifier_key = "ORIGIN+KEYID+BASE64" # the pinned checkpoint key (`vigil log vkey`)
//   origin = "..."                       # optional: defaults to the key's name
//   name = "ledger"                      # optional: the ledger's certificate name
//   freshness_seconds = 600              # how old a receipt's checkpoint may be
//   witness_policy = "witnesses"         # optional: a C2SP tlog-policy receipts must meet
//
//   [keys.NAME]                          # one table per key (NAME: 1-32 of a-z 0-9 . _ -)
//   algorithm = "ed25519" | "ecdsa-p256"
//   file = "release.key"                 # a key file (PKCS#8 PEM, 0600), or:
//   pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so"
//   pkcs11_token = "vigil"               # the token label
//   pkcs11_pin_file = "pin"              # the user PIN (0600)
//   pkcs11_label = "release"             # the key's label on the token (default NAME)
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/public_key.h"
#include "rpc/service_config.h"
#include "tlog/note.h"
#include "tlog/witness_policy.h"

namespace vigil::signer {

struct KeyConfig {
  std::string name;
  crypto::KeyAlgorithm algorithm = crypto::KeyAlgorithm::kEd25519;
  std::filesystem::path file;           // set for a key file
  std::filesystem::path pkcs11_module;  // set for a PKCS#11 key
  std::string pkcs11_token;
  std::filesystem::path pkcs11_pin_file;
  std::string pkcs11_label;
  bool is_pkcs11() const { return !pkcs11_module.empty(); }
};

struct SignerConfig {
  rpc::ServiceConfig service;
  std::filesystem::path state_dir;
  std::string database;  // empty: state_dir/signed.db
  std::string ledger_address;
  std::optional<tlog::NoteVerifier> ledger_verifier;  // always set once loaded
  std::string ledger_origin;
  std::string ledger_name;
  std::chrono::seconds freshness{600};
  std::optional<tlog::WitnessPolicy> witness_policy;
  std::map<std::string, KeyConfig> keys;
};

// Reads and validates the file. BadInput with file and line for anything wrong or unknown.
Result<SignerConfig> LoadSignerConfig(const std::filesystem::path& path);

}  // namespace vigil::signer
