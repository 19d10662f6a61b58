// The fixed part of every initramfs: its directories and the files the builder owns. One
// table, used both to build the archive and to check a spec's destinations against it.
#pragma once

#include <cstdint>
#include <string_view>

namespace vigil::image {

struct LayoutDirectory {
  std::string_view path;  // archive path, no leading '/'
  std::uint32_t mode;
  bool mount_point;  // vigil-init mounts a filesystem here, hiding what the archive holds
};

inline constexpr LayoutDirectory kLayoutDirectories[] = {
    {"bin", 0755, false}, {"dev", 0755, true}, {"etc", 0755, false}, {"etc/vigil", 0755, false},
    {"proc", 0555, true}, {"run", 0755, true}, {"sys", 0555, true},  {"tmp", 01777, true},
};

// Files the builder writes itself (see init/protocol.h); a spec may not use these paths.
inline constexpr std::string_view kLayoutReservedFiles[] = {"init", "dev/console",
                                                            "etc/vigil/target", "etc/vigil/debug"};

}  // namespace vigil::image
