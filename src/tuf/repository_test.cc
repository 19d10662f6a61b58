#include "tuf/repository.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/file.h"
#include "crypto/ed25519.h"
#include "tuf/client.h"

namespace vigil::tuf {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kNow = 1800000000;

SigningKey NewKey() { return SigningKeyFromSeed(crypto::Ed25519GenerateSeed().value()).value(); }

class RepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vigil-tuf-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const char* name : {"root", "targets", "snapshot", "timestamp", "testing", "current"}) {
      keys_.emplace(name, NewKey());
      roles_.keys[name] = {keys_.at(name).key};
    }
    auto one = [&](const char* name) { return std::vector<const SigningKey*>{&keys_.at(name)}; };
    ASSERT_TRUE(InitRepository(dir_ / "repo", roles_,
                               {one("root"), one("targets"), one("testing"), one("current"),
                                one("snapshot"), one("timestamp")},
                               expiry_)
                    .ok());
    std::ofstream(dir_ / "hello.eif") << "an image";
    root_text_ = std::string(AsText(ReadFile(dir_ / "repo/metadata/1.root.json", 1 << 20).value()));
  }
  void TearDown() override { fs::remove_all(dir_); }

  Status Add(const std::string& role, const std::string& path) {
    return AddTargets(dir_ / "repo", role, {{path, dir_ / "hello.eif", {{"commit", "abc"}}}},
                      {&keys_.at(role)}, keys_.at("snapshot"), keys_.at("timestamp"), expiry_);
  }

  Fetch FromDir() {
    return [this](const std::string& path, std::size_t max) -> Result<std::optional<Bytes>> {
      std::error_code ec;
      if (!fs::exists(dir_ / "repo" / path, ec)) return std::optional<Bytes>();
      VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(dir_ / "repo" / path, max));
      return std::optional<Bytes>(std::move(bytes));
    };
  }

  fs::path dir_;
  std::map<std::string, SigningKey> keys_;
  RepositoryRoles roles_;
  Expiry expiry_{.now = kNow};
  std::string root_text_;
};

TEST_F(RepositoryTest, AClientFindsAndChecksWhatTheChannelsServe) {
  ASSERT_TRUE(Add("testing", "testing/hello/7/hello.eif").ok());
  EXPECT_FALSE(Add("testing", "current/hello/7/hello.eif").ok()) << "outside the role's pattern";
  EXPECT_FALSE(Add("testing", "testing/hello/hello.eif").ok()) << "not CHANNEL/NAME/BUILD/FILE";
  Client client(FromDir(), {.root = root_text_}, kNow + 60);
  ASSERT_TRUE(client.Refresh().ok());
  Result<ResolvedTarget> found = client.Find("testing/hello/7/hello.eif");
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(found->role, "testing");
  EXPECT_EQ(found->file.custom.at("commit"), "abc");
  EXPECT_EQ(AsText(client.Download(*found).value()), "an image");
  EXPECT_FALSE(client.Find("current/hello/7/hello.eif").ok()) << "not promoted yet";
  ASSERT_TRUE(Add("current", "current/hello/7/hello.eif").ok());
  Client later(FromDir(), client.state(), kNow + 120);
  ASSERT_TRUE(later.Refresh().ok());
  EXPECT_EQ(later.Find("current/hello/7/hello.eif")->role, "current");
}

TEST_F(RepositoryTest, ReSigningKeepsAQuietChannelFromExpiring) {
  ASSERT_TRUE(Add("testing", "testing/hello/7/hello.eif").ok());
  // Eight days on, the snapshot (seven days) has expired: a client refuses the channels.
  EXPECT_FALSE(Client(FromDir(), {.root = root_text_}, kNow + 8 * 86400).Refresh().ok());
  Result<Expiries> before = ReadExpiries(dir_ / "repo");
  ASSERT_TRUE(before.ok()) << before.error().message();
  EXPECT_EQ(before->snapshot, kNow + 7 * 86400);
  EXPECT_EQ(before->delegated, kNow + 30 * 86400);
  const Expiry later{.now = kNow + 7 * 86400 + 43200};
  ASSERT_TRUE(
      ResignRoles(dir_ / "repo",
                  {{"testing", {&keys_.at("testing")}}, {"current", {&keys_.at("current")}}},
                  keys_.at("snapshot"), keys_.at("timestamp"), later)
          .ok());
  EXPECT_EQ(ReadExpiries(dir_ / "repo")->snapshot, later.now + 7 * 86400);
  Client client(FromDir(), {.root = root_text_}, kNow + 8 * 86400);
  ASSERT_TRUE(client.Refresh().ok());
  EXPECT_EQ(AsText(client.Download(client.Find("testing/hello/7/hello.eif").value()).value()),
            "an image");
  EXPECT_FALSE(ResignRoles(dir_ / "repo", {{"targets", {&keys_.at("targets")}}},
                           keys_.at("snapshot"), keys_.at("timestamp"), later)
                   .ok())
      << "the top-level targets role is offline";
}

TEST_F(RepositoryTest, RollbackFreezeAndChangedBytesAreRefused) {
  ASSERT_TRUE(Add("testing", "testing/hello/7/hello.eif").ok());
  const Bytes old_timestamp = ReadFile(dir_ / "repo/metadata/timestamp.json", 1 << 20).value();
  ASSERT_TRUE(Add("testing", "testing/hello/8/hello.eif").ok());
  Client client(FromDir(), {.root = root_text_}, kNow + 60);
  ASSERT_TRUE(client.Refresh().ok());
  const TrustedState seen = client.state();
  const Bytes new_timestamp = ReadFile(dir_ / "repo/metadata/timestamp.json", 1 << 20).value();
  // The server goes back to the older timestamp: a rollback.
  ASSERT_TRUE(WriteFileAtomic(dir_ / "repo/metadata/timestamp.json", old_timestamp).ok());
  Status rolled = Client(FromDir(), seen, kNow + 60).Refresh();
  ASSERT_FALSE(rolled.ok());
  EXPECT_NE(rolled.error().message().find("rollback: timestamp version"), std::string::npos)
      << rolled.error().message();
  // Past the timestamp's expiry (one day): a freeze.
  Status frozen = Client(FromDir(), {.root = root_text_}, kNow + 2 * 86400).Refresh();
  ASSERT_FALSE(frozen.ok());
  EXPECT_NE(frozen.error().message().find("freeze: timestamp expired"), std::string::npos)
      << frozen.error().message();
  // A target whose bytes changed on the server.
  ASSERT_TRUE(WriteFileAtomic(dir_ / "repo/metadata/timestamp.json", new_timestamp).ok());
  ASSERT_TRUE(Add("testing", "testing/hello/9/hello.eif").ok());
  Client fresh(FromDir(), {.root = root_text_}, kNow + 60);
  ASSERT_TRUE(fresh.Refresh().ok());
  Result<ResolvedTarget> found = fresh.Find("testing/hello/9/hello.eif");
  ASSERT_TRUE(found.ok());
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "repo/targets")) {
    if (entry.is_regular_file()) std::ofstream(entry.path()) << "an imagE";
  }
  Result<Bytes> changed = fresh.Download(*found);
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.error().message().find("hashes"), std::string::npos);
}

TEST_F(RepositoryTest, MetadataSignedByTheWrongKeyIsRefused) {
  // The testing key signs for current: the delegation names another key.
  ASSERT_TRUE(
      AddTargets(dir_ / "repo", "current", {{"current/hello/7/hello.eif", dir_ / "hello.eif", {}}},
                 {&keys_.at("testing")}, keys_.at("snapshot"), keys_.at("timestamp"), expiry_)
          .ok());
  Client client(FromDir(), {.root = root_text_}, kNow + 60);
  ASSERT_TRUE(client.Refresh().ok());
  Result<ResolvedTarget> found = client.Find("current/hello/7/hello.eif");
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.error().message().find("threshold: current"), std::string::npos)
      << found.error().message();
}

}  // namespace
}  // namespace vigil::tuf
