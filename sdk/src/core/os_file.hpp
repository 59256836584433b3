// What the file-backed backends (posix shm, PMEM pools) share: the Errc of an errno from opening,
// sizing or mapping a file, and a descriptor closed on every exit path.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "unimem/core/error.hpp"

namespace unimem::detail {

/// Where glibc's shm_open keeps its objects on Linux.
inline constexpr const char *kShmDir = "/dev/shm";

inline Errc errc_of_file_errno(int err) noexcept {
  switch (err) {
    case ENOENT: return Errc::not_found;
    case EEXIST: return Errc::already_exists;
    case EACCES:
    case EPERM: return Errc::permission_denied;
    case ENOMEM:
    case ENOSPC:
    case EFBIG: return Errc::out_of_memory;
    case EINVAL:
    case ENAMETOOLONG:
    case EISDIR:
    case ENOTDIR: return Errc::invalid_argument;
    default: return Errc::io_error;
  }
}

inline Error file_error(std::string what, int err) {
  return Error::from_errno(errc_of_file_errno(err), std::move(what), err);
}

struct UniqueFd {
  int fd;
  explicit UniqueFd(int f) noexcept : fd(f) {}
  UniqueFd(const UniqueFd &) = delete;
  UniqueFd &operator=(const UniqueFd &) = delete;
  ~UniqueFd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace unimem::detail
