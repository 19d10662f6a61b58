#include "image/spec.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "base/file.h"

namespace vigil::image {
namespace {

constexpr char kKernelHash[] = "51349501a3d1ff83836437d2b365fd2d57f2feb8642d315e5181dec23d4c3275";

std::string ValidSpec(const std::string& extra_top = "", const std::string& extra_end = "") {
  return "name = \"demo\"\nsource_date_epoch = 1700000000\noutputs = [\"aws\", \"generic\"]\n" +
         extra_top + "[kernel]\npath = \"k/vmlinuz\"\nsha256 = \"" + kKernelHash +
         "\"\ncmdline = \"console=ttyS0\"\n[target]\npath = \"bin/app\"\nargs = [\"a\", \"b "
         "c\"]\n" +
         extra_end;
}

Result<ImageSpec> Parse(const std::string& text,
                        const std::optional<std::string>& epoch = std::nullopt) {
  return ParseSpec(text, "/base", "spec.toml", epoch);
}

void ExpectBadInput(const std::string& text, const std::string& fragment) {
  auto spec = Parse(text);
  ASSERT_FALSE(spec.ok()) << text;
  EXPECT_EQ(spec.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(spec.error().message().find(fragment), std::string::npos) << spec.error().message();
}

TEST(Spec, TakesSourceDateEpochFromTheEnvironmentWhenSet) {
  ::unsetenv("SOURCE_DATE_EPOCH");
  EXPECT_EQ(EpochFromEnvironment(), std::nullopt);
  EXPECT_EQ(Parse(ValidSpec(), EpochFromEnvironment())->source_date_epoch, 1700000000u);
  ::setenv("SOURCE_DATE_EPOCH", "42", 1);
  EXPECT_EQ(EpochFromEnvironment(), std::optional<std::string>("42"));
  EXPECT_EQ(Parse(ValidSpec(), EpochFromEnvironment())->source_date_epoch, 42u);
  ::setenv("SOURCE_DATE_EPOCH", "", 1);  // set but empty: refused, not ignored
  EXPECT_EQ(EpochFromEnvironment(), std::optional<std::string>(""));
  EXPECT_FALSE(Parse(ValidSpec(), EpochFromEnvironment()).ok());
  ::unsetenv("SOURCE_DATE_EPOCH");
}

TEST(Spec, TheDefaultInitIsBesideVigilUnlessTheSpecNamesOne) {
  auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-default-init-");
  ASSERT_TRUE(dir.ok());
  ImageSpec spec;
  int asked = 0;
  auto bin_dir = [&]() -> Result<std::filesystem::path> {
    ++asked;
    return dir->path();
  };
  auto missing = DefaultInit(spec, bin_dir);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kMissingEnv);
  EXPECT_NE(missing.error().message().find("[init] path"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic(dir->path() / "vigil-init", AsBytes(std::string_view("x"))).ok());
  auto found = DefaultInit(spec, bin_dir);
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(*found, dir->path() / "vigil-init");
  EXPECT_EQ(asked, 2);
  spec.init.emplace();
  spec.init->path = "my-init";
  auto own = DefaultInit(spec, [&]() -> Result<std::filesystem::path> {
    ++asked;
    return Error::MissingEnv("no /proc");
  });
  ASSERT_TRUE(own.ok()) << own.error().message();
  EXPECT_TRUE(own->empty());
  EXPECT_EQ(asked, 2);  // not asked where vigil is
}

TEST(Spec, ParsesAValidSpec) {
  auto spec = Parse(ValidSpec("",
                              "[[files]]\nsource = \"motd\"\ndestination = \"/etc/motd\"\n"
                              "mode = \"0600\"\n"));
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_EQ(spec->name, "demo");
  EXPECT_EQ(spec->kernel.resolved, "/base/k/vmlinuz");
  EXPECT_EQ(spec->target_destination, "/bin/app");
  EXPECT_EQ(spec->target_args, (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(spec->outputs, (std::vector<Output>{Output::kGeneric, Output::kAws}));
  EXPECT_EQ(spec->compression, Compression::kGzip);
  ASSERT_EQ(spec->files.size(), 1u);
  EXPECT_EQ(spec->files[0].mode, 0600u);
}

TEST(Spec, EnvironmentEpochOverridesSpec) {
  auto spec = Parse(ValidSpec(), std::string("42"));
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->source_date_epoch, 42u);
  EXPECT_FALSE(Parse(ValidSpec(), std::string("12abc")).ok());
  EXPECT_FALSE(Parse(ValidSpec(), std::string("99999999999")).ok());
  // Each says what is really wrong (finding D22).
  for (const auto& [epoch, says] : {std::pair{"99999999999", "beyond 2106"},
                                    {"0001700000000", "no leading zeros"},
                                    {"123456789012345678901234567890", "beyond 2106"}}) {
    auto parsed = Parse(ValidSpec(), std::string(epoch));
    ASSERT_FALSE(parsed.ok()) << epoch;
    EXPECT_NE(parsed.error().message().find(says), std::string::npos) << parsed.error().message();
  }
}

TEST(Spec, RejectsBadToml) { ExpectBadInput("name = \n", "spec.toml:1: invalid TOML"); }

TEST(Spec, RejectsUnknownKeysWithLocation) {
  ExpectBadInput(ValidSpec("colour = \"red\"\n"), "spec.toml:4: unknown key 'colour'");
  ExpectBadInput(ValidSpec("", "extra = 1\n"), "unknown key 'extra' in [target]");
}

TEST(Spec, RequiresKernelPin) {
  std::string text = ValidSpec();
  text.replace(text.find("sha256"), text.find('\n', text.find("sha256")) - text.find("sha256"), "");
  ExpectBadInput(text, "kernel.sha256");
}

TEST(Spec, RejectsMalformedValues) {
  ExpectBadInput(ValidSpec("compression = \"xz\"\n"),
                 "unknown compression 'xz'; use gzip, zstd or none");
  std::string bad_name = ValidSpec();
  bad_name.replace(0, 13, "name = \"Demo!\"");
  ExpectBadInput(bad_name, "name 'Demo!'");
  ExpectBadInput(
      ValidSpec("", "[[files]]\nsource = \"x\"\ndestination = \"/x\"\nmode = \"4755\"\n"),
      "setuid");
  ExpectBadInput(
      ValidSpec("", "[[files]]\nsource = \"x\"\ndestination = \"/x\"\nmode = \"04755\"\n"),
      "setuid");
}

TEST(Spec, NamesTablesGivenAsOtherTypes) {
  std::string flat =
      "name = \"demo\"\nsource_date_epoch = 1\noutputs = [\"aws\"]\nkernel = \"vmlinuz\"\n";
  ExpectBadInput(flat, "spec.toml:4: 'kernel' must be a table");
  ExpectBadInput(ValidSpec("init = 1\n"), "'init' must be a table");
}

TEST(Spec, VersionIsOptionalButNeverEmpty) {
  auto spec = Parse(ValidSpec());
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->version, "0");
  ExpectBadInput(ValidSpec("version = \"\"\n"), "version must be 1 to 64");
}

TEST(Spec, RejectsDestinationsThatEscapeOrCollide) {
  ExpectBadInput(ValidSpec("", "[[files]]\nsource = \"x\"\ndestination = \"/../etc/x\"\n"),
                 "'.' or '..' component");
  ExpectBadInput(ValidSpec("", "[[files]]\nsource = \"x\"\ndestination = \"/bin/he\\nllo\"\n"),
                 "contains a control character");
  ExpectBadInput(ValidSpec("", "[[files]]\nsource = \"x\"\ndestination = \"/" +
                                   std::string(1000, 'a') + "\"\n"),
                 "a component of 1000 bytes; at most 255");
  ExpectBadInput(ValidSpec("", "[[files]]\nsource = \"x\"\ndestination = \"etc/x\"\n"),
                 "must be an absolute path");
  ExpectBadInput(ValidSpec("", "[[files]]\nsource = \"x\"\ndestination = \"/bin/app\"\n"),
                 "two inputs have the destination '/bin/app'");
  ExpectBadInput(ValidSpec("", "[[files]]\nsource = \"x\"\ndestination = \"/init\"\n"), "reserved");
  ExpectBadInput(ValidSpec("", "[[files]]\nsource = \"x\"\ndestination = \"/bin\"\n"),
                 "destination '/bin' is a directory of the image's own layout");
  // The file that needs the directory is named, not only the directory (finding D22).
  ExpectBadInput(ValidSpec("", "[[files]]\nsource = \"x\"\ndestination = \"/bin/app/x\"\n"),
                 "destination '/bin/app/x' needs /bin/app to be a directory, but another input "
                 "is placed at /bin/app as a file");
}

TEST(Spec, RejectsDuplicateOrUnknownOutputs) {
  std::string text = ValidSpec();
  text.replace(text.find("[\"aws\", \"generic\"]"), 18, "[\"aws\", \"aws\"]");
  ExpectBadInput(text, "listed twice");
}

TEST(Spec, ResolvedSpecIsParsableAndStable) {
  auto spec = Parse(ValidSpec());
  ASSERT_TRUE(spec.ok());
  spec->target.sha256 = std::string(64, 'a');
  std::string text = ResolvedSpecToml(*spec);
  EXPECT_EQ(text, ResolvedSpecToml(*spec));
  auto again = ParseSpec(text, "/base", "resolved", std::nullopt);
  ASSERT_TRUE(again.ok()) << again.error().message() << "\n" << text;
  EXPECT_EQ(again->target.sha256, spec->target.sha256);
  EXPECT_EQ(again->target_args, spec->target_args);
  EXPECT_EQ(ResolvedSpecToml(*again), text);
}

TEST(Spec, MemoryIsOptionalBoundedAndRecorded) {
  auto absent = Parse(ValidSpec());
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(absent->memory_mib, std::nullopt);
  EXPECT_EQ(ResolvedSpecToml(*absent).find("memory_mib"), std::string::npos);
  auto spec = Parse(ValidSpec("memory_mib = 128\n"));
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_EQ(spec->memory_mib, 128);
  auto again = ParseSpec(ResolvedSpecToml(*spec), "/base", "resolved", std::nullopt);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->memory_mib, 128);
  ExpectBadInput(ValidSpec("memory_mib = 63\n"),
                 "spec.toml:4: 'memory_mib' must be between 64 and 65536");
  ExpectBadInput(ValidSpec("memory_mib = 65537\n"), "must be between 64 and 65536");
  ExpectBadInput(ValidSpec("memory_mib = \"128M\"\n"), "'memory_mib' must be an integer");
}

}  // namespace
}  // namespace vigil::image

namespace vigil::image {
namespace {

TEST(QuorumSpec, ATableMakesAnEnclaveImage) {
  auto spec =
      Parse(ValidSpec("", "[quorum]\npath = \"bin/vigil-enclave\"\nattestation = \"mock-nsm\"\n"));
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  ASSERT_TRUE(spec->quorum.has_value());
  EXPECT_EQ(spec->quorum->enclave.resolved, "/base/bin/vigil-enclave");
  EXPECT_EQ(spec->quorum->channel, "vigil-quorum");
  EXPECT_FALSE(Parse(ValidSpec()).value().quorum.has_value());
  // The resolved spec keeps the table, so reproduce builds the same image.
  spec->quorum->enclave.sha256 = std::string(64, 'a');
  auto again = Parse(ResolvedSpecToml(*spec));
  ASSERT_TRUE(again.ok()) << again.error().message();
  ASSERT_TRUE(again->quorum.has_value());
  EXPECT_EQ(again->quorum->enclave.sha256, std::string(64, 'a'));
  EXPECT_EQ(again->quorum->attestation, "mock-nsm");
}

TEST(QuorumSpec, RefusesWhatIsNotValid) {
  EXPECT_TRUE(Parse(ValidSpec("", "[quorum]\npath = \"e\"\nattestation = \"nsm\"\n")).ok());
  EXPECT_TRUE(Parse(ValidSpec("", "[quorum]\npath = \"e\"\nattestation = \"tpm\"\n")).ok());
  ExpectBadInput(ValidSpec("", "[quorum]\npath = \"e\"\nattestation = \"sev\"\n"),
                 "quorum.attestation must be");
  ExpectBadInput(ValidSpec("", "[quorum]\npath = \"e\"\n"), "attestation");
  ExpectBadInput(ValidSpec("", "[quorum]\nattestation = \"mock-nsm\"\n"), "path");
  ExpectBadInput(
      ValidSpec("", "[quorum]\npath = \"e\"\nattestation = \"mock-nsm\"\nchannel = \"a b\"\n"),
      "virtio port name");
  ExpectBadInput(
      ValidSpec("", "[quorum]\npath = \"e\"\nattestation = \"mock-nsm\"\nsurprise = 1\n"),
      "surprise");
  // The enclave's place is reserved.
  ExpectBadInput(ValidSpec("",
                           "[quorum]\npath = \"e\"\nattestation = \"mock-nsm\"\n"
                           "[[files]]\nsource = \"x\"\ndestination = \"/bin/vigil-enclave\"\n"),
                 "/bin/vigil-enclave");
  ExpectBadInput(ValidSpec("", "[[files]]\nsource = \"x\"\ndestination = \"/etc/vigil/quorum\"\n"),
                 "reserved");
}

}  // namespace
}  // namespace vigil::image
