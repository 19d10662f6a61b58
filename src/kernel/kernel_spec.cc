#include "kernel/kernel_spec.h"

#include <toml++/toml.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "base/debian_package.h"
#include "base/file.h"
#include "encoding/toml_reader.h"

namespace vigil::kernel {
namespace {

constexpr std::uint64_t kMaxSpecSize = 64 << 10;

bool IsName(std::string_view name) {
  return !name.empty() && name.size() <= 63 && name.front() != '.' && name.front() != '-' &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                  c == '-';
         });
}

Result<SourcePin> ReadSource(const TomlReader& reader, const toml::table& doc) {
  VIGIL_ASSIGN_OR_RETURN(const toml::table* table, reader.Table(doc, "source"));
  if (table == nullptr) {
    return reader.Fail(&doc,
                       "[source] is missing: pin the Debian source package "
                       "(package, version, sha256 of the .deb)");
  }
  VIGIL_RETURN_IF_ERROR(reader.CheckKeys(*table, "[source]", {"package", "version", "sha256"}));
  SourcePin pin;
  VIGIL_ASSIGN_OR_RETURN(pin.package, reader.String(*table, "package", "source.package", true));
  VIGIL_ASSIGN_OR_RETURN(pin.version, reader.String(*table, "version", "source.version", true));
  VIGIL_ASSIGN_OR_RETURN(const std::string sha256,
                         reader.String(*table, "sha256", "source.sha256", true));
  if (!IsDebianPackageName(pin.package)) {
    return reader.Fail(table->get("package"),
                       "source.package '" + pin.package + "' is not a Debian package name");
  }
  if (!IsDebianVersion(pin.version)) {
    return reader.Fail(table->get("version"),
                       "source.version '" + pin.version + "' is not a Debian version");
  }
  auto digest = crypto::ParseSha256Hex(sha256, "source.sha256");
  if (!digest.ok()) return reader.Fail(table->get("sha256"), digest.error().message());
  pin.deb_sha256 = *digest;
  return pin;
}

}  // namespace

std::string SourcePin::DebFileName() const {
  // apt-get download writes an epoch's ':' as "%3a".
  std::string file_version = version;
  if (auto colon = file_version.find(':'); colon != std::string::npos) {
    file_version.replace(colon, 1, "%3a");
  }
  return package + "_" + file_version + "_all.deb";
}

Result<KernelSpec> ParseKernelSpec(std::string_view text, const std::filesystem::path& file) {
  const std::string origin = file.string();
  VIGIL_ASSIGN_OR_RETURN(const toml::table doc, ParseToml(text, origin));
  const TomlReader reader(origin);
  VIGIL_RETURN_IF_ERROR(reader.CheckKeys(
      doc, "the kernel spec", {"name", "source_date_epoch", "targets", "fragments", "source"}));
  KernelSpec spec;
  VIGIL_ASSIGN_OR_RETURN(spec.name, reader.String(doc, "name", "name", true));
  if (!IsName(spec.name)) {
    return reader.Fail(doc.get("name"), "name '" + spec.name +
                                            "' must be 1 to 63 characters of a-z, 0-9, '.', "
                                            "'_', '-', not starting with '.' or '-'");
  }
  VIGIL_ASSIGN_OR_RETURN(
      const std::int64_t epoch,
      reader.Integer(doc, "source_date_epoch", "source_date_epoch", -1, 0, 0xffffffffLL));
  if (epoch < 0) return reader.Fail(&doc, "source_date_epoch is missing");
  spec.source_date_epoch = static_cast<std::uint32_t>(epoch);

  VIGIL_ASSIGN_OR_RETURN(const std::vector<std::string> targets,
                         reader.StringList(doc, "targets", "targets"));
  if (targets.empty()) return reader.Fail(&doc, "targets must list generic, aws or both");
  for (const std::string& name : targets) {
    auto target = ParseTarget(name);
    if (!target.ok()) return reader.Fail(doc.get("targets"), target.error().message());
    if (std::find(spec.targets.begin(), spec.targets.end(), *target) != spec.targets.end()) {
      return reader.Fail(doc.get("targets"), "target " + name + " is listed twice");
    }
    spec.targets.push_back(*target);
  }

  VIGIL_ASSIGN_OR_RETURN(const std::vector<std::string> fragments,
                         reader.StringList(doc, "fragments", "fragments"));
  if (fragments.empty() || fragments.size() > kMaxFragments) {
    return reader.Fail(&doc, "fragments must list 1 to " + std::to_string(kMaxFragments) +
                                 " config fragment files");
  }
  const std::filesystem::path base = file.parent_path();
  spec.spec_dir = base;
  std::set<std::filesystem::path> seen;
  for (const std::string& fragment : fragments) {
    std::filesystem::path path = std::filesystem::path(fragment).is_absolute()
                                     ? std::filesystem::path(fragment)
                                     : std::filesystem::absolute(base / fragment);
    path = path.lexically_normal();
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
      return reader.Fail(doc.get("fragments"),
                         "fragment " + fragment + " (" + path.string() +
                             ") does not exist or is not a file; check the path");
    }
    if (!seen.insert(path).second) {
      return reader.Fail(doc.get("fragments"), "fragment " + fragment + " is listed twice");
    }
    spec.fragments.push_back(path);
  }
  VIGIL_ASSIGN_OR_RETURN(spec.source, ReadSource(reader, doc));
  return spec;
}

std::string KernelSpec::FragmentName(const std::filesystem::path& fragment) const {
  return fragment.lexically_relative(spec_dir).generic_string();
}

std::string FormatKernelSpec(const KernelSpec& spec) {
  toml::table doc;
  doc.insert("name", spec.name);
  doc.insert("source_date_epoch", static_cast<std::int64_t>(spec.source_date_epoch));
  toml::array targets;
  for (Target target : spec.targets) targets.push_back(TargetName(target));
  doc.insert("targets", targets);
  toml::array fragments;
  for (const auto& fragment : spec.fragments) fragments.push_back(spec.FragmentName(fragment));
  doc.insert("fragments", fragments);
  doc.insert("source", toml::table{{"package", spec.source.package},
                                   {"version", spec.source.version},
                                   {"sha256", crypto::Sha256Hex(spec.source.deb_sha256)}});
  std::ostringstream text;
  text << doc << "\n";
  return text.str();
}

Result<KernelSpec> ReadKernelSpec(const std::filesystem::path& file) {
  VIGIL_ASSIGN_OR_RETURN(const Bytes text, ReadFile(file, kMaxSpecSize));
  return ParseKernelSpec(AsText(text), std::filesystem::absolute(file));
}

}  // namespace vigil::kernel
