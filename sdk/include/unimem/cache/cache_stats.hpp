// CacheStats: what a WorkerCache did since it was created, as one consistent-enough snapshot (each
// counter is exact; counters read from different shards may be a few operations apart).
#pragma once

#include <cstddef>
#include <cstdint>

namespace unimem::cache {

struct CacheStats {
  std::uint64_t hits = 0;             ///< acquires that found the data filled
  std::uint64_t waits = 0;            ///< acquires that found it being filled, waited, and got it
  std::uint64_t cold_misses = 0;      ///< fills of ids not evicted recently (first use, or forgotten)
  std::uint64_t capacity_misses = 0;  ///< fills of ids the cache had evicted for room, or served uncached
  std::uint64_t bypasses = 0;         ///< fills served uncached: no room, or a schedule MIN would not keep
  std::uint64_t evictions = 0;        ///< entries dropped to make room
  std::uint64_t invalidations = 0;    ///< entries dropped by invalidate / a newer epoch
  std::uint64_t fill_failures = 0;    ///< fills that returned an error (or threw)
  std::uint64_t bytes_loaded = 0;     ///< bytes filled (cached and bypassed)
  std::uint64_t bytes_saved = 0;      ///< bytes of hits and waits: loads avoided
  std::uint64_t fill_ns_total = 0;    ///< time spent in fills, summed
  std::uint64_t fill_ns_max = 0;      ///< the slowest fill
  std::size_t bytes_cached = 0;       ///< bytes held by entries now, never above budget
  std::size_t entries = 0;            ///< entries in the index now
  std::size_t budget = 0;

  std::uint64_t misses() const noexcept { return cold_misses + capacity_misses; }
  std::uint64_t fills() const noexcept { return misses(); }
  /// @brief (hits + waits) / all acquires; 0 before the first.
  double hit_ratio() const noexcept {
    const auto all = hits + waits + misses();
    return all == 0 ? 0.0 : static_cast<double>(hits + waits) / static_cast<double>(all);
  }
  /// @brief Mean fill latency in nanoseconds; 0 before the first fill.
  double fill_ns_mean() const noexcept {
    return fills() == 0 ? 0.0 : static_cast<double>(fill_ns_total) / static_cast<double>(fills());
  }
};

}  // namespace unimem::cache
