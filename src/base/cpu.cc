#include "base/cpu.h"

#include <sched.h>

namespace vigil {

std::vector<int> UsableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return {};
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

std::size_t UsableCpuCount() {
  std::size_t count = UsableCpus().size();
  return count > 0 ? count : 1;
}

}  // namespace vigil
