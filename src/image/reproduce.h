// vigil reproduce: rebuilds a released output directory from the resolved spec it records,
// in a fresh temporary tree and under deliberately varied conditions (as reprotest does),
// and explains every difference.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "image/dist_compare.h"

namespace vigil::image {

struct ReproduceOptions {
  std::filesystem::path dist;
  // The directory the original spec was in: the resolved spec's relative paths start there.
  std::filesystem::path spec_dir;
  // The only tree inputs are read from (empty: spec_dir). DIST is untrusted: its spec may
  // name no absolute path, and each relative one, symlinks followed, must lead under here.
  std::filesystem::path inputs_root;
  // The vigil binary that rebuilds (with vigil-init beside it).
  std::filesystem::path vigil;
  bool keep = false;  // keep the temporary tree (its path is returned)
};

struct ReproduceResult {
  std::vector<std::string> variations;      // applied
  std::vector<std::string> skipped;         // not possible on this machine, with the reason
  std::vector<FileDifference> differences;  // empty: identical
  std::filesystem::path kept_tree;
  std::string build_log;  // the rebuild's own output, for a failed rebuild
};

// kBadInput when DIST has no recorded (resolved) spec, its spec names an input by an absolute
// path or by one that leads outside the inputs root, or an input no longer matches its pin; kFailed
// when the rebuild itself fails. Differences are a result, not an error.
Result<ReproduceResult> Reproduce(const ReproduceOptions& options);

}  // namespace vigil::image
