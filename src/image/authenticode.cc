#include "image/authenticode.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace vigil::image {
namespace {

constexpr std::uint16_t kPe32Magic = 0x10b;
constexpr std::uint16_t kPe32PlusMagic = 0x20b;
constexpr std::uint32_t kCertificateDirectory = 4;  // IMAGE_DIRECTORY_ENTRY_SECURITY
constexpr std::size_t kSectionHeaderSize = 40;

Error Malformed(const std::string& what) {
  return Error::BadInput("not a well-formed PE image: " + what);
}

std::uint32_t Le(ByteView data, std::size_t at, std::size_t size) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < size; ++i) value |= std::uint32_t{data[at + i]} << (8 * i);
  return value;
}

struct Section {
  std::uint32_t raw_offset;
  std::uint32_t raw_size;
};

}  // namespace

Result<crypto::Sha256Digest> AuthenticodeSha256(ByteView image) {
  if (image.size() < 0x40 || image[0] != 'M' || image[1] != 'Z') {
    return Malformed("no MZ header");
  }
  const std::size_t pe = Le(image, 0x3c, 4);
  // Signature, COFF file header (20 bytes), then the optional header's magic.
  if (pe > image.size() || image.size() - pe < 4 + 20 + 2 || Le(image, pe, 4) != 0x00004550) {
    return Malformed("no PE signature where e_lfanew points");
  }
  const std::size_t coff = pe + 4;
  const std::size_t sections_count = Le(image, coff + 2, 2);
  const std::size_t optional_size = Le(image, coff + 16, 2);
  const std::size_t optional = coff + 20;
  const std::uint32_t magic = Le(image, optional, 2);
  if (magic != kPe32Magic && magic != kPe32PlusMagic) return Malformed("unknown optional header");
  const bool plus = magic == kPe32PlusMagic;
  // Offsets in the optional header: CheckSum at 64 in both; NumberOfRvaAndSizes and the
  // data directories follow the image-base and stack/heap fields, wider in PE32+.
  const std::size_t checksum = optional + 64;
  const std::size_t directory_count_at = optional + (plus ? 108 : 92);
  const std::size_t directories = directory_count_at + 4;
  if (optional_size < (plus ? 112u : 96u) || optional + optional_size > image.size()) {
    return Malformed("the optional header is cut short");
  }
  const std::uint32_t headers_size = Le(image, optional + 60, 4);  // SizeOfHeaders
  const std::uint32_t directory_count = Le(image, directory_count_at, 4);
  const std::size_t section_table = optional + optional_size;
  // The section table lies inside the headers, after every field skipped below.
  if (headers_size > image.size() || section_table + sections_count * kSectionHeaderSize >
                                         std::min<std::size_t>(headers_size, image.size())) {
    return Malformed("the section table is outside the headers");
  }
  if (directories + std::min<std::uint32_t>(directory_count, 16) * 8 > optional + optional_size) {
    return Malformed("more data directories than the optional header holds");
  }
  crypto::Hasher hash(crypto::HashAlgorithm::kSha256);
  std::uint32_t certificates_size = 0;
  // The headers, without the checksum and (when present) the certificate-table entry.
  hash.Update(image.subspan(0, checksum));
  if (directory_count > kCertificateDirectory) {
    const std::size_t entry = directories + kCertificateDirectory * 8;
    certificates_size = Le(image, entry + 4, 4);
    hash.Update(image.subspan(checksum + 4, entry - (checksum + 4)));
    hash.Update(image.subspan(entry + 8, headers_size - (entry + 8)));
  } else {
    hash.Update(image.subspan(checksum + 4, headers_size - (checksum + 4)));
  }
  // The sections with raw data, in the order they lie in the file.
  std::vector<Section> sections;
  for (std::size_t i = 0; i < sections_count; ++i) {
    const std::size_t header = section_table + i * kSectionHeaderSize;
    const Section section{.raw_offset = Le(image, header + 20, 4),
                          .raw_size = Le(image, header + 16, 4)};
    if (section.raw_size == 0) continue;
    if (section.raw_offset > image.size() || image.size() - section.raw_offset < section.raw_size) {
      return Malformed("section " + std::to_string(i) + " lies past the end of the file");
    }
    sections.push_back(section);
  }
  std::sort(sections.begin(), sections.end(),
            [](const Section& a, const Section& b) { return a.raw_offset < b.raw_offset; });
  std::size_t hashed = headers_size;
  for (const Section& section : sections) {
    hash.Update(image.subspan(section.raw_offset, section.raw_size));
    hashed += section.raw_size;
  }
  // What follows the sections, but not the certificates attached at the end.
  if (certificates_size > image.size()) return Malformed("the certificate table is too large");
  if (image.size() - certificates_size > hashed) {
    hash.Update(image.subspan(hashed, image.size() - certificates_size - hashed));
  }
  const Bytes digest = hash.Finish();
  crypto::Sha256Digest out{};
  std::copy(digest.begin(), digest.end(), out.begin());
  return out;
}

}  // namespace vigil::image
