#include "image/accelerator.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace vigil::image {
namespace {

TEST(Accelerator, ParsesTheThreeChoicesOnly) {
  EXPECT_EQ(*ParseAccelerator("auto"), Accelerator::kAuto);
  EXPECT_EQ(*ParseAccelerator("kvm"), Accelerator::kKvm);
  EXPECT_EQ(*ParseAccelerator("tcg"), Accelerator::kTcg);
  for (const char* word : {"", "KVM", "hvf", "kvm ", "tcg,kvm"}) {
    auto parsed = ParseAccelerator(word);
    ASSERT_FALSE(parsed.ok()) << word;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kBadInput);
    EXPECT_NE(parsed.error().message().find("auto"), std::string::npos);
  }
  EXPECT_EQ(AcceleratorName(Accelerator::kTcg), "tcg");
}

TEST(Accelerator, ChoosesTheFlagThenVigilAccelThenAuto) {
  ::unsetenv("VIGIL_ACCEL");
  EXPECT_EQ(*ChooseAccelerator(""), Accelerator::kAuto);
  ::setenv("VIGIL_ACCEL", "", 1);
  EXPECT_EQ(*ChooseAccelerator(""), Accelerator::kAuto);
  ::setenv("VIGIL_ACCEL", "tcg", 1);
  EXPECT_EQ(*ChooseAccelerator(""), Accelerator::kTcg);
  EXPECT_EQ(*ChooseAccelerator("kvm"), Accelerator::kKvm);  // the flag wins
  ::setenv("VIGIL_ACCEL", "hvf", 1);
  auto bad = ChooseAccelerator("");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kBadInput);
  EXPECT_EQ(bad.error().message().rfind("VIGIL_ACCEL: ", 0), 0u) << bad.error().message();
  EXPECT_EQ(*ChooseAccelerator("auto"), Accelerator::kAuto);  // a good flag hides it
  auto bad_flag = ChooseAccelerator("fast");
  ASSERT_FALSE(bad_flag.ok());
  EXPECT_EQ(bad_flag.error().message().find("VIGIL_ACCEL"), std::string::npos);
  ::unsetenv("VIGIL_ACCEL");
}

TEST(KvmFailureDetector, RecognisesQemusKvmErrorsAcrossChunks) {
  KvmFailureDetector detector;
  EXPECT_FALSE(detector.Feed("qemu-system-x86_64: warning: something harmless\nKVM inter"));
  auto failure = detector.Feed("nal error. Suberror: 1\nemulation failure\n");
  ASSERT_TRUE(failure);
  EXPECT_EQ(*failure, "KVM internal error. Suberror: 1");
  EXPECT_EQ(detector.first_line(), "qemu-system-x86_64: warning: something harmless");
}

TEST(KvmFailureDetector, RecognisesAnUnfinishedLine) {
  KvmFailureDetector detector;
  auto failure = detector.Feed(
      "qemu-system-x86_64: -accel kvm: failed to initialize kvm: "
      "Permission denied");
  ASSERT_TRUE(failure);
  EXPECT_NE(failure->find("Permission denied"), std::string::npos);
}

TEST(KvmFailureDetector, RecognisesANestedKvmRefusingMsrs) {
  KvmFailureDetector detector;
  auto failure = detector.Feed(
      "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\n"
      "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion "
      "`ret == cpu->kvm_msr_buf->nmsrs' failed.\n");
  ASSERT_TRUE(failure);
  EXPECT_EQ(*failure, "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69");
}

TEST(KvmFailureDetector, IgnoresOtherOutputAndBoundsLines) {
  KvmFailureDetector detector;
  EXPECT_FALSE(detector.Feed(std::string(1 << 20, 'x')));
  EXPECT_FALSE(detector.Feed("\nqemu: could not load kernel\n"));
  EXPECT_EQ(detector.first_line().size(), 1024u);
}

}  // namespace
}  // namespace vigil::image
