// What the gateway's worker threads (dispatcher, ledger recorder, notifier, metadata timer)
// wait on: a wake-up (something new to do: look now rather than at the next poll) and a
// stop. Wake-ups are counted, so each waiter sees one that came while it was busy, however
// many threads wait.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace vigil::gateway {

class WakeSignal {
 public:
  void Wake();
  void Stop();
  // Waits up to `delay`, less when stopped or (with `for_wakes`) when woken since `seen`,
  // which it updates. False once stopped.
  bool WaitFor(std::chrono::milliseconds delay, std::uint64_t& seen, bool for_wakes = true);
  bool stopped();

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_ = false;
  std::uint64_t wakes_ = 0;
};

}  // namespace vigil::gateway
