#include "unimem/memory/backend/posix_shm_backend.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "../core/os_file.hpp"
#include "aligned_map.hpp"
#include "unimem/thread/this_thread.hpp"

namespace unimem {

namespace {

bool is_shm_kind(BackendKind k) {
  return k == BackendKind::posix_shm || k == BackendKind::cuda_shm || k == BackendKind::rocm_shm;
}

}  // namespace

Result<std::string> PosixShmBackend::normalize_name(std::string_view name) {
  std::string n(name);
  if (!n.empty() && n.front() == '/') n.erase(0, 1);
  if (n.empty()) return Error(Errc::invalid_argument, "shared memory name is empty");
  if (n.size() + 1 > RegionHeader::kMaxName) {
    return Error(Errc::invalid_argument,
                 "shared memory name '" + std::string(name) + "' is longer than " + std::to_string(RegionHeader::kMaxName - 1) + " characters");
  }
  if (n.find('\0') != std::string::npos) {
    return Error(Errc::invalid_argument, "shared memory name contains a NUL character");
  }
  if (n.find('/') != std::string::npos) {
    return Error(Errc::invalid_argument, "shared memory name '" + std::string(name) + "' contains '/' after the leading one");
  }
  if (n == "." || n == "..") return Error(Errc::invalid_argument, "shared memory name '" + n + "' is reserved");
  return "/" + n;
}

Result<void> PosixShmBackend::create_region(std::string_view name, std::size_t data_bytes, ShmOptions options,
                                            BackendKind kind) {
  auto n = normalize_name(name);
  if (!n) return n.error();
  auto total = region_bytes_for(data_bytes, static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)));
  if (!total) return total.error();

  detail::UniqueFd fd{shm_open(n->c_str(), O_RDWR | O_CREAT | O_EXCL, options.mode)};
  if (fd.fd < 0) return detail::file_error("shm_open('" + *n + "', O_CREAT|O_EXCL)", errno);
  // From here on the name exists: any failure removes it again so nothing is left behind.
  auto fail = [&](Error e) -> Result<void> {
    shm_unlink(n->c_str());
    return e;
  };
  struct stat st {};
  if (fstat(fd.fd, &st) != 0) return fail(detail::file_error("fstat('" + *n + "')", errno));
  struct statvfs vfs {};
  if (fstatvfs(fd.fd, &vfs) == 0) {
    const std::uint64_t room = std::uint64_t{vfs.f_bavail} * vfs.f_frsize;
    if (*total > room) {
      return fail(Error(Errc::out_of_memory, "shared memory region '" + *n + "' needs " + std::to_string(*total) +
                                                 " bytes; the shm filesystem has " + std::to_string(room) + " free"));
    }
  }
  if (ftruncate(fd.fd, static_cast<off_t>(*total)) != 0) return fail(detail::file_error("ftruncate('" + *n + "')", errno));
  if (options.reserve) {
    if (int err = posix_fallocate(fd.fd, 0, static_cast<off_t>(*total)); err != 0) {
      return fail(detail::file_error("posix_fallocate('" + *n + "')", err));
    }
  }
  void *p = detail::map_aligned(*total, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd);
  if (p == MAP_FAILED) return fail(detail::file_error("mmap('" + *n + "')", errno));
  init_created(static_cast<char *>(p), *total, kind, *n);
  identity_ = {st.st_dev, st.st_ino};
  return success();
}

Result<void> PosixShmBackend::attach_region(std::string_view name) {
  auto n = normalize_name(name);
  if (!n) return n.error();
  detail::UniqueFd fd{shm_open(n->c_str(), O_RDWR, 0)};
  if (fd.fd < 0) return detail::file_error("shm_open('" + *n + "')", errno);

  // A creator publishes the header right after ftruncate + mmap; give it a moment before calling
  // the region unfinished.
  struct stat st {};
  RegionHeader h{};
  const std::string what = "shared memory region '" + *n + "'";
  for (int attempt = 0;; ++attempt) {
    if (fstat(fd.fd, &st) != 0) return detail::file_error("fstat('" + *n + "')", errno);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size >= sizeof(RegionHeader) && pread(fd.fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h)) {
      return detail::file_error("pread('" + *n + "')", errno);
    }
    // Size 0: the creator has not called ftruncate yet.
    auto ok = size == 0 ? Result<void>(Error(Errc::busy, what + " is empty: its creator has not sized it"))
                        : validate_region_header(h, size, what);
    if (ok) break;
    if (ok.code() != Errc::busy || attempt == 100) return ok.error();
    this_thread::sleep_for_us(2000);
  }
  if (!is_shm_kind(h.backend_kind())) {
    return Error(Errc::invalid_argument, what + " has backend kind " + std::string(backend_kind_name(h.backend_kind())) +
                                             ", not a shared memory kind");
  }
  void *p = detail::map_aligned(h.region_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd);
  if (p == MAP_FAILED) return detail::file_error("mmap('" + *n + "')", errno);
  header_ = h;
  view_ = RegionView{static_cast<char *>(p), nullptr, h.region_bytes};
  name_ = *n;
  identity_ = {st.st_dev, st.st_ino};
  return success();
}

Result<std::unique_ptr<PosixShmBackend>> PosixShmBackend::create(std::string_view name, std::size_t data_bytes,
                                                                 ShmOptions options) {
  std::unique_ptr<PosixShmBackend> b(new PosixShmBackend);
  if (auto ok = b->create_region(name, data_bytes, options, BackendKind::posix_shm); !ok) return ok.error();
  return b;
}

Result<std::unique_ptr<PosixShmBackend>> PosixShmBackend::attach(std::string_view name) {
  std::unique_ptr<PosixShmBackend> b(new PosixShmBackend);
  if (auto ok = b->attach_region(name); !ok) return ok.error();
  return b;
}

Result<void> PosixShmBackend::remove(std::string_view name) {
  auto n = normalize_name(name);
  if (!n) return n.error();
  if (shm_unlink(n->c_str()) != 0) return detail::file_error("shm_unlink('" + *n + "')", errno);
  return success();
}

void PosixShmBackend::unmap() noexcept {
  if (view_.host_base) munmap(view_.host_base, view_.region_bytes);
  view_ = {};
}

Result<void> PosixShmBackend::destroy() {
  if (name_.empty()) return success();
  unmap();
  const std::string n = std::exchange(name_, {});
  // Another handle may have removed our region and someone made a new one under its name: that
  // one is not ours to remove. lstat needs no permission on the object and, like shm_open, follows
  // no link; a name replaced between this check and the unlink is not caught.
  const std::string path = std::string(detail::kShmDir) + n;
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? success() : detail::file_error("lstat('" + path + "')", errno);
  }
  if (Identity{st.st_dev, st.st_ino} != identity_) return success();
  if (shm_unlink(n.c_str()) != 0 && errno != ENOENT) return detail::file_error("shm_unlink('" + n + "')", errno);
  return success();
}

PosixShmBackend::~PosixShmBackend() { unmap(); }

}  // namespace unimem
