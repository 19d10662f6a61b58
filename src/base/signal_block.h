// Holds back SIGINT, SIGTERM and SIGHUP for a short critical section (publishing a
// directory), so an interrupt cannot leave a half-written result; a signal that arrives
// meanwhile is delivered when the block ends.
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

}  // namespace vigil
