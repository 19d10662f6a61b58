// The targets a kernel serves, and what each needs from the resolved config: the symbols
// that must hold whatever the fragments say (the guarantees checked after olddefconfig),
// and the command line recommended for it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "kernel/kconfig.h"

namespace vigil::kernel {

enum class Target { kGeneric, kAws, kTpm };

Result<Target> ParseTarget(std::string_view name);
std::string TargetName(Target target);

// CONFIG_NAME -> value every config for `target` must resolve to.
KconfigValues TargetRequirements(Target target);

// The boot parameters recommended for `target` (console, panic, KSPP's boot options).
std::string RecommendedCmdline(Target target);

}  // namespace vigil::kernel
