// libFuzzer target: vigil-init's parser of the target argv file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "init/target_argv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto argv =
      vigil::init::ParseTargetArgv(std::string_view(reinterpret_cast<const char*>(data), size));
  if (argv.ok() && (argv->empty() || argv->front().empty() || argv->front()[0] != '/')) {
    __builtin_trap();
  }
  return 0;
}
