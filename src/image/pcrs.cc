// PCR0-2 of an EIF, measured as aws-nitro-enclaves-image-format's EifBuilder::measure does.
#include "image/pcrs.h"

namespace vigil::image {
namespace {

// EifHasher::tpm_extend_finalize_reset: SHA-384(48 zero bytes || SHA-384(measured data)).
Bytes Extend(crypto::Hasher& hasher) {
  Bytes inner = hasher.Finish();
  crypto::Hasher outer(crypto::HashAlgorithm::kSha384);
  Bytes zeros(inner.size(), 0);
  outer.Update(zeros);
  outer.Update(inner);
  return outer.Finish();
}

}  // namespace

PcrPrefix StartPcrs(ByteView kernel, std::string_view cmdline) {
  PcrPrefix prefix;
  prefix.state.Update(kernel);
  prefix.state.Update(AsBytes(cmdline));
  return prefix;
}

Pcrs FinishPcrs(const PcrPrefix& prefix, const std::vector<ByteView>& ramdisks) {
  // EifBuilder::measure: PCR0 (image) and PCR1 (bootstrap) get kernel and cmdline; the first
  // ramdisk goes to PCR0 and PCR1, every later one to PCR0 and PCR2 (customer app).
  crypto::Hasher bootstrap = prefix.state;
  if (!ramdisks.empty()) bootstrap.Update(ramdisks.front());
  crypto::Hasher image = bootstrap;  // fork: the shared prefix is hashed once
  crypto::Hasher app(crypto::HashAlgorithm::kSha384);
  for (std::size_t i = 1; i < ramdisks.size(); ++i) {
    image.Update(ramdisks[i]);
    app.Update(ramdisks[i]);
  }
  return {Extend(image), Extend(bootstrap), Extend(app)};
}

Pcrs ComputePcrs(ByteView kernel, std::string_view cmdline, const std::vector<ByteView>& ramdisks) {
  return FinishPcrs(StartPcrs(kernel, cmdline), ramdisks);
}

}  // namespace vigil::image
