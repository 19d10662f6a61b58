#include "release/threshold.h"

#include <algorithm>
#include <map>
#include <variant>

#include "base/file.h"
#include "encoding/dist_manifest.h"
#include "release/detached_verifier.h"

namespace vigil::release {

Result<VerifyReport> VerifyRelease(const fs::path& dist, const fs::path& keyring, int threshold) {
  if (threshold < 1) return Error::BadInput("--threshold must be at least 1");
  VIGIL_ASSIGN_OR_RETURN(std::string sums, encoding::CheckDistManifest(dist));

  VIGIL_ASSIGN_OR_RETURN(auto verifier, DetachedVerifier::Create(keyring));

  fs::path dir = dist / encoding::kSignaturesDir;
  std::error_code ec;
  if (fs::symlink_status(dir, ec).type() == fs::file_type::not_found) {
    return CountSignatures(*verifier, {}, sums, threshold);
  }
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (entries.size() == kMaxSignatureFiles) {
      return Error::BadInput(dir.string() + " holds more than " +
                             std::to_string(kMaxSignatureFiles) + " files");
    }
    entries.push_back(*it);
  }
  if (ec) return Error::BadInput("cannot list " + dir.string() + ": " + ec.message());
  std::sort(entries.begin(), entries.end());

  std::vector<LabelledSignature> signatures;
  for (const auto& entry : entries) {
    std::string name = entry.path().filename().string();
    LabelledSignature& signature = signatures.emplace_back();
    signature.label = std::string(encoding::kSignaturesDir) + "/" + name;
    if (entry.symlink_status(ec).type() != fs::file_type::regular) {
      signature.unreadable = "not a regular file";
    } else if (!name.ends_with(".asc")) {
      signature.unreadable = "not a .asc signature file";
    } else if (auto text = ReadFile(entry.path(), kMaxSignatureSize, /*allow_symlink=*/false);
               !text.ok()) {
      signature.unreadable = text.error().message();
    } else {
      signature.text = std::string(AsText(*text));
    }
  }
  return CountSignatures(*verifier, signatures, sums, threshold);
}

Result<VerifyReport> CountSignatures(DetachedVerifier& verifier,
                                     const std::vector<LabelledSignature>& signatures,
                                     std::string_view data, int threshold,
                                     const std::vector<std::string>& pinned) {
  VerifyReport report;
  report.threshold = threshold;
  std::map<std::string, std::string> counted;  // primary fingerprint -> label
  for (const LabelledSignature& signature : signatures) {
    const std::string& file = signature.label;
    auto reject = [&](std::string reason) { report.invalid.push_back({file, std::move(reason)}); };
    if (!signature.unreadable.empty()) {
      reject(signature.unreadable);
      continue;
    }
    auto verdicts = verifier.Verify(
        signature.text, signature.signed_data ? std::string_view(*signature.signed_data) : data,
        file);
    if (!verdicts.ok()) return verdicts.error();
    if (verdicts->empty()) {
      reject("malformed: no OpenPGP signature");
      continue;
    }
    for (auto& judged : *verdicts) {
      if (auto* reason = std::get_if<std::string>(&judged)) {
        reject(*reason);
        continue;
      }
      auto& signer = std::get<ValidSigner>(judged);
      if (!pinned.empty() &&
          std::find(pinned.begin(), pinned.end(), signer.fingerprint) == pinned.end()) {
        reject("key " + signer.fingerprint + " is not a pinned maintainer");
        continue;
      }
      auto [it, inserted] = counted.emplace(signer.fingerprint, file);
      if (!inserted) {
        reject("key " + signer.fingerprint + " already counted for " + it->second +
               "; a key counts once");
        continue;
      }
      report.valid.push_back(std::move(signer));
    }
  }
  return report;
}

}  // namespace vigil::release
