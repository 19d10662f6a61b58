// The bounds of a build's declared artifacts, shared by the builder, the BuildLog protocol
// and every reader of a build-log entry, so that the largest build the builder allows always
// fits the ledger's entry bound (a build is never left without an entry).
#pragma once

#include <cstddef>

namespace vigil::encoding {

inline constexpr std::size_t kMaxBuildArtifacts = 128;
inline constexpr std::size_t kMaxArtifactNameBytes = 255;

}  // namespace vigil::encoding
