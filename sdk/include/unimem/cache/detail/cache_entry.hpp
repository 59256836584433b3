// One cached buffer and its bookkeeping. Internal to WorkerCache (sdk/src/cache/worker_cache.cpp);
// here only because CacheHandle, which is inline on the hit path, releases entries.
//
//   struct CacheEntry {
//     shared_ptr<CacheCore> core       where the buffer came from and whose budget it is charged to
//     DataId id; hash; epoch; layout; size
//                                      immutable after creation (hash = id.hash(), which the shard,
//                                      the index and its erase all need)
//     byte *data                       written once by the filler, before state leaves `filling`
//     atomic refs                      live handles + 1 while the cache holds it (index or queues)
//     atomic state                     filling -> ready | failed, once; waiters wait on it
//     atomic freq                      S3-FIFO's 2-bit access counter
//     atomic remaining_uses            the latest remaining-uses hint (UINT32_MAX: none yet)
//     bool indexed                     in its shard's map            (guarded by the shard's mutex)
//     queue, prev, next, stamp         its eviction queue, and the policy clock at its latest hinted
//                                      acquire or eviction scan that found it in use (scheduled
//                                      entries: the position of their next use)
//                                                                    (guarded by the policy mutex)
//   }
//
// Lifetime: whoever drops refs to 0 destroys the entry (frees the buffer, refunds the budget). A
// new reference is taken only under the shard mutex while `indexed`, so under that mutex
// refs == 1 means "no handle, none can appear": that is when the evictor may drop it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "unimem/cache/data_id.hpp"
#include "unimem/core/error.hpp"

namespace unimem::cache::detail {

struct CacheCore;

enum class EntryState : std::uint8_t { filling, ready, failed };

struct CacheEntry {
  CacheEntry(std::shared_ptr<CacheCore> c, DataId i, std::uint64_t h, std::uint64_t e, std::uint64_t l,
             std::size_t s) noexcept
      : core(std::move(c)), id(i), hash(h), epoch(e), layout(l), size(s) {}

  std::shared_ptr<CacheCore> core;
  const DataId id;
  const std::uint64_t hash;  // id.hash()
  const std::uint64_t epoch;
  const std::uint64_t layout;
  const std::size_t size;
  std::byte *data = nullptr;
  bool charged = false;            // its size is counted in the core's used bytes
  std::optional<Error> error;      // set before state becomes failed
  std::atomic<std::uint32_t> refs{1};
  std::atomic<EntryState> state{EntryState::filling};
  std::atomic<std::uint8_t> freq{0};
  std::atomic<std::uint32_t> remaining_uses{UINT32_MAX};

  bool indexed = true;             // shard mutex
  std::uint8_t queue = 0;          // policy mutex: which queue (0 = none)
  CacheEntry *prev = nullptr, *next = nullptr;  // policy mutex
  std::uint64_t stamp = 0;                      // policy mutex

  void retain() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
  /// Drops one reference; the last one destroys the entry (defined in worker_cache.cpp).
  void release() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) destroy(this);
  }
  static void destroy(CacheEntry *e) noexcept;
};

}  // namespace unimem::cache::detail
