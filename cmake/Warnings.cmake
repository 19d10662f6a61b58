# Compiler warnings shared by every target of the project.
function(vigil_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor
                                           -Wold-style-cast -Wformat=2
                                           # designated initializers may omit members
                                           -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 reports false -Wrestrict positives inside std::string at -O2/-O3 (GCC bug
    # 105329); the warning is useless there.
    # It also flags coroutine frames (Asio's awaitable allocator) as mismatched new/delete
    # when sanitizers are on (GCC bug 109224).
    target_compile_options(${target} PRIVATE -Wno-restrict -Wno-mismatched-new-delete)
  endif()
  if(VIGIL_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_include_directories(${target} PRIVATE "${CMAKE_SOURCE_DIR}/src")
  # Binaries (vigil-init and the example target go into images) must not depend on where
  # the checkout is: strip it from __FILE__ and debug info.
  target_compile_options(${target} PRIVATE "-ffile-prefix-map=${CMAKE_SOURCE_DIR}/=")
endfunction()
