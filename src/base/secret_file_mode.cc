#include "base/secret_file_mode.h"

#include <sys/stat.h>
#include <unistd.h>

namespace vigil {

Status CheckSecretFileMode(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return OkStatus();
  const bool others = (st.st_mode & S_IRWXO) != 0;
  const bool group_writes = (st.st_mode & S_IWGRP) != 0;
  const bool foreign_group_reads = (st.st_mode & S_IRGRP) != 0 && st.st_gid != ::getegid();
  if (others || group_writes || foreign_group_reads) {
    return Error::BadInput(path.string() + " holds a secret but " +
                           (others         ? "others may access it"
                            : group_writes ? "its group may write it"
                                           : "a group other than this process's may read it") +
                           ": chmod 600 " + path.string() + " (and consider the secret exposed)");
  }
  return OkStatus();
}

}  // namespace vigil
