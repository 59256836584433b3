#include "unimem/pmem/pmem_pool.hpp"

#include <fcntl.h>
#include <libpmem2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "../core/os_file.hpp"
#include "pool_registry.hpp"
#include "unimem/pmem/persist.hpp"
#include "unimem/core/align.hpp"

namespace unimem::pmem {

namespace {

// libpmem2 returns a negative errno, or one of its own codes (PMEM2_E_*, far below -4096), which
// name a configuration the file does not support. (Debian's 1.12 does not export pmem2_err_to_errno.)
Error pmem2_error(const std::string &what, int ret) {
  const int err = ret < 0 && ret > -4096 ? -ret : EINVAL;
  return Error(unimem::detail::errc_of_file_errno(err), what + ": " + pmem2_errormsg());
}

Granularity granularity_of(pmem2_granularity g) noexcept {
  switch (g) {
    case PMEM2_GRANULARITY_BYTE: return Granularity::byte;
    case PMEM2_GRANULARITY_CACHE_LINE: return Granularity::cache_line;
    case PMEM2_GRANULARITY_PAGE: break;
  }
  return Granularity::page;
}

}  // namespace

// The reservation is 2 MiB larger than the mapping, which sits at its first 2 MiB-aligned page.
struct PmemPool::Mapping {
  pmem2_vm_reservation *reservation = nullptr;
  pmem2_map *map = nullptr;

  ~Mapping() {
    if (map != nullptr) pmem2_map_delete(&map);
    if (reservation != nullptr) pmem2_vm_reservation_delete(&reservation);
  }
};

const char *granularity_name(Granularity g) noexcept {
  switch (g) {
    case Granularity::byte: return "byte";
    case Granularity::cache_line: return "cache_line";
    case Granularity::page: return "page";
  }
  return "?";
}

PmemPool::PmemPool() = default;

Result<void> PmemPool::map(int fd, std::size_t bytes, std::string_view path) {
  const std::string what = "pmem pool '" + std::string(path) + "'";
  pmem2_source *source = nullptr;
  if (int r = pmem2_source_from_fd(&source, fd); r != 0) return pmem2_error(what + ": pmem2_source_from_fd", r);
  struct SourceGuard {
    pmem2_source *&s;
    ~SourceGuard() { pmem2_source_delete(&s); }
  } source_guard{source};
  pmem2_config *config = nullptr;
  if (int r = pmem2_config_new(&config); r != 0) return pmem2_error(what + ": pmem2_config_new", r);
  struct ConfigGuard {
    pmem2_config *&c;
    ~ConfigGuard() { pmem2_config_delete(&c); }
  } config_guard{config};
  // Page granularity is the weakest: accept whatever the file offers and persist accordingly.
  if (int r = pmem2_config_set_required_store_granularity(config, PMEM2_GRANULARITY_PAGE); r != 0) {
    return pmem2_error(what + ": set granularity", r);
  }
  if (int r = pmem2_config_set_length(config, bytes); r != 0) return pmem2_error(what + ": set length", r);

  auto m = std::make_unique<Mapping>();
  constexpr std::size_t a = RegionHeader::kBaseAlignment;
  if (int r = pmem2_vm_reservation_new(&m->reservation, nullptr, bytes + a); r != 0) {
    return pmem2_error(what + ": reserve address space", r);
  }
  const auto start = reinterpret_cast<std::uintptr_t>(pmem2_vm_reservation_get_address(m->reservation));
  const std::size_t offset = align_up(start, a) - start;
  if (int r = pmem2_config_set_vm_reservation(config, m->reservation, offset); r != 0) {
    return pmem2_error(what + ": place mapping", r);
  }
  if (int r = pmem2_map_new(&m->map, config, source); r != 0) return pmem2_error(what + ": pmem2_map_new", r);

  granularity_ = granularity_of(pmem2_map_get_store_granularity(m->map));
  auto *base = static_cast<char *>(pmem2_map_get_address(m->map));
  view_ = RegionView{base, nullptr, bytes};
  mapping_ = std::move(m);
  detail::register_pool(base, bytes, granularity_);
  return success();
}

void PmemPool::unmap() noexcept {
  if (view_.host_base != nullptr) detail::unregister_pool(view_.host_base);
  mapping_.reset();
  view_ = {};
}

Result<std::unique_ptr<PmemPool>> PmemPool::create(std::string_view path, std::size_t data_bytes,
                                                   PoolOptions options) {
  if (path.empty()) return Error(Errc::invalid_argument, "pmem pool: the path is empty");
  auto total = region_bytes_for(data_bytes, static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)));
  if (!total) return total.error();
  const std::string p(path);
  unimem::detail::UniqueFd fd{::open(p.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, options.mode)};
  if (fd.fd < 0) return unimem::detail::file_error("pmem pool: create '" + p + "'", errno);
  // From here on the file exists: a failure removes it again.
  auto fail = [&](Error e) -> Result<std::unique_ptr<PmemPool>> {
    unlink(p.c_str());
    return e;
  };
  if (options.reserve) {
    if (int err = posix_fallocate(fd.fd, 0, static_cast<off_t>(*total)); err != 0) {
      return fail(unimem::detail::file_error("pmem pool: posix_fallocate('" + p + "', " + std::to_string(*total) + ")", err));
    }
  } else if (ftruncate(fd.fd, static_cast<off_t>(*total)) != 0) {
    return fail(unimem::detail::file_error("pmem pool: ftruncate('" + p + "')", errno));
  }
  std::unique_ptr<PmemPool> pool(new PmemPool);
  if (auto ok = pool->map(fd.fd, *total, p); !ok) return fail(ok.error());
  const auto slash = p.find_last_of('/');
  pool->init_created(pool->view_.host_base, *total, BackendKind::pmem,
                     slash == std::string::npos ? p : p.substr(slash + 1));
  pool->name_ = p;
  if (auto ok = pool->persist(pool->base(), RegionHeader::kHeaderBytes); !ok) return fail(ok.error());
  return pool;
}

Result<std::unique_ptr<PmemPool>> PmemPool::attach(std::string_view path) {
  if (path.empty()) return Error(Errc::invalid_argument, "pmem pool: the path is empty");
  const std::string p(path);
  const std::string what = "pmem pool '" + p + "'";
  unimem::detail::UniqueFd fd{::open(p.c_str(), O_RDWR | O_CLOEXEC)};
  if (fd.fd < 0) return unimem::detail::file_error("pmem pool: open '" + p + "'", errno);
  struct stat st {};
  if (fstat(fd.fd, &st) != 0) return unimem::detail::file_error("pmem pool: fstat '" + p + "'", errno);
  if (!S_ISREG(st.st_mode)) return Error(Errc::invalid_argument, what + " is not a regular file");
  RegionHeader h{};
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size >= sizeof h && pread(fd.fd, &h, sizeof h, 0) != static_cast<ssize_t>(sizeof h)) {
    return unimem::detail::file_error("pmem pool: pread '" + p + "'", errno);
  }
  if (auto ok = validate_region_header(h, size, what); !ok) return ok.error();
  if (h.backend_kind() != BackendKind::pmem) {
    return Error(Errc::invalid_argument,
                 what + " holds a " + std::string(backend_kind_name(h.backend_kind())) + " region, not a pmem pool");
  }
  std::unique_ptr<PmemPool> pool(new PmemPool);
  if (auto ok = pool->map(fd.fd, h.region_bytes, p); !ok) return ok.error();
  pool->header_ = h;
  pool->name_ = p;
  return pool;
}

Result<void> PmemPool::persist(const void *addr, std::size_t n) const {
  const auto a = reinterpret_cast<std::uintptr_t>(addr), b = reinterpret_cast<std::uintptr_t>(base());
  if (base() == nullptr || a < b || n > size() || a - b > size() - n) {
    return Error(Errc::invalid_argument, "pmem pool '" + path() + "': persist of " + std::to_string(n) +
                                             " bytes at " + std::to_string(a) + " is outside the pool");
  }
  return detail::persist_as(granularity_, addr, n);
}

Result<void> PmemPool::destroy() {
  if (name_.empty()) return success();
  unmap();
  const std::string p = std::exchange(name_, {});
  if (unlink(p.c_str()) != 0 && errno != ENOENT) return unimem::detail::file_error("pmem pool: unlink '" + p + "'", errno);
  return success();
}

PmemPool::~PmemPool() { unmap(); }

}  // namespace unimem::pmem
