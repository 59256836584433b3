#include "unimem/memory/shm_region_info.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "../core/os_file.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/thread/detail/process.hpp"

namespace unimem {

namespace {

using detail::kShmDir;

struct DirCloser {
  void operator()(DIR *d) const noexcept { closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

// Reads a small /proc file whole; false if it cannot be opened or read (gone, or not ours to read).
bool read_proc_file(const std::string &path, std::string &out) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  out.clear();
  char buf[16384];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  close(fd);
  return n == 0;
}

// Whether the process whose /proc/<pid>/status is @p status could open a file of @p file's owner
// and mode: its owner, or anyone if group or others may read it. Root could open any, but counting
// every root process would make each owner-only region look mapped to its (non-root) owner.
bool could_open(const std::string &status, const struct stat &file) {
  const auto at = status.find("\nUid:");
  if (at == std::string::npos) return true;  // unknown: assume it could
  unsigned long real = 0, effective = 0;  // the line is "Uid: real effective saved fs"
  if (std::sscanf(status.c_str() + at + 5, "%lu %lu", &real, &effective) != 2) return true;
  return effective == file.st_uid || (file.st_mode & (S_IRGRP | S_IROTH)) != 0;
}

// Processes whose memory maps show /dev/shm/<name> (without its leading '/'), and those whose maps
// this process may not read (another user's, or one that made itself non-dumpable) but which could
// have opened the object.
void find_mappers(const std::string &bare_name, const struct stat &file, ShmRegionInfo &info) {
  const std::string needle = std::string(kShmDir) + "/" + bare_name;
  DirPtr proc(opendir("/proc"));
  if (!proc) return;
  std::string maps, status;
  while (dirent *e = readdir(proc.get())) {
    char *end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    const std::string dir = std::string("/proc/") + e->d_name;
    if (!read_proc_file(dir + "/maps", maps)) {
      if (read_proc_file(dir + "/status", status) && could_open(status, file)) {
        info.unknown_mappers.push_back(static_cast<pid_t>(pid));
      }
      continue;  // status unreadable too: the process is gone
    }
    // The path is the last field of a line; "(deleted)" follows it for removed names, which no
    // longer count.
    for (std::size_t at = maps.find(needle); at != std::string::npos; at = maps.find(needle, at + 1)) {
      const std::size_t after = at + needle.size();
      if (after == maps.size() || maps[after] == '\n') {
        info.mapped_by.push_back(static_cast<pid_t>(pid));
        break;
      }
    }
  }
}

// Reads the header of an shm object; returns nullopt for objects that are not unimem regions.
Result<std::optional<ShmRegionInfo>> read_info(const std::string &bare_name) {
  const std::string path = std::string(kShmDir) + "/" + bare_name;
  // Anyone may put a FIFO (whose open would wait for a writer) or a symlink into /dev/shm: neither
  // is followed or waited for, and only regular files are read.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP) return std::optional<ShmRegionInfo>{};
    return Error::from_errno(err == ENOENT ? Errc::not_found : err == EACCES ? Errc::permission_denied : Errc::io_error,
                             "open('" + path + "')", err);
  }
  ShmRegionInfo info;
  info.name = "/" + bare_name;
  struct stat st {};
  const bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  info.file_bytes = regular ? static_cast<std::uint64_t>(st.st_size) : 0;
  const ssize_t got = regular ? pread(fd, &info.header, sizeof info.header, 0) : -1;
  close(fd);
  if (got != static_cast<ssize_t>(sizeof info.header) || info.header.magic != RegionHeader::kMagic) {
    return std::optional<ShmRegionInfo>{};
  }
  if (auto ok = validate_region_header(info.header, info.file_bytes, "region '" + info.name + "'"); !ok) {
    info.problem = ok.error();
  }
  info.creator_alive = detail::process_alive(info.header.creator_pid);
  find_mappers(bare_name, st, info);
  return std::optional<ShmRegionInfo>{std::move(info)};
}

}  // namespace

Result<std::vector<ShmRegionInfo>> list_shm_regions() {
  DirPtr dir(opendir(kShmDir));
  if (!dir) return Error::from_errno(Errc::io_error, std::string("opendir('") + kShmDir + "')", errno);
  std::vector<ShmRegionInfo> out;
  while (dirent *e = readdir(dir.get())) {
    if (e->d_name[0] == '.') continue;
    auto info = read_info(e->d_name);
    if (info && *info) out.push_back(std::move(**info));  // unreadable or foreign objects are not ours to list
  }
  return out;
}

Result<ShmRegionInfo> inspect_shm_region(std::string_view name) {
  auto n = PosixShmBackend::normalize_name(name);
  if (!n) return n.error();
  auto info = read_info(n->substr(1));
  if (!info) return info.error();
  if (!*info) return Error(Errc::corrupt, "'" + *n + "' is not a unimem region (no unimem header)");
  return std::move(**info);
}

}  // namespace unimem
