// How many CPUs this process may run on.
#pragma once

#include <cstddef>

namespace vigil {

// The CPUs in our affinity mask (taskset, cgroup cpusets), at least 1. Unlike
// std::thread::hardware_concurrency it does not count CPUs we may not use.
std::size_t UsableCpuCount();

}  // namespace vigil
