// Signal masks: a short critical section that holds back SIGINT, SIGTERM and SIGHUP
// (publishing a directory), so an interrupt cannot leave a half-written result; and a
// service's main, which waits for SIGTERM or SIGINT to stop cleanly.
#pragma once

#include <signal.h>

namespace vigil {

class ScopedSignalBlock {
 public:
  ScopedSignalBlock();
  ScopedSignalBlock(const ScopedSignalBlock&) = delete;
  ScopedSignalBlock& operator=(const ScopedSignalBlock&) = delete;
  ~ScopedSignalBlock();

 private:
  sigset_t previous_{};
};

// For a service's main, before it starts any thread (threads inherit the mask, and a
// signal not blocked in every thread may be delivered to one and end the process at once):
// blocks SIGTERM and SIGINT, so that WaitForStopSignal receives them.
void BlockStopSignals();
// Waits for SIGTERM or SIGINT and returns which.
int WaitForStopSignal();

}  // namespace vigil
