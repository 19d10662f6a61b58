// The one rule for files holding secrets (keys, seeds, shares, PINs): readable by their
// owner, and by their group only when that group is this process's own (as Kubernetes
// secret volumes and systemd credentials arrange); never by others, never group-writable.
#pragma once

#include <filesystem>

#include "base/result.h"

namespace vigil {

// Judges the file `path` names (a symlink's target). kBadInput naming `chmod 600` when the
// mode breaks the rule above; a missing file passes (the read that follows reports it).
Status CheckSecretFileMode(const std::filesystem::path& path);

}  // namespace vigil
