// The per-table readers of the image spec ([kernel], [init], [target], [[files]],
// [busybox]); see docs/SPEC-image.md.
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>

#include "base/strict_number.h"
#include "crypto/hash.h"
#include "image/cpio.h"
#include "image/layout.h"
#include "image/spec_reader.h"

namespace vigil::image {
namespace {

constexpr std::size_t kMaxCmdline = 2047;  // x86 COMMAND_LINE_SIZE minus the NUL
constexpr std::size_t kMaxFiles = 4096;

Status ValidateDestination(const std::string& destination, const std::string& where) {
  if (destination.empty() || destination.front() != '/') {
    return Error::BadInput(where + " '" + destination +
                           "' must be an absolute path inside the image");
  }
  Status clean = ValidateArchivePath(destination.substr(1));
  if (!clean.ok()) return clean.error().WithContext(where);
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

// target.args: strings without NUL that, with the target's path, fit vigil-init's argv.
Status ReadTargetArgs(const toml::table& target, const SpecReader& reader, ImageSpec& spec) {
  std::size_t argv_bytes = spec.target_destination.size() + 1;
  if (const toml::node* args = target.get("args")) {
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
  if (argv_bytes > kMaxTargetArgvBytes) {
    return reader.Fail(&target, "target path and args exceed 64 KiB");
  }
  return OkStatus();
}

Result<PlacedFile> ReadPlacedFile(const toml::table& file, const SpecReader& reader,
                                  const std::filesystem::path& base_dir) {
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
  return placed;
}

}  // namespace

Result<PinnedInput> SpecReader::Input(const toml::table& table, std::string_view path_key,
                                      const std::string& where, bool path_required,
                                      bool hash_required,
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

Status ReadKernelTable(const toml::table& doc, const SpecReader& reader,
                       const std::filesystem::path& base_dir, ImageSpec& spec) {
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
  return OkStatus();
}

Status ReadInitTable(const toml::table& doc, const SpecReader& reader,
                     const std::filesystem::path& base_dir, ImageSpec& spec) {
  VIGIL_ASSIGN_OR_RETURN(const toml::table* init, reader.Table(doc, "init"));
  if (init == nullptr) return OkStatus();
  VIGIL_RETURN_IF_ERROR(reader.CheckKeys(*init, "[init]", {"path", "sha256"}));
  VIGIL_ASSIGN_OR_RETURN(spec.init, reader.Input(*init, "path", "init", false, false, base_dir));
  return OkStatus();
}

Status ReadQuorumTable(const toml::table& doc, const SpecReader& reader,
                       const std::filesystem::path& base_dir, ImageSpec& spec) {
  VIGIL_ASSIGN_OR_RETURN(const toml::table* quorum, reader.Table(doc, "quorum"));
  if (quorum == nullptr) return OkStatus();
  VIGIL_RETURN_IF_ERROR(
      reader.CheckKeys(*quorum, "[quorum]", {"path", "sha256", "attestation", "channel"}));
  QuorumSpec q;
  VIGIL_ASSIGN_OR_RETURN(q.enclave,
                         reader.Input(*quorum, "path", "quorum enclave", true, false, base_dir));
  VIGIL_ASSIGN_OR_RETURN(std::string attestation,
                         reader.String(*quorum, "attestation", "quorum.attestation", true));
  if (attestation != "mock-nsm" && attestation != "nsm" && attestation != "tpm") {
    return reader.Fail(quorum->get("attestation"),
                       "quorum.attestation must be \"nsm\" (a Nitro enclave: /dev/nsm, served on "
                       "vsock port 3), \"tpm\" (a vTPM VM: /dev/tpmrm0, the virtio serial "
                       "channel) or \"mock-nsm\" (QEMU: the virtio serial channel)");
  }
  q.attestation = attestation;
  VIGIL_ASSIGN_OR_RETURN(std::string channel,
                         reader.String(*quorum, "channel", "quorum.channel", false));
  if (!channel.empty()) q.channel = channel;
  const bool channel_ok =
      q.channel.size() <= 64 && std::all_of(q.channel.begin(), q.channel.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
      });
  if (!channel_ok) {
    return reader.Fail(quorum->get("channel"),
                       "quorum.channel must be 1 to 64 of [A-Za-z0-9._-] (a virtio port name)");
  }
  spec.quorum = std::move(q);
  return OkStatus();
}

Status ReadTargetTable(const toml::table& doc, const SpecReader& reader,
                       const std::filesystem::path& base_dir, ImageSpec& spec) {
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
  return ReadTargetArgs(*target, reader, spec);
}

Status ReadFilesTables(const toml::table& doc, const SpecReader& reader,
                       const std::filesystem::path& base_dir, ImageSpec& spec) {
  const toml::node* files = doc.get("files");
  if (files == nullptr) return OkStatus();
  if (!files->is_array_of_tables()) {
    return reader.Fail(files, "files must be an array of tables ([[files]])");
  }
  if (files->as_array()->size() > kMaxFiles) {
    return reader.Fail(files, "more than 4096 [[files]] entries");
  }
  for (const auto& item : *files->as_array()) {
    VIGIL_ASSIGN_OR_RETURN(PlacedFile placed, ReadPlacedFile(*item.as_table(), reader, base_dir));
    spec.files.push_back(std::move(placed));
  }
  return OkStatus();
}

Status ReadBusyboxTable(const toml::table& doc, const SpecReader& reader,
                        const std::filesystem::path& base_dir, ImageSpec& spec) {
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
  return OkStatus();
}

}  // namespace vigil::image
