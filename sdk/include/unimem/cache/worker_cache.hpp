// WorkerCache: a worker's private cache of data blocks keyed by data id (seed 001, GPI-Space), so
// data that several tasks of one worker read is loaded once per worker, not once per task.
//
//   acquire(id, size, fill)  a handle to a buffer holding the data of `id`. On a miss, fill(buffer)
//                            loads it, once: concurrent acquires of the same id wait for that fill
//                            and then share the buffer. A failed fill (an error returned or an
//                            exception thrown) reaches the filler and every waiter, and leaves no
//                            entry behind. An entry is visible only once filled.
//   acquire_all(requests)    a task's whole set, all or nothing (on an error no handle is kept).
//                            An item that cannot get room (a set larger than the budget, or room
//                            held by live handles) is filled into a buffer of its own instead of
//                            failing the task: its handle says cached() == false.
//
// Budget: the bytes of all buffers the cache holds never exceed `budget`, including buffers that
// were invalidated but still have handles. A buffer with a live handle is never evicted. An item
// larger than the budget is always served uncached.
//
// Eviction: S3-FIFO by default (Yang et al., SOSP 2023: a small FIFO for new entries, a main FIFO
// for re-used ones with a 2-bit access counter, a ghost list of ids recently dropped from the small
// one); LRU and FIFO on request. Retention::keep puts an entry in a class that is never evicted for
// room (data every task reads, e.g. SPLOTCH's scene); it still counts against the budget. The
// remaining_uses hint overrides the policy for the entry it is given to, while it stays cached (an
// acquire without a hint leaves its hint and place as they are; keep entries ignore hints): at 0 an
// entry is the first victim; above 0 it goes after every unhinted entry, and among hinted entries
// the one whose next use looks farthest away goes first (hinted acquires since its latest one, or
// since an eviction found it in use, / hint^1.5: few uses left and long unused both mean far away).
// The schedule hint says when the id is read next, on the caller's own clock (its task or acquire
// numbers): scheduled entries go after all others, those whose next use is behind the latest `now`
// seen first (the caller's plan changed), then the one read next farthest away. A scheduled miss
// that needs room evicts nothing unless the other classes, the overdue entries and the entries read
// after it hold that room (Belady's MIN keeps what is read sooner); otherwise, and always when its
// next_use is kNoNextUse, it is served uncached. With one acquire per position and equal sizes that
// is exactly Belady's MIN. Positions come from one clock for all of the cache's acquires and should
// not go back (a thread that lags behind the latest `now` finds its entries overdue); clear()
// restarts the clock once no scheduled entry is left. The schedule takes precedence over
// remaining_uses; with concurrent hits on one entry, the last hit to update the policy wins.
//
// Keys: an id may be cached at one epoch at a time. Acquiring a newer epoch invalidates the older
// entry; asking for an older epoch than the one cached is version_mismatch. Re-using an id with a
// different size, or a different layout (cached_get's fingerprint of its memory-get), is
// invalid_argument: the cache never hands out data of another shape under the same name.
//
// Thread safety: every member may be called from any thread. Hits take one shard mutex (the index
// is split in shards by id) and touch the entry's reference count and access counter; misses,
// evictions, invalidations, and acquires under LRU or with a hint also take the policy mutex
// (order: policy, then shard).
// Blocking: acquire blocks while another thread fills the same id. A fill that acquires its own id
// gets invalid_argument instead of waiting for itself; two threads whose fills acquire each
// other's ids wait for each other (as two mutexes taken in opposite orders would).
// A moved-from WorkerCache refuses acquire and find (invalid_argument) and is empty otherwise.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "unimem/cache/cache_handle.hpp"
#include "unimem/cache/cache_stats.hpp"
#include "unimem/cache/data_id.hpp"
#include "unimem/core/error.hpp"
#include "unimem/stream/stream.hpp"

namespace unimem::cache {

/// Where the buffers live.
enum class Placement {
  host,         ///< ordinary host memory (64-byte aligned)
  pinned_host,  ///< page-locked host memory of the stream's GPU runtime (fast DMA to the device)
  device,       ///< device memory of the stream's GPU: a GPU worker skips the host-to-device copy
};
enum class EvictionPolicy { s3fifo, lru, fifo };
enum class Retention {
  normal,
  keep,  ///< never evicted for room (invalidate still drops it)
};

/// @brief "host", "pinned_host" or "device".
const char *placement_name(Placement p) noexcept;
/// @brief "s3fifo", "lru" or "fifo".
const char *policy_name(EvictionPolicy p) noexcept;

/// The most index shards a cache may have (shards are picked by 24 bits of the id's hash).
inline constexpr std::size_t kMaxShards = std::size_t{1} << 16;

struct CacheOptions {
  std::size_t budget = 0;  ///< bytes the cached buffers may hold together (> 0)
  Placement placement = Placement::host;
  EvictionPolicy policy = EvictionPolicy::s3fifo;
  /// For pinned_host and device placement: a GPU stream whose runtime allocates the buffers.
  Stream stream{};
  /// Index shards (a power of two, at most kMaxShards); 0 picks 16 per hardware thread, at least 64.
  std::size_t shards = 0;
};

/// Marks "no hint" in AcquireOptions::remaining_uses.
inline constexpr std::uint32_t kUnknownUses = UINT32_MAX;

/// Marks "not read again" in Schedule::next_use.
inline constexpr std::uint64_t kNoNextUse = UINT64_MAX;

/// Where an acquire stands on the caller's own schedule: positions are any increasing count the
/// caller keeps (task numbers, acquire numbers), the same for every acquire of the cache.
struct Schedule {
  std::uint64_t now = 0;                ///< this acquire's position
  std::uint64_t next_use = kNoNextUse;  ///< the position of the next acquire of this id (>= now)
};

struct AcquireOptions {
  std::uint64_t epoch = 0;  ///< version of the data; see "Keys" above
  Retention retention = Retention::normal;
  /// How many more acquires of this id the caller expects after this one (kUnknownUses: no hint);
  /// the latest hint wins. At 0 the entry becomes the first victim when room is needed; see
  /// "Eviction" above.
  std::uint32_t remaining_uses = kUnknownUses;
  /// When this id is read next (see "Eviction" above); it takes precedence over remaining_uses.
  /// invalid_argument when next_use < now.
  std::optional<Schedule> schedule{};
  /// A fingerprint of how the buffer is filled; 0 = none. An id cached with one layout cannot be
  /// acquired with another (GlobalMemory::cached_get sets it from its transfer list).
  std::uint64_t layout = 0;
};

/// One item of acquire_all.
struct CacheRequest {
  DataId id;
  std::size_t size = 0;
  AcquireOptions options{};
};

class WorkerCache {
 public:
  /// @brief A cache with @p options; invalid_argument for a zero budget, a shard count that is not
  /// a power of two up to kMaxShards, or a pinned_host/device placement without a GPU stream.
  static Result<WorkerCache> create(CacheOptions options);

  WorkerCache(WorkerCache &&) noexcept;
  WorkerCache &operator=(WorkerCache &&) noexcept;
  ~WorkerCache();

  /// @brief A handle to the data of @p id, @p size bytes. @p fill is called with the buffer
  /// (std::span<std::byte>) on a miss, on this thread, and must return Result<void> (or void); when
  /// it returns, the buffer must hold the data (a device fill synchronizes its copies first).
  template <class Fill>
  Result<CacheHandle> acquire(DataId id, std::size_t size, Fill &&fill, const AcquireOptions &options = {}) {
    return acquire_with(id, size, FillRef(fill), options);
  }

  /// @brief Handles for every request, in order, or the first error (then none is kept).
  /// @p fill is called as fill(index, buffer) for the requests that miss.
  template <class Fill>
  Result<std::vector<CacheHandle>> acquire_all(std::span<const CacheRequest> requests, Fill &&fill) {
    for (const auto &r : requests) {
      if (auto ok = check_request(r.id, r.size, r.options); !ok) return ok.error();  // before anything is filled
    }
    std::vector<CacheHandle> handles;
    handles.reserve(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const auto &r = requests[i];
      auto one = [&](std::span<std::byte> buffer) { return invoke_fill(fill, i, buffer); };
      auto h = acquire_with(r.id, r.size, FillRef(one), r.options);
      if (!h) return h.error();  // the handles taken so far are released here
      handles.push_back(std::move(h).value());
    }
    return handles;
  }

  /// @brief The data of @p id if it is cached and filled (a hit), without filling; not_found otherwise.
  Result<CacheHandle> find(DataId id, const AcquireOptions &options = {});

  /// @brief Drops @p id (any epoch); live handles keep their buffer. false if it was not cached.
  bool invalidate(DataId id);
  /// @brief Drops every entry whose epoch is below @p epoch; returns how many.
  std::size_t invalidate_epochs_before(std::uint64_t epoch);
  /// @brief Drops every entry without a live handle (handles keep theirs); returns how many.
  std::size_t clear();

  CacheStats stats() const;
  const CacheOptions &options() const noexcept;

 private:
  // A non-owning reference to a fill callable, so the hit path allocates nothing.
  struct FillRef {
    template <class F>
    explicit FillRef(F &f) noexcept
        : object(static_cast<void *>(std::addressof(f))),
          call([](void *o, std::span<std::byte> b) -> Result<void> { return invoke_fill(*static_cast<F *>(o), b); }) {}
    void *object;
    Result<void> (*call)(void *, std::span<std::byte>);
  };

  template <class F, class... Args>
  static Result<void> invoke_fill(F &f, Args &&...args) {
    using R = std::invoke_result_t<F &, Args...>;
    if constexpr (std::is_void_v<R>) {
      f(std::forward<Args>(args)...);
      return success();
    } else {
      static_assert(std::convertible_to<R, Result<void>>, "a fill returns Result<void> or void");
      return f(std::forward<Args>(args)...);
    }
  }

  /// invalid_argument for size 0, or a schedule whose next_use is before now (or whose now is kNoNextUse).
  static Result<void> check_request(const DataId &id, std::size_t size, const AcquireOptions &o);

  struct Impl;
  explicit WorkerCache(std::unique_ptr<Impl> impl) noexcept;
  Result<CacheHandle> acquire_with(DataId id, std::size_t size, FillRef fill, const AcquireOptions &options);
  std::unique_ptr<Impl> impl_;
};

}  // namespace unimem::cache
