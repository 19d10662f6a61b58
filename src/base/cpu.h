// Which CPUs this process may run on.
#pragma once

#include <cstddef>
#include <vector>

namespace vigil {

// The CPUs in our affinity mask (taskset, cgroup cpusets), at least 1. Unlike
// std::thread::hardware_concurrency it does not count CPUs we may not use.
std::size_t UsableCpuCount();

// The numbers of those CPUs, ascending (they need not be 0..n-1). Empty if unknown.
std::vector<int> UsableCpus();

}  // namespace vigil
