// TierManager: the CachedArrays model. Each tiered array has its home in PMEM (a PmemHeap) and may
// hold a copy in DRAM; the DRAM copies of all arrays of one manager share one byte budget, which is
// never exceeded.
//
//   prefetch     copies home -> DRAM (memcpy_nt), making room first
//   evict        writes the DRAM copy back if it is dirty (memcpy_nt), then frees it; a clean copy
//                is dropped without writing a byte
//   soft_evict   a hint: the copy stays, but is the first victim when room is needed
//   read/write   a view of the data where it is now (DRAM if cached, else PMEM); with the automatic
//                policy a view first brings the array to DRAM if it fits. write() marks a DRAM copy
//                dirty. While a view lives, its array is pinned: never evicted, never moved.
//
// Victims (automatic policy, and explicit prefetch when the budget is full): LRU by size bins, as
// in the seed. Bins are powers of two of the copy's size; to free n bytes the manager looks first
// at the bins of n and above (one eviction may suffice), then at smaller bins from the largest down.
// Within a bin it takes the least recently used unpinned copies, and among the 4 least recent the
// coldest: soft-evicted first, then the fewest accesses plus gmem::hotness of its first page (the
// times gmem::prefetch found it already resident).
//
// Thread safety: a manager and its arrays may be used from any thread; the manager serialises the
// operations above (copies included). The data seen through views is the caller's to synchronise.
// The manager must outlive its arrays, and views must not outlive their array.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "unimem/core/error.hpp"
#include "unimem/pmem/pmem_heap.hpp"

namespace unimem::pmem {

class TierManager;
template <class T>
class TieredArray;

namespace detail {

// One per array: its only allocation. Fields below `manager` are guarded by the manager's mutex.
struct TierBlock {
  TierManager *manager;
  void *home;  // in the PmemHeap, never moves
  void *dram;  // the DRAM copy, nullptr when not cached; in the LRU list of bin `bin` iff non-null
  std::size_t bytes;
  std::uint64_t accesses = 0;  // views taken since the copy was made
  std::uint32_t pins = 0;      // live views
  bool dirty = false;          // the DRAM copy differs from home
  bool soft_evicted = false;
  unsigned bin = 0;
  TierBlock *older = nullptr, *newer = nullptr;
};

}  // namespace detail

struct TierOptions {
  std::size_t dram_budget = 0;  ///< bytes all DRAM copies of the manager may hold together
  bool automatic = true;        ///< views bring arrays to DRAM (false: only explicit prefetch does)
};

struct TierStats {
  std::uint64_t prefetches = 0;          ///< copies made (explicit or automatic)
  std::uint64_t evictions = 0;           ///< copies dropped (explicit or to make room)
  std::uint64_t write_backs = 0;         ///< evictions of dirty copies
  std::uint64_t bytes_fetched = 0;       ///< PMEM -> DRAM
  std::uint64_t bytes_written_back = 0;  ///< DRAM -> PMEM
  std::size_t dram_bytes = 0;            ///< held by DRAM copies now (<= dram_budget)
  std::size_t arrays = 0;
};

class TierManager {
 public:
  /// @brief A manager whose arrays live in @p home (which must outlive it).
  TierManager(PmemHeap &home, TierOptions options) noexcept;
  TierManager(const TierManager &) = delete;
  TierManager &operator=(const TierManager &) = delete;
  ~TierManager() = default;

  /// @brief A new array of @p n zeroed elements in PMEM, not cached.
  /// @return out_of_memory when the PMEM heap has no room; invalid_argument when n is 0 or too big.
  template <class T>
  Result<TieredArray<T>> make(std::size_t n);

  std::size_t dram_budget() const noexcept { return options_.dram_budget; }
  bool automatic() const noexcept { return options_.automatic; }
  TierStats stats() const;

  // The operations of TieredArray and its views (see the header comment).
  Result<void> prefetch(detail::TierBlock &b);
  Result<void> evict(detail::TierBlock &b);
  void soft_evict(detail::TierBlock &b);
  /// Pins @p b and returns where its data is now; marks a DRAM copy dirty when @p write.
  void *acquire(detail::TierBlock &b, bool write, bool &in_dram);
  void release(detail::TierBlock &b) noexcept;
  bool cached(const detail::TierBlock &b) const;
  bool dirty(const detail::TierBlock &b) const;
  void destroy(detail::TierBlock *b) noexcept;

 private:
  static constexpr unsigned kBins = 64;
  struct Bin {
    detail::TierBlock *oldest = nullptr, *newest = nullptr;
  };

  Result<detail::TierBlock *> create_block(std::size_t bytes);
  Result<void> prefetch_locked(detail::TierBlock &b);
  Result<void> evict_locked(detail::TierBlock &b);
  Result<void> make_room(std::size_t bytes);
  detail::TierBlock *victim(unsigned bin) const;
  void link_newest(detail::TierBlock &b) noexcept;
  void unlink(detail::TierBlock &b) noexcept;

  PmemHeap &home_;
  TierOptions options_;
  mutable std::mutex m_;
  std::array<Bin, kBins> bins_{};
  TierStats stats_{};
};

}  // namespace unimem::pmem

#include "unimem/pmem/tiered_array.hpp"

namespace unimem::pmem {

template <class T>
Result<TieredArray<T>> TierManager::make(std::size_t n) {
  if (n == 0 || n > (SIZE_MAX - 63) / sizeof(T)) {
    return Error(Errc::invalid_argument, "TierManager::make: " + std::to_string(n) + " elements");
  }
  auto b = create_block(n * sizeof(T));
  if (!b) return b.error();
  return TieredArray<T>(*b, n);
}

}  // namespace unimem::pmem
