// Reading the image spec: loading it, its top-level keys and the checks across its tables
// (destinations); the tables themselves are read by spec_tables.cc, and the resolved spec a
// build records is written by resolved_spec.cc.
#include "image/spec.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "base/file.h"
#include "base/strict_number.h"
#include "image/layout.h"
#include "image/spec_reader.h"

namespace vigil::image {
namespace {

constexpr std::uint64_t kMaxSpecSize = 1 << 20;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

Status ValidateName(const std::string& name) {
  if (name.empty() || name.size() > 63 || !std::all_of(name.begin(), name.end(), IsNameChar) ||
      name.front() == '.' || name.front() == '-') {
    return Error::BadInput("name '" + name +
                           "' must be 1 to 63 characters of a-z, 0-9, '.', '_', '-', not "
                           "starting with '.' or '-'");
  }
  return OkStatus();
}

Result<std::uint32_t> ParseEpoch(const std::string& text, const std::string& where) {
  const ScannedNumber<std::uint64_t> epoch =
      ScanUnsigned(text, 0, 0xffffffffu, LeadingZeros::kRefused);
  switch (text.size() > 64 ? NumberProblem::kNotDecimal : epoch.problem) {
    case NumberProblem::kNone:
      return static_cast<std::uint32_t>(epoch.value);
    case NumberProblem::kEmpty:
    case NumberProblem::kNotDecimal:
      return Error::BadInput(where + " must be a decimal number of seconds, got '" + text + "'");
    case NumberProblem::kLeadingZero:
      return Error::BadInput(where + " must have no leading zeros, got '" + text + "'");
    case NumberProblem::kOutOfRange:
      break;
  }
  return Error::BadInput(where + " is beyond 2106 (the cpio format's 32-bit time)");
}

// Where a spec's files may not go: onto or under a file the builder writes, or under a
// mount point (the mounted filesystem would hide the file at run time).
Status CheckNotReserved(const std::string& path) {
  auto under = [&path](std::string_view prefix) {
    return path == prefix ||
           (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
            path[prefix.size()] == '/');
  };
  for (std::string_view reserved : kLayoutReservedFiles) {
    if (under(reserved)) {
      return Error::BadInput("destination '/" + path + "' is reserved for the image's own /" +
                             std::string(reserved));
    }
  }
  for (const LayoutDirectory& dir : kLayoutDirectories) {
    if (dir.mount_point && under(dir.path) && path != dir.path) {
      return Error::BadInput("destination '/" + path + "' is under /" + std::string(dir.path) +
                             ", where vigil-init mounts a filesystem that would hide it");
    }
  }
  return OkStatus();
}

// Every file destination must be distinct, must not be reserved, and must not be a
// directory another file needs (the message names both).
Status CheckCollisions(const ImageSpec& spec) {
  std::set<std::string> files;
  // Each directory the image needs, and the file under it that needs it ("" for the
  // image's own layout).
  std::map<std::string, std::string> directories;
  for (const LayoutDirectory& dir : kLayoutDirectories) directories.emplace(dir.path, "");
  std::vector<std::string> all;
  all.push_back(spec.target_destination.substr(1));
  for (const auto& f : spec.files) all.push_back(f.destination.substr(1));
  if (spec.debug) {
    all.push_back(std::string(kBusyboxPath + 1));
    all.push_back("bin/sh");
  }
  if (spec.quorum) all.push_back(std::string(kEnclavePath + 1));
  for (const auto& path : all) {
    VIGIL_RETURN_IF_ERROR(CheckNotReserved(path));
    if (!files.insert(path).second) {
      return Error::BadInput("two inputs have the destination '/" + path +
                             "'; give each a distinct destination");
    }
    for (std::size_t slash = path.find('/'); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      directories.emplace(path.substr(0, slash), path);
    }
  }
  for (const auto& path : files) {
    auto dir = directories.find(path);
    if (dir == directories.end()) continue;
    if (dir->second.empty()) {
      return Error::BadInput("destination '/" + path +
                             "' is a directory of the image's own layout; give the file "
                             "another destination");
    }
    return Error::BadInput("destination '/" + dir->second + "' needs /" + path +
                           " to be a directory, but another input is placed at /" + path +
                           " as a file; give one of them another destination");
  }
  return OkStatus();
}

// name (required) and version ("0" when absent).
Status ReadIdentity(const toml::table& doc, const SpecReader& reader, ImageSpec& spec) {
  VIGIL_ASSIGN_OR_RETURN(spec.name, reader.String(doc, "name", "name", true));
  Status name_ok = ValidateName(spec.name);
  if (!name_ok.ok()) return reader.Fail(doc.get("name"), name_ok.error().message());
  VIGIL_ASSIGN_OR_RETURN(spec.version, reader.String(doc, "version", "version", false));
  if (doc.get("version") == nullptr) spec.version = "0";
  if (spec.version.empty() || spec.version.size() > 64 || !IsPrintableAscii(spec.version)) {
    return reader.Fail(doc.get("version"), "version must be 1 to 64 printable characters");
  }
  return OkStatus();
}

// source_date_epoch: the environment wins, as reproducible-builds.org specifies.
Status ReadEpoch(const toml::table& doc, const SpecReader& reader,
                 const std::optional<std::string>& epoch_override, ImageSpec& spec) {
  if (epoch_override) {
    VIGIL_ASSIGN_OR_RETURN(spec.source_date_epoch,
                           ParseEpoch(*epoch_override, "SOURCE_DATE_EPOCH"));
  } else if (const toml::node* epoch = doc.get("source_date_epoch")) {
    if (!epoch->is_integer()) return reader.Fail(epoch, "source_date_epoch must be an integer");
    std::int64_t value = epoch->as_integer()->get();
    if (value < 0 || value > 0xffffffffLL) {
      return reader.Fail(epoch, "source_date_epoch must be between 0 and 4294967295");
    }
    spec.source_date_epoch = static_cast<std::uint32_t>(value);
  } else {
    return reader.Fail(&doc,
                       "missing 'source_date_epoch'; set it in the spec or in the "
                       "SOURCE_DATE_EPOCH environment variable");
  }
  return OkStatus();
}

// compression (default gzip), debug (default false) and memory_mib (optional).
Status ReadBuildOptions(const toml::table& doc, const SpecReader& reader, ImageSpec& spec) {
  VIGIL_ASSIGN_OR_RETURN(std::string compression,
                         reader.String(doc, "compression", "compression", false));
  if (!compression.empty()) {
    Result<Compression> parsed = ParseCompression(compression);
    if (!parsed.ok()) return reader.Fail(doc.get("compression"), parsed.error().message());
    spec.compression = *parsed;
  }
  if (const toml::node* debug = doc.get("debug")) {
    if (!debug->is_boolean()) return reader.Fail(debug, "debug must be true or false");
    spec.debug = debug->as_boolean()->get();
  }
  if (doc.contains("memory_mib")) {
    VIGIL_ASSIGN_OR_RETURN(std::int64_t memory, reader.Integer(doc, "memory_mib", "memory_mib", 0,
                                                               kMinMemoryMib, kMaxMemoryMib));
    spec.memory_mib = static_cast<int>(memory);
  }
  return OkStatus();
}

// outputs: a non-empty list of "generic", "aws" and "tpm", each once; kept sorted.
Status ReadOutputs(const toml::table& doc, const SpecReader& reader, ImageSpec& spec) {
  const toml::node* outputs = doc.get("outputs");
  if (outputs == nullptr) {
    return reader.Fail(&doc, "missing 'outputs' (\"generic\", \"aws\", \"tpm\")");
  }
  if (!outputs->is_array() || outputs->as_array()->empty()) {
    return reader.Fail(outputs,
                       "outputs must be a non-empty array of \"generic\", \"aws\" and \"tpm\"");
  }
  for (const auto& item : *outputs->as_array()) {
    std::string value = item.is_string() ? std::string(item.as_string()->get()) : "";
    Output output;
    if (value == "generic") {
      output = Output::kGeneric;
    } else if (value == "aws") {
      output = Output::kAws;
    } else if (value == "tpm") {
      output = Output::kTpm;
    } else {
      return reader.Fail(&item, "unknown output; use \"generic\", \"aws\" or \"tpm\"");
    }
    if (std::find(spec.outputs.begin(), spec.outputs.end(), output) != spec.outputs.end()) {
      return reader.Fail(&item, "output '" + value + "' is listed twice");
    }
    spec.outputs.push_back(output);
  }
  std::sort(spec.outputs.begin(), spec.outputs.end());
  return OkStatus();
}

// The keys and tables in the order the errors have always been reported.
Result<ImageSpec> ParseDocument(const toml::table& doc, const std::filesystem::path& base_dir,
                                const SpecReader& reader,
                                const std::optional<std::string>& epoch_override) {
  VIGIL_RETURN_IF_ERROR(
      reader.CheckKeys(doc, "the spec",
                       {"name", "version", "source_date_epoch", "compression", "outputs", "debug",
                        "memory_mib", "kernel", "init", "target", "files", "busybox", "quorum"}));
  ImageSpec spec;
  VIGIL_RETURN_IF_ERROR(ReadIdentity(doc, reader, spec));
  VIGIL_RETURN_IF_ERROR(ReadEpoch(doc, reader, epoch_override, spec));
  VIGIL_RETURN_IF_ERROR(ReadBuildOptions(doc, reader, spec));
  VIGIL_RETURN_IF_ERROR(ReadOutputs(doc, reader, spec));
  VIGIL_RETURN_IF_ERROR(ReadKernelTable(doc, reader, base_dir, spec));
  VIGIL_RETURN_IF_ERROR(ReadInitTable(doc, reader, base_dir, spec));
  VIGIL_RETURN_IF_ERROR(ReadTargetTable(doc, reader, base_dir, spec));
  VIGIL_RETURN_IF_ERROR(ReadFilesTables(doc, reader, base_dir, spec));
  VIGIL_RETURN_IF_ERROR(ReadBusyboxTable(doc, reader, base_dir, spec));
  VIGIL_RETURN_IF_ERROR(ReadQuorumTable(doc, reader, base_dir, spec));
  Status collisions = CheckCollisions(spec);
  if (!collisions.ok()) return reader.Fail(nullptr, collisions.error().message());
  return spec;
}

}  // namespace

std::string OutputName(Output output) {
  switch (output) {
    case Output::kAws:
      return "aws";
    case Output::kTpm:
      return "tpm";
    case Output::kGeneric:
      break;
  }
  return "generic";
}

Result<ImageSpec> ParseSpec(std::string_view text, const std::filesystem::path& base_dir,
                            const std::string& origin,
                            const std::optional<std::string>& epoch_override) {
  SpecReader reader(origin);
  VIGIL_ASSIGN_OR_RETURN(toml::table doc, ParseToml(text, origin));
  try {
    return ParseDocument(doc, base_dir, reader, epoch_override);
  } catch (const std::exception& e) {
    return Error::BadInput(origin + ": cannot read the spec: " + e.what());
  }
}

std::optional<std::string> EpochFromEnvironment() {
  const char* value = std::getenv("SOURCE_DATE_EPOCH");
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Result<std::filesystem::path> DefaultInit(
    const ImageSpec& spec, const std::function<Result<std::filesystem::path>()>& bin_dir) {
  if (spec.init && !spec.init->path.empty()) return std::filesystem::path();
  VIGIL_ASSIGN_OR_RETURN(std::filesystem::path dir, bin_dir());
  std::filesystem::path init = dir / "vigil-init";
  std::error_code ec;
  if (!std::filesystem::exists(init, ec)) {
    return Error::MissingEnv("vigil-init is not installed beside vigil (" + init.string() +
                             "); run `make build`, or name one with [init] path in the spec");
  }
  return init;
}

Result<ImageSpec> LoadSpec(const std::filesystem::path& spec_path,
                           const std::optional<std::string>& epoch_override) {
  auto text = ReadFile(spec_path, kMaxSpecSize);
  if (!text.ok()) return text.error().WithContext("cannot read the image spec");
  std::filesystem::path base_dir = spec_path.parent_path();
  if (base_dir.empty()) base_dir = ".";
  return ParseSpec(AsText(*text), base_dir, spec_path.string(), epoch_override);
}

}  // namespace vigil::image
