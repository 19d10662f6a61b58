#include "image/dist_compare.h"

#include <map>
#include <set>

#include "base/file.h"
#include "encoding/sha256sums.h"
#include "image/archive_diff.h"
#include "image/eif.h"

namespace vigil::image {
namespace {

constexpr std::uint64_t kMaxFile = 2ull << 30;

// Which EIF sections differ, by type and position.
std::vector<std::string> DiffEifs(ByteView a, ByteView b) {
  auto ea = ParseEif(a);
  auto eb = ParseEif(b);
  if (!ea.ok()) return {"the released EIF does not parse: " + ea.error().message()};
  if (!eb.ok()) return {"the rebuilt EIF does not parse: " + eb.error().message()};
  std::vector<std::string> out;
  if (ea->sections.size() != eb->sections.size()) {
    out.push_back("section count " + std::to_string(ea->sections.size()) + " vs " +
                  std::to_string(eb->sections.size()));
    return out;
  }
  for (std::size_t i = 0; i < ea->sections.size(); ++i) {
    const EifSection& x = ea->sections[i];
    const EifSection& y = eb->sections[i];
    std::string label = "section " + std::to_string(i) + " (" + SectionTypeName(x.type) + ")";
    if (x.type != y.type) {
      out.push_back(label + ": type " + SectionTypeName(x.type) + " vs " + SectionTypeName(y.type));
      continue;
    }
    ByteView dx = a.subspan(x.offset + 12, x.size);
    ByteView dy = b.subspan(y.offset + 12, y.size);
    if (x.size != y.size) {
      out.push_back(label + ": size " + std::to_string(x.size) + " vs " + std::to_string(y.size));
    } else if (!std::equal(dx.begin(), dx.end(), dy.begin())) {
      out.push_back(label + ": content differs");
    }
  }
  if (out.empty()) out.push_back("the header differs (sections are equal)");
  return out;
}

std::vector<std::string> Explain(const std::string& name, ByteView a, ByteView b) {
  auto archive = [&](Compression c) -> std::vector<std::string> {
    auto diff = DiffInitramfs(a, b, c);
    if (!diff.ok()) return {diff.error().message()};
    return *diff;
  };
  if (name == "initramfs.cpio.gz") return archive(Compression::kGzip);
  if (name == "initramfs.cpio.zst") return archive(Compression::kZstd);
  if (name == "initramfs.cpio") return archive(Compression::kNone);
  if (name.size() > 4 && name.compare(name.size() - 4, 4, ".eif") == 0) return DiffEifs(a, b);
  if (a.size() != b.size()) {
    return {"size " + std::to_string(a.size()) + " vs " + std::to_string(b.size())};
  }
  return {};
}

}  // namespace

Result<std::vector<FileDifference>> CompareDists(const std::filesystem::path& released,
                                                 std::string_view released_sums,
                                                 const std::filesystem::path& rebuilt) {
  VIGIL_ASSIGN_OR_RETURN(auto sums, encoding::ParseSums(released_sums));
  // Both SHA256SUMS files are already known to match their directories (the released one
  // was checked, the rebuilt one was just written by the builder from the bytes it wrote),
  // so nothing is hashed again; files are loaded only to explain a difference.
  auto rebuilt_text = ReadFile(rebuilt / "SHA256SUMS", 1 << 20);
  if (!rebuilt_text.ok()) return rebuilt_text.error().WithContext("the rebuild");
  VIGIL_ASSIGN_OR_RETURN(auto rebuilt_sums, encoding::ParseSums(AsText(*rebuilt_text)));
  std::vector<FileDifference> out;
  std::set<std::string> rebuilt_names;
  for (const auto& [name, hash] : rebuilt_sums) rebuilt_names.insert(name);
  for (const auto& [name, sha256] : sums) {
    if (rebuilt_names.count(name) == 0) {
      out.push_back({name, {"missing from the rebuild"}});
      continue;
    }
    if (rebuilt_sums.at(name) == sha256) continue;
    auto a = ReadFile(released / name, kMaxFile, /*allow_symlink=*/false);
    if (!a.ok()) return a.error();
    auto b = ReadFile(rebuilt / name, kMaxFile, /*allow_symlink=*/false);
    if (!b.ok()) return b.error();
    out.push_back({name, Explain(name, *a, *b)});
  }
  for (const auto& name : rebuilt_names) {
    if (name != "SHA256SUMS" && sums.count(name) == 0) {
      out.push_back({name, {"only in the rebuild"}});
    }
  }
  return out;
}

}  // namespace vigil::image
