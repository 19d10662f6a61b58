// Starts the pivot once the quorum key is in place, as QuorumOS's reaper does: the program
// with the manifest's arguments, an environment holding only the manifest's (V2) variables,
// stdout and stderr kept only in debug mode, restarted for as long as the process lives when
// the restart policy is Always. A supervisor process does the waiting, so the enclave keeps
// answering the host meanwhile.
#pragma once

#include <sys/types.h>

#include "base/result.h"
#include "enclave/processor.h"

namespace vigil::enclave {

// The supervisor's process id.
Result<pid_t> LaunchPivot(const PivotLaunch& pivot);

}  // namespace vigil::enclave
