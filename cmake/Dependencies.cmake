# Every third-party library comes from a Debian package (see scripts/setup).
find_package(PkgConfig REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(GPGME REQUIRED IMPORTED_TARGET gpgme)
pkg_check_modules(P11KIT REQUIRED IMPORTED_TARGET p11-kit-1)
# libpqxx 6.4 (Debian 12; no 7.x APIs) for the ledger's PostgreSQL backend (src/pg).
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
if(VIGIL_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(VIGIL_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
# Standalone Asio (libasio-dev) is header-only and ships no CMake or pkg-config file.
find_path(ASIO_INCLUDE_DIR asio.hpp REQUIRED)
add_library(asio INTERFACE IMPORTED)
target_include_directories(asio SYSTEM INTERFACE "${ASIO_INCLUDE_DIR}")
# ASIO_DISABLE_STD_ALIGNED_ALLOC: Asio 1.22 may allocate frames with operator new yet free
# them with std::free (ASan: alloc-dealloc-mismatch); this makes both operator new/delete.
target_compile_definitions(asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED ASIO_DISABLE_STD_ALIGNED_ALLOC)
target_link_libraries(asio INTERFACE Threads::Threads)
# Asio 1.22 looks for clang's coroutines only in libc++'s <experimental/coroutine>; clang
# with libstdc++'s C++20 <coroutine> works as well.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  target_compile_definitions(asio INTERFACE ASIO_HAS_CO_AWAIT=1)
endif()

# libcrypto for vigil_crypto: the shared library, except in executables that set the target
# property VIGIL_STATIC (vigil-enclave runs inside images, which hold no shared libraries).
# The generator expression is evaluated for the executable being linked.
find_library(VIGIL_LIBCRYPTO_STATIC NAMES libcrypto.a REQUIRED)
add_library(vigil_libcrypto INTERFACE)
target_link_libraries(vigil_libcrypto INTERFACE
  "$<IF:$<BOOL:$<TARGET_PROPERTY:VIGIL_STATIC>>,${VIGIL_LIBCRYPTO_STATIC},OpenSSL::Crypto>"
  "$<$<BOOL:$<TARGET_PROPERTY:VIGIL_STATIC>>:${CMAKE_DL_LIBS}>")
