// The resolved spec a build records beside its outputs: what `vigil reproduce` rebuilds from.
#include <toml++/toml.h>

#include <cstdio>
#include <sstream>

#include "image/spec.h"

namespace vigil::image {
namespace {

void PutInput(toml::table& table, std::string_view path_key, const PinnedInput& input) {
  if (!input.path.empty()) table.insert(path_key, input.path);
  if (input.sha256) table.insert("sha256", *input.sha256);
}

}  // namespace

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
  if (spec.memory_mib) doc.insert("memory_mib", static_cast<std::int64_t>(*spec.memory_mib));

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
  if (spec.quorum) {
    toml::table quorum;
    PutInput(quorum, "path", spec.quorum->enclave);
    quorum.insert("attestation", spec.quorum->attestation);
    quorum.insert("channel", spec.quorum->channel);
    doc.insert("quorum", std::move(quorum));
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
