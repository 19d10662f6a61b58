#include "image/tpm_pcrs.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "image/authenticode.h"

namespace vigil::image {
namespace {

void Put(Bytes& data, std::size_t at, std::uint32_t value, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) data[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
}
std::uint32_t Get(const Bytes& data, std::size_t at, std::size_t size) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < size; ++i) value |= std::uint32_t{data[at + i]} << (8 * i);
  return value;
}

// A bzImage-shaped PE32+ file: PE headers at 0x40, the setup header at 0x1f1 inside the
// 0x400 bytes of headers, two sections, 0x50 bytes after them.
constexpr std::size_t kPe = 0x40, kOptional = kPe + 24, kSections = kOptional + 240;
Bytes FakeKernel() {
  Bytes image(0x400 + 0x200 + 0x100 + 0x50);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::uint8_t>(i * 13);
  image[0] = 'M';
  image[1] = 'Z';
  Put(image, 0x3c, kPe, 4);
  Put(image, kPe, 0x00004550, 4);
  Put(image, kPe + 4 + 2, 2, 2);     // two sections
  Put(image, kPe + 4 + 16, 240, 2);  // optional header size
  Put(image, kOptional, 0x20b, 2);   // PE32+
  Put(image, kOptional + 60, 0x400, 4);
  Put(image, kOptional + 108, 16, 4);      // data directories
  Put(image, kOptional + 112 + 32, 0, 4);  // certificate table: none
  Put(image, kOptional + 112 + 36, 0, 4);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::size_t header = kSections + 40 * i;
    Put(image, header + 16, i == 0 ? 0x200 : 0x100, 4);  // raw size
    Put(image, header + 20, i == 0 ? 0x400 : 0x600, 4);  // raw offset
  }
  Put(image, 0x202, 0x53726448, 4);  // HdrS
  Put(image, 0x206, 0x20f, 2);       // boot protocol 2.15
  Put(image, 0x236, 0x3, 2);         // xloadflags: 64-bit, loadable above 4 GiB
  image[0x211] = 0x01;
  return image;
}

TEST(AuthenticodeTest, CoversSectionsAndTrailerButNotChecksumOrCertificates) {
  const Bytes image = FakeKernel();
  const auto digest = AuthenticodeSha256(image);
  ASSERT_TRUE(digest.ok()) << digest.error().message();
  Bytes changed = image;
  Put(changed, kOptional + 64, 0x12345678, 4);  // the checksum
  EXPECT_EQ(*AuthenticodeSha256(changed), *digest);
  for (std::size_t at :
       {std::size_t{0x300}, std::size_t{0x500}, std::size_t{0x650}, image.size() - 1}) {
    changed = image;
    changed[at] ^= 1;  // headers, each section, the bytes after them
    EXPECT_NE(*AuthenticodeSha256(changed), *digest) << at;
  }
  // Certificates attached at the end, named by the certificate-table entry: not covered.
  changed = image;
  Put(changed, kOptional + 112 + 32, static_cast<std::uint32_t>(image.size()), 4);
  Put(changed, kOptional + 112 + 36, 0x20, 4);
  changed.resize(image.size() + 0x20, 0xee);
  EXPECT_EQ(*AuthenticodeSha256(changed), *digest);
}

TEST(AuthenticodeTest, RefusesMalformedImagesNamingTheProblem) {
  const Bytes image = FakeKernel();
  EXPECT_FALSE(AuthenticodeSha256(Bytes(image.begin(), image.begin() + 0x30)).ok());
  Bytes bad = image;
  bad[0] = 'X';
  EXPECT_NE(AuthenticodeSha256(bad).error().message().find("MZ"), std::string::npos);
  bad = image;
  Put(bad, 0x3c, 0xffffff, 4);
  EXPECT_NE(AuthenticodeSha256(bad).error().message().find("PE signature"), std::string::npos);
  bad = image;
  Put(bad, kOptional, 0x30b, 2);
  EXPECT_FALSE(AuthenticodeSha256(bad).ok());
  bad = image;
  Put(bad, kSections + 40 + 16, 0x10000, 4);  // a section past the end
  EXPECT_NE(AuthenticodeSha256(bad).error().message().find("past the end"), std::string::npos);
  bad = image;
  Put(bad, kPe + 4 + 2, 40, 2);  // a section table larger than the headers
  EXPECT_FALSE(AuthenticodeSha256(bad).ok());
}

TEST(TpmPcrsTest, QemuWritesTheLoaderFieldsOfTheSetupHeader) {
  const Bytes image = FakeKernel();
  const auto patched = QemuPatchedKernel(image, "console=ttyS0", 0x1234, 128);
  ASSERT_TRUE(patched.ok()) << patched.error().message();
  EXPECT_EQ((*patched)[0x210], 0xb0);
  EXPECT_EQ((*patched)[0x211], 0x81);
  EXPECT_EQ(Get(*patched, 0x224, 2), 0xfe00u);
  EXPECT_EQ(Get(*patched, 0x228, 4), 0x20000u);
  // The initrd at the top of low memory, below the ACPI data, page aligned.
  EXPECT_EQ(Get(*patched, 0x218, 4), ((128u << 20) - 0x28000 - 1 - 0x1234) & ~0xfffu);
  EXPECT_EQ(Get(*patched, 0x21c, 4), 0x1234u);
  // Everything else is the file's.
  Bytes restored = *patched;
  for (std::size_t at = 0x210; at < 0x230; ++at) restored[at] = image[at];
  EXPECT_EQ(restored, image);
  // More memory moves the initrd, so PCR4 follows the guest's memory size.
  EXPECT_NE(Get(*QemuPatchedKernel(image, "console=ttyS0", 0x1234, 256), 0x218, 4),
            Get(*patched, 0x218, 4));
}

TEST(TpmPcrsTest, RefusesWhatThePredictionDoesNotModel) {
  const Bytes image = FakeKernel();
  EXPECT_NE(
      QemuPatchedKernel(image, "console=ttyS0 vga=791", 16, 128).error().message().find("vga="),
      std::string::npos);
  Bytes old = image;
  Put(old, 0x206, 0x201, 2);
  EXPECT_FALSE(QemuPatchedKernel(old, "", 16, 128).ok());
  Bytes not_bzimage = image;
  Put(not_bzimage, 0x202, 0, 4);
  EXPECT_FALSE(QemuPatchedKernel(not_bzimage, "", 16, 128).ok());
  EXPECT_FALSE(QemuPatchedKernel(image, "", 200 << 20, 128).ok());  // no room for the initrd
}

TEST(TpmPcrsTest, Pcr9IsTheUtf16LoadOptionsThenTheInitrd) {
  const Bytes kernel = FakeKernel();
  const Bytes initrd = {1, 2, 3, 4};
  const auto prediction =
      PredictTpmPcrs({.kernel = kernel, .initrd = initrd, .cmdline = "a b", .memory_mib = 128});
  ASSERT_TRUE(prediction.ok()) << prediction.error().message();
  const std::string options = "a b initrd=initrd";
  Bytes utf16;
  for (char c : options) utf16.insert(utf16.end(), {static_cast<std::uint8_t>(c), 0});
  utf16.insert(utf16.end(), {0, 0});
  crypto::Sha256Digest pcr9{};
  for (const crypto::Sha256Digest& digest : {crypto::Sha256(utf16), crypto::Sha256(initrd)}) {
    Bytes joined(pcr9.begin(), pcr9.end());
    joined.insert(joined.end(), digest.begin(), digest.end());
    pcr9 = crypto::Sha256(joined);
  }
  EXPECT_EQ(prediction->pcr9, pcr9);
  ASSERT_EQ(prediction->events.size(), 5u);
  EXPECT_EQ(prediction->events[0].digest,
            *AuthenticodeSha256(*QemuPatchedKernel(kernel, "a b", initrd.size(), 128)));
  // Another initrd of the same size changes PCR9 only; another size changes both.
  const auto same_size = PredictTpmPcrs(
      {.kernel = kernel, .initrd = Bytes{4, 3, 2, 1}, .cmdline = "a b", .memory_mib = 128});
  EXPECT_EQ(same_size->pcr4, prediction->pcr4);
  EXPECT_NE(same_size->pcr9, prediction->pcr9);
  const auto other_size = PredictTpmPcrs(
      {.kernel = kernel, .initrd = Bytes{1, 2, 3}, .cmdline = "a b", .memory_mib = 128});
  EXPECT_NE(other_size->pcr4, prediction->pcr4);
  const std::string text = FormatTpmPcrs(*prediction, 128);
  EXPECT_NE(text.find(HexEncode(prediction->pcr4) + " PCR4\n"), std::string::npos);
  EXPECT_NE(text.find(HexEncode(prediction->pcr9) + " PCR9\n"), std::string::npos);
}

}  // namespace
}  // namespace vigil::image
