// PmemPool: a file mapped with libpmem2, as a unimem backend (BackendKind::pmem). Allocators and
// containers created in it survive the process: reopen the file, attach the allocator, find the
// containers by name. PMEM without NVDIMMs is a pool on any directory (/dev/shm in the tests); the
// store granularity libpmem2 reports (page there, cache line on DAX) decides how persist() works.
//
// The mapping is shared and placed at a 2 MiB-aligned address, like every named backend. Durability:
// a process that is killed loses nothing (the mapping is the file's); against power loss on a DAX
// device, data is durable once persist() returns. Allocators are not transactional: persist after
// allocating what must survive a power loss.
//
// Thread safety: like every backend, immutable after create/attach; persist may run concurrently.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "unimem/memory/backend/memory_backend.hpp"

namespace unimem::pmem {

/// libpmem2's store granularity: what makes a store durable.
enum class Granularity {
  byte,        ///< eADR: stores are durable once globally visible (drain)
  cache_line,  ///< ADR / DAX: flush the cache lines, then drain
  page,        ///< page cache: msync
};

/// @brief "byte", "cache_line" or "page".
const char *granularity_name(Granularity g) noexcept;

struct PoolOptions {
  mode_t mode = 0600;
  /// Allocate every block now (posix_fallocate) so a later store can never fault with SIGBUS for lack
  /// of space on the filesystem.
  bool reserve = true;
};

class PmemPool final : public MemoryBackend {
 public:
  /// @brief Creates @p path (O_EXCL: an existing file is already_exists) with room for @p data_bytes.
  static Result<std::unique_ptr<PmemPool>> create(std::string_view path, std::size_t data_bytes,
                                                  PoolOptions options = {});
  /// @brief Opens a pool created earlier (by this or another process); the header is validated.
  static Result<std::unique_ptr<PmemPool>> attach(std::string_view path);
  static Result<std::unique_ptr<PmemPool>> open(std::string_view path) { return attach(path); }

  const std::string &path() const noexcept { return name(); }
  std::size_t size() const noexcept { return region_size(); }
  Granularity granularity() const noexcept { return granularity_; }

  /// @brief Makes [addr, addr + n) durable by this pool's granularity.
  /// @return invalid_argument when the range is not inside the pool; io_error when msync fails.
  Result<void> persist(const void *addr, std::size_t n) const;

  /// @brief Unmaps and deletes the file.
  Result<void> destroy() override;
  ~PmemPool() override;

 private:
  struct Mapping;
  PmemPool();
  Result<void> map(int fd, std::size_t bytes, std::string_view path);
  void unmap() noexcept;

  std::unique_ptr<Mapping> mapping_;
  Granularity granularity_ = Granularity::page;
};

}  // namespace unimem::pmem
