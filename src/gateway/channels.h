// The channels' TUF metadata as the gateway keeps it (docs/SPEC-gateway.md, "Channels"):
// it holds the online keys (testing, current, snapshot, timestamp), never root's or
// targets'. A build the builder published to its testing directory becomes TUF targets of
// `testing` once its DSSE envelope verifies under the release key and its ledger receipt
// under the ledger's; a promotion adds the same targets (same hashes and length) to
// `current` after checking them again; a withdrawal removes a build from a channel.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "tuf/repository.h"

namespace vigil::tlog {
class ReceiptVerifier;
}  // namespace vigil::tlog

namespace vigil::gateway {

struct ChannelsConfig {
  std::filesystem::path repository;   // the TUF repository (`vigil repo init`)
  std::filesystem::path keys;         // testing.secret, current.secret, snapshot.secret,
                                      // timestamp.secret
  std::filesystem::path source;       // the builder's repository: testing/NAME/BUILD_ID
  std::filesystem::path release_key;  // the signer's public key (PEM)
  std::int64_t timestamp_seconds = 86400;
};

// What a promotion adds to current's custom fields.
struct PromotionFacts {
  std::uint64_t command_index = 0;  // the ledger entry of the promotion record
};

// A build in testing, as its metadata says.
struct TestingBuild {
  std::map<std::string, std::string> custom;  // build_id, commit, ledger_index, published, ...
  std::map<std::string, std::string> files;   // FILE -> sha256 hex
  std::int64_t published = 0;
};

class Channels {
 public:
  // Loads the online keys; kBadInput naming a missing or bad one.
  static Result<std::unique_ptr<Channels>> Open(ChannelsConfig config,
                                                std::shared_ptr<tlog::ReceiptVerifier> ledger);
  ~Channels();

  // Adds source/testing/COMPONENT/BUILD_ID to `testing` after checking its envelope and
  // receipt; `commit` is the builder's. kBadInput when a check fails.
  Status PublishTesting(const std::string& component, const std::string& build_id,
                        const std::string& commit);
  // The build as `testing` holds it, after checking its files against their hashes and its
  // envelope and receipt again; kBadInput naming what does not hold.
  Result<TestingBuild> CheckTesting(const std::string& component, const std::string& build_id);
  // Adds the build's testing targets to `current` with `facts`.
  Status Promote(const std::string& component, const std::string& build_id,
                 const TestingBuild& build, const PromotionFacts& facts);
  Status Withdraw(const std::string& component, const std::string& build_id,
                  const std::string& channel);
  // What the gateway's timer does: re-signs timestamp.json (the freeze bound), and, when the
  // snapshot or a channel's metadata is past half its lifetime, the channels and snapshot
  // too, so that a quiet channel never expires. Returns what it re-signed.
  Result<std::string> Refresh();
  const ChannelsConfig& config() const { return config_; }

 private:
  struct Keys;
  Channels(ChannelsConfig config, std::unique_ptr<Keys> keys,
           std::shared_ptr<tlog::ReceiptVerifier> ledger);
  // The envelope and receipt of a build directory: its subjects (FILE -> sha256 hex) and
  // the build's ledger index.
  Result<std::pair<std::map<std::string, std::string>, std::uint64_t>> CheckEvidence(
      const std::filesystem::path& envelope, const std::filesystem::path& receipt,
      const std::string& build_id);

  ChannelsConfig config_;
  std::unique_ptr<Keys> keys_;
  std::shared_ptr<tlog::ReceiptVerifier> ledger_;
  std::mutex mutex_;  // one change to the repository at a time
};

}  // namespace vigil::gateway
