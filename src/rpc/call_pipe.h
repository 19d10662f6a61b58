// A service call whose input and output are file descriptors (`vigil call` connects its
// standard input and output): the input is read on a thread of its own and sent no faster
// than the call takes it, its end half-closes the call, and the service's output is written
// as it arrives.
#pragma once

#include "base/result.h"
#include "rpc/call_client.h"
#include "rpc/call_request.h"

namespace vigil::rpc {

// Returns the service's exit (its code and message). An error when the call cannot be made
// or breaks, or the output cannot be written.
Result<CallEvent> PipeCall(const Peer& peer, const CallRequest& request, int input_fd,
                           int output_fd);

}  // namespace vigil::rpc
