// `vigil build`'s call: vigil.TriggerBuild+COMPONENT to the farm's builder, made with the
// farm's operator certificate. The answer (builder/build_answer.h) is the caller's to read.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "farm/layout.h"

namespace vigil::farm {

// How the builder ended the call: its exit code (0 when the build was published) and its
// message.
struct BuildCallEnd {
  int exit_code = 0;
  std::string message;
};

// Calls the farm's builder (with `commit`, non-empty: build only that commit, sent as the
// call's one input line `commit SHA40`) and hands each chunk of its answer to `on_output` as it
// arrives (a build streams its log for as long as it runs, up to a day); an error from `on_output`
// ends the call with that error. MissingEnv, saying so, when the builder is not running.
Result<BuildCallEnd> TriggerBuild(const FarmLayout& farm, const std::string& component,
                                  const std::function<Status(std::string_view)>& on_output,
                                  const std::string& commit = {});

}  // namespace vigil::farm
