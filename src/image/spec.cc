#include "image/spec.h"

#include <toml++/toml.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "base/file.h"
#include "base/strict_number.h"
#include "crypto/hash.h"
#include "encoding/toml_reader.h"
#include "image/cpio.h"
#include "image/layout.h"
#include "init/protocol.h"

namespace vigil::image {
namespace {

constexpr std::uint64_t kMaxSpecSize = 1 << 20;
constexpr std::size_t kMaxCmdline = 2047;  // x86 COMMAND_LINE_SIZE minus the NUL
constexpr std::size_t kMaxFiles = 4096;

// Reads the spec's TOML, with the pinned-input rule on top of TomlReader's.
class SpecReader : public TomlReader {
 public:
  using TomlReader::TomlReader;

  Result<PinnedInput> Input(const toml::table& table, std::string_view path_key,
                            const std::string& where, bool path_required, bool hash_required,
                            const std::filesystem::path& base_dir) const {
    PinnedInput input;
    VIGIL_ASSIGN_OR_RETURN(
        input.path, String(table, path_key, where + "." + std::string(path_key), path_required));
    const toml::node* hash = table.get("sha256");
    if (hash == nullptr) {
      if (hash_required) {
        return Fail(&table, "missing required key '" + where +
                                ".sha256'; pin the input with its SHA-256 (sha256sum FILE)");
      }
    } else {
      if (!hash->is_string()) return Fail(hash, "'" + where + ".sha256' must be a string");
      std::string value(hash->as_string()->get());
      if (!crypto::IsSha256Hex(value)) {
        return Fail(hash, "'" + where + ".sha256' must be 64 lowercase hex digits");
      }
      input.sha256 = value;
    }
    if (!input.path.empty()) input.resolved = base_dir / input.path;
    return input;
  }
};

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

bool IsPrintableAscii(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
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

Status ValidateDestination(const std::string& destination, const std::string& where) {
  if (destination.empty() || destination.front() != '/') {
    return Error::BadInput(where + " '" + destination +
                           "' must be an absolute path inside the image");
  }
  Status clean = ValidateArchivePath(destination.substr(1));
  if (!clean.ok()) return clean.error().WithContext(where);
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
    all.push_back(std::string(init::kBusyboxPath + 1));
    all.push_back("bin/sh");
  }
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

Result<std::uint32_t> ParseMode(const toml::node* node, const SpecReader& reader,
                                const std::string& where) {
  if (node == nullptr) return 0644u;
  if (!node->is_string()) {
    return reader.Fail(node, where + " must be an octal string such as \"0644\"");
  }
  std::string text(node->as_string()->get());
  const ScannedNumber<std::uint64_t> octal = ScanOctal(text);
  if (!octal.ok() || text.size() > 6) {
    return reader.Fail(node, where + " must be an octal string such as \"0644\"");
  }
  // Read the value first, so "04755" is told the real rule (at most 0777), not the syntax.
  const auto mode = static_cast<std::uint32_t>(octal.value);
  if (mode > 0777) {
    return reader.Fail(node, where + " \"" + text +
                                 "\" sets setuid, setgid or sticky bits; a mode is at most 0777");
  }
  return mode;
}

Result<ImageSpec> ParseDocument(const toml::table& doc, const std::filesystem::path& base_dir,
                                const SpecReader& reader,
                                const std::optional<std::string>& epoch_override) {
  VIGIL_RETURN_IF_ERROR(
      reader.CheckKeys(doc, "the spec",
                       {"name", "version", "source_date_epoch", "compression", "outputs", "debug",
                        "kernel", "init", "target", "files", "busybox"}));
  ImageSpec spec;
  VIGIL_ASSIGN_OR_RETURN(spec.name, reader.String(doc, "name", "name", true));
  Status name_ok = ValidateName(spec.name);
  if (!name_ok.ok()) return reader.Fail(doc.get("name"), name_ok.error().message());
  VIGIL_ASSIGN_OR_RETURN(spec.version, reader.String(doc, "version", "version", false));
  if (doc.get("version") == nullptr) spec.version = "0";
  if (spec.version.empty() || spec.version.size() > 64 || !IsPrintableAscii(spec.version)) {
    return reader.Fail(doc.get("version"), "version must be 1 to 64 printable characters");
  }

  // source_date_epoch: the environment wins, as reproducible-builds.org specifies.
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

  const toml::node* outputs = doc.get("outputs");
  if (outputs == nullptr) return reader.Fail(&doc, "missing 'outputs' (\"generic\", \"aws\")");
  if (!outputs->is_array() || outputs->as_array()->empty()) {
    return reader.Fail(outputs, "outputs must be a non-empty array of \"generic\" and \"aws\"");
  }
  for (const auto& item : *outputs->as_array()) {
    std::string value = item.is_string() ? std::string(item.as_string()->get()) : "";
    Output output;
    if (value == "generic") {
      output = Output::kGeneric;
    } else if (value == "aws") {
      output = Output::kAws;
    } else {
      return reader.Fail(&item, "unknown output; use \"generic\" or \"aws\"");
    }
    if (std::find(spec.outputs.begin(), spec.outputs.end(), output) != spec.outputs.end()) {
      return reader.Fail(&item, "output '" + value + "' is listed twice");
    }
    spec.outputs.push_back(output);
  }
  std::sort(spec.outputs.begin(), spec.outputs.end());

  VIGIL_ASSIGN_OR_RETURN(const toml::table* kernel, reader.Table(doc, "kernel"));
  if (kernel == nullptr) return reader.Fail(&doc, "missing [kernel] table (path, sha256, cmdline)");
  VIGIL_RETURN_IF_ERROR(reader.CheckKeys(*kernel, "[kernel]", {"path", "sha256", "cmdline"}));
  VIGIL_ASSIGN_OR_RETURN(spec.kernel,
                         reader.Input(*kernel, "path", "kernel", true, true, base_dir));
  VIGIL_ASSIGN_OR_RETURN(spec.cmdline, reader.String(*kernel, "cmdline", "kernel.cmdline", true));
  if (spec.cmdline.size() > kMaxCmdline || !IsPrintableAscii(spec.cmdline)) {
    return reader.Fail(kernel->get("cmdline"),
                       "kernel.cmdline must be one line of printable ASCII, at most 2047 bytes");
  }

  VIGIL_ASSIGN_OR_RETURN(const toml::table* init, reader.Table(doc, "init"));
  if (init != nullptr) {
    VIGIL_RETURN_IF_ERROR(reader.CheckKeys(*init, "[init]", {"path", "sha256"}));
    VIGIL_ASSIGN_OR_RETURN(spec.init, reader.Input(*init, "path", "init", false, false, base_dir));
  }

  VIGIL_ASSIGN_OR_RETURN(const toml::table* target, reader.Table(doc, "target"));
  if (target == nullptr) return reader.Fail(&doc, "missing [target] table (path, args)");
  VIGIL_RETURN_IF_ERROR(
      reader.CheckKeys(*target, "[target]", {"path", "sha256", "destination", "args"}));
  VIGIL_ASSIGN_OR_RETURN(spec.target,
                         reader.Input(*target, "path", "target", true, false, base_dir));
  VIGIL_ASSIGN_OR_RETURN(spec.target_destination,
                         reader.String(*target, "destination", "target.destination", false));
  if (spec.target_destination.empty()) {
    spec.target_destination = "/bin/" + std::filesystem::path(spec.target.path).filename().string();
  }
  Status dest_ok = ValidateDestination(spec.target_destination, "target.destination");
  if (!dest_ok.ok()) return reader.Fail(target, dest_ok.error().message());
  std::size_t argv_bytes = spec.target_destination.size() + 1;
  if (const toml::node* args = target->get("args")) {
    if (!args->is_array()) return reader.Fail(args, "target.args must be an array of strings");
    for (const auto& arg : *args->as_array()) {
      if (!arg.is_string()) return reader.Fail(&arg, "target.args must be an array of strings");
      std::string value(arg.as_string()->get());
      if (value.find('\0') != std::string::npos) {
        return reader.Fail(&arg, "target.args may not contain NUL bytes");
      }
      argv_bytes += value.size() + 1;
      spec.target_args.push_back(std::move(value));
    }
  }
  if (argv_bytes > init::kMaxTargetArgvBytes) {
    return reader.Fail(target, "target path and args exceed 64 KiB");
  }

  if (const toml::node* files = doc.get("files")) {
    if (!files->is_array_of_tables()) {
      return reader.Fail(files, "files must be an array of tables ([[files]])");
    }
    if (files->as_array()->size() > kMaxFiles) {
      return reader.Fail(files, "more than 4096 [[files]] entries");
    }
    for (const auto& item : *files->as_array()) {
      const toml::table& file = *item.as_table();
      VIGIL_RETURN_IF_ERROR(
          reader.CheckKeys(file, "[[files]]", {"source", "destination", "mode", "sha256"}));
      PlacedFile placed;
      VIGIL_ASSIGN_OR_RETURN(placed.source,
                             reader.Input(file, "source", "files", true, false, base_dir));
      VIGIL_ASSIGN_OR_RETURN(placed.destination,
                             reader.String(file, "destination", "files.destination", true));
      Status ok = ValidateDestination(placed.destination, "files.destination");
      if (!ok.ok()) return reader.Fail(&file, ok.error().message());
      VIGIL_ASSIGN_OR_RETURN(placed.mode, ParseMode(file.get("mode"), reader, "files.mode"));
      spec.files.push_back(std::move(placed));
    }
  }

  if (const toml::node* busybox_node = doc.get("busybox")) {
    const toml::table* busybox = busybox_node->as_table();
    if (busybox == nullptr) return reader.Fail(busybox_node, "busybox must be a table");
    if (!spec.debug) return reader.Fail(busybox_node, "[busybox] is only used with debug = true");
    VIGIL_RETURN_IF_ERROR(reader.CheckKeys(*busybox, "[busybox]", {"path", "sha256"}));
    VIGIL_ASSIGN_OR_RETURN(spec.busybox,
                           reader.Input(*busybox, "path", "busybox", true, false, base_dir));
  } else if (spec.debug) {
    spec.busybox = PinnedInput{.path = "/bin/busybox", .resolved = "/bin/busybox"};
  }

  Status collisions = CheckCollisions(spec);
  if (!collisions.ok()) return reader.Fail(nullptr, collisions.error().message());
  return spec;
}

void PutInput(toml::table& table, std::string_view path_key, const PinnedInput& input) {
  if (!input.path.empty()) table.insert(path_key, input.path);
  if (input.sha256) table.insert("sha256", *input.sha256);
}

}  // namespace

std::string OutputName(Output output) { return output == Output::kAws ? "aws" : "generic"; }

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

Result<ImageSpec> LoadSpec(const std::filesystem::path& spec_path,
                           const std::optional<std::string>& epoch_override) {
  auto text = ReadFile(spec_path, kMaxSpecSize);
  if (!text.ok()) return text.error().WithContext("cannot read the image spec");
  std::filesystem::path base_dir = spec_path.parent_path();
  if (base_dir.empty()) base_dir = ".";
  return ParseSpec(AsText(*text), base_dir, spec_path.string(), epoch_override);
}

std::string ResolvedSpecToml(const ImageSpec& spec) {
  toml::table doc;
  doc.insert("name", spec.name);
  doc.insert("version", spec.version);
  doc.insert("source_date_epoch", static_cast<std::int64_t>(spec.source_date_epoch));
  doc.insert("compression", CompressionName(spec.compression));
  toml::array outputs;
  for (Output o : spec.outputs) outputs.push_back(OutputName(o));
  doc.insert("outputs", std::move(outputs));
  doc.insert("debug", spec.debug);

  toml::table kernel;
  PutInput(kernel, "path", spec.kernel);
  kernel.insert("cmdline", spec.cmdline);
  doc.insert("kernel", std::move(kernel));
  if (spec.init) {
    toml::table init;
    PutInput(init, "path", *spec.init);
    doc.insert("init", std::move(init));
  }
  toml::table target;
  PutInput(target, "path", spec.target);
  target.insert("destination", spec.target_destination);
  toml::array args;
  for (const auto& a : spec.target_args) args.push_back(a);
  target.insert("args", std::move(args));
  doc.insert("target", std::move(target));
  if (!spec.files.empty()) {
    toml::array files;
    for (const auto& f : spec.files) {
      toml::table file;
      PutInput(file, "source", f.source);
      file.insert("destination", f.destination);
      char mode[8];
      std::snprintf(mode, sizeof(mode), "%04o", f.mode);
      file.insert("mode", std::string(mode));
      files.push_back(std::move(file));
    }
    doc.insert("files", std::move(files));
  }
  if (spec.busybox) {
    toml::table busybox;
    PutInput(busybox, "path", *spec.busybox);
    doc.insert("busybox", std::move(busybox));
  }
  std::ostringstream out;
  out << "# Resolved by vigil image build: every input pinned by SHA-256.\n";
  out << toml::toml_formatter(
      doc, toml::toml_formatter::default_flags & ~toml::format_flags::allow_literal_strings);
  out << "\n";
  return out.str();
}

}  // namespace vigil::image
