# ASan + UBSan for the whole build when VIGIL_SANITIZE is on. Static binaries
# (vigil-init, the example target) opt out with vigil_no_sanitizers().
if(VIGIL_SANITIZE)
  set(VIGIL_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
                            -fno-omit-frame-pointer)
  add_compile_options(${VIGIL_SANITIZER_FLAGS})
  add_link_options(${VIGIL_SANITIZER_FLAGS})
endif()

# The fuzz build instruments everything for coverage and checks it with ASan + UBSan.
if(VIGIL_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

function(vigil_no_sanitizers target)
  if(VIGIL_SANITIZE OR VIGIL_FUZZ)
    target_compile_options(${target} PRIVATE -fno-sanitize=all)
    target_link_options(${target} PRIVATE -fno-sanitize=all)
  endif()
endfunction()
