// Reading the image spec's TOML, one table at a time: spec.cc reads the top-level keys and
// calls the per-table readers of spec_tables.cc. Internal to image/ (it carries toml++
// types); the public API is image/spec.h.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"
#include "encoding/toml_reader.h"
#include "image/spec.h"

namespace vigil::image {

// TomlReader with the pinned-input rule on top.
class SpecReader : public TomlReader {
 public:
  using TomlReader::TomlReader;

  // The input named by `path_key` in `table` and its optional (or required) "sha256" pin;
  // `where` names the table in errors.
  Result<PinnedInput> Input(const toml::table& table, std::string_view path_key,
                            const std::string& where, bool path_required, bool hash_required,
                            const std::filesystem::path& base_dir) const;
};

inline bool IsPrintableAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// Each reads one table of `doc` into `spec`, with the errors naming the file and line.
// [kernel] (path, sha256, cmdline): required.
Status ReadKernelTable(const toml::table& doc, const SpecReader& reader,
                       const std::filesystem::path& base_dir, ImageSpec& spec);
// [init] (path, sha256): optional.
Status ReadInitTable(const toml::table& doc, const SpecReader& reader,
                     const std::filesystem::path& base_dir, ImageSpec& spec);
// [target] (path, sha256, destination, args): required.
Status ReadQuorumTable(const toml::table& doc, const SpecReader& reader,
                       const std::filesystem::path& base_dir, ImageSpec& spec);
Status ReadTargetTable(const toml::table& doc, const SpecReader& reader,
                       const std::filesystem::path& base_dir, ImageSpec& spec);
// [[files]] (source, destination, mode, sha256): optional, at most kMaxFiles.
Status ReadFilesTables(const toml::table& doc, const SpecReader& reader,
                       const std::filesystem::path& base_dir, ImageSpec& spec);
// [busybox] (path, sha256): debug images only; defaults to the host's /bin/busybox there.
// Reads spec.debug, so it comes after the top-level keys.
Status ReadBusyboxTable(const toml::table& doc, const SpecReader& reader,
                        const std::filesystem::path& base_dir, ImageSpec& spec);

}  // namespace vigil::image
