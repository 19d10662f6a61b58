// The bounds of a build's declared artifacts, shared by the builder, the BuildLog protocol
// and every reader of a build-log entry, so that the largest build the builder allows always
// fits the ledger's entry bound (a build is never left without an entry).
#pragma once

#include <cstddef>
#include <string_view>

namespace vigil::encoding {

inline constexpr std::size_t kMaxBuildArtifacts = 128;
inline constexpr std::size_t kMaxArtifactNameBytes = 255;

// An artifact name: 1-255 of [A-Za-z0-9._+/-], without "..".
constexpr bool IsValidArtifactName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxArtifactNameBytes &&
         name.find("..") == std::string_view::npos &&
         name.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+/-") ==
             std::string_view::npos;
}

}  // namespace vigil::encoding
