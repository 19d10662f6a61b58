#include "gateway/wake_signal.h"

namespace vigil::gateway {

void WakeSignal::Wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++wakes_;
  }
  changed_.notify_all();
}

void WakeSignal::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
}

bool WakeSignal::WaitFor(std::chrono::milliseconds delay, std::uint64_t& seen, bool for_wakes) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, delay, [&] { return stop_ || (for_wakes && wakes_ != seen); });
  if (for_wakes) seen = wakes_;
  return !stop_;
}

bool WakeSignal::stopped() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stop_;
}

}  // namespace vigil::gateway
