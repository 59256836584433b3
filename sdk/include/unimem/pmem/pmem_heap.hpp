// PmemHeap: a memkind PMEM kind (memkind_create_pmem) on a directory, for volatile bulk allocations
// in persistent memory: the memory lives in an unlinked temporary file there and is gone when the
// heap is destroyed (use PmemPool for data that must survive). On a DAX filesystem this is real
// PMEM; anywhere else (the tests use /dev/shm) it is the same code on file-backed pages.
//
// Thread safety: allocation functions may be called from any thread (memkind's arenas).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "unimem/core/error.hpp"

struct memkind;

namespace unimem::pmem {

class PmemHeap {
 public:
  /// memkind's smallest PMEM kind.
  static constexpr std::size_t kMinBytes = std::size_t{16} << 20;

  /// @brief A heap in @p dir holding at most @p max_bytes (0: as much as the filesystem holds).
  /// @return not_found / invalid_argument for a missing directory or a limit below kMinBytes;
  ///         the file's error (permission_denied, io_error...) when no file can be made there;
  ///         unsupported when memkind cannot create the kind otherwise.
  static Result<PmemHeap> create(std::string_view dir, std::size_t max_bytes = 0);

  /// A moved-from heap allocates nothing (null), frees nothing, and has no statistics.
  PmemHeap(PmemHeap &&o) noexcept : kind_(std::exchange(o.kind_, nullptr)), dir_(std::move(o.dir_)), max_(o.max_) {}
  PmemHeap &operator=(PmemHeap &&o) noexcept;
  PmemHeap(const PmemHeap &) = delete;
  PmemHeap &operator=(const PmemHeap &) = delete;
  /// @brief Destroys the kind: every block still allocated is gone with it.
  ~PmemHeap();

  /// nullptr when the heap is full (or size is 0 for malloc / aligned_alloc), as malloc does.
  void *malloc(std::size_t size) noexcept;
  void *calloc(std::size_t count, std::size_t size) noexcept;
  void *realloc(void *block, std::size_t size) noexcept;
  /// @p alignment must be a power of two and a multiple of sizeof(void*), as posix_memalign asks.
  void *aligned_alloc(std::size_t alignment, std::size_t size) noexcept;
  void free(void *block) noexcept;
  std::size_t usable_size(void *block) const noexcept;

  const std::string &directory() const noexcept { return dir_; }
  std::size_t max_bytes() const noexcept { return max_; }
  /// @brief Bytes allocated now (memkind's statistics, refreshed by this call).
  Result<std::size_t> allocated_bytes() const;

 private:
  PmemHeap(memkind *kind, std::string dir, std::size_t max) noexcept : kind_(kind), dir_(std::move(dir)), max_(max) {}
  memkind *kind_;
  std::string dir_;
  std::size_t max_;
};

/// @brief Whether @p dir is on a DAX filesystem (real PMEM), by memkind_check_dax_path.
bool is_dax_directory(std::string_view dir) noexcept;

}  // namespace unimem::pmem
