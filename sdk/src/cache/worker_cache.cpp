#include "unimem/cache/worker_cache.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "entry_index.hpp"
#include "eviction_queues.hpp"

namespace unimem::cache {

namespace detail {

// Where buffers come from and the bytes charged to the budget. Entries share it with the cache, so
// a handle that outlives its cache can still free its buffer. Host buffers come from the null
// stream (64-byte aligned host memory), pinned ones from the cache's stream.
struct CacheCore {
  CacheCore(Placement p, Stream s) noexcept : placement(p), stream(p == Placement::host ? Stream{} : std::move(s)) {}

  Placement placement;
  Stream stream;
  std::atomic<std::size_t> used{0};  // bytes of charged entries not yet destroyed

  Result<std::byte *> allocate(std::size_t n) const {
    Result<void *> p = placement == Placement::device ? stream.alloc_device(n) : stream.alloc_host(n);
    if (!p) return p.error();
    return static_cast<std::byte *>(*p);
  }
  void deallocate(std::byte *p) const noexcept {
    if (placement == Placement::device) {
      stream.free_device(p);
    } else {
      stream.free_host(p);
    }
  }
};

void CacheEntry::destroy(CacheEntry *e) noexcept {
  if (e->data != nullptr) e->core->deallocate(e->data);
  if (e->charged) e->core->used.fetch_sub(e->size, std::memory_order_relaxed);
  delete e;
}

}  // namespace detail

using detail::CacheEntry;
using detail::EntryState;

namespace {

enum QueueTag : std::uint8_t { kNone = 0, kSmall, kMain, kKeep, kSpent, kScheduled, kHinted /* the first of its classes */ };
static_assert(kHinted + detail::HintedQueues::kClasses <= 256, "queue tags are bytes");
constexpr std::size_t kEvictedHistory = 1 << 16;  // ids remembered to tell capacity from cold misses

struct alignas(64) Shard {
  std::mutex mutex;
  detail::EntryIndex index;
  std::uint64_t hits = 0, bytes_saved = 0;
};

// The entries this thread is filling, innermost first (a fill may acquire other ids), so that a
// fill that acquires its own id is refused instead of waiting for itself. A stack of the fills'
// own frames: marking allocates nothing.
class FillingHere {
 public:
  explicit FillingHere(const CacheEntry *e) noexcept : entry_(e), outer_(innermost_) { innermost_ = this; }
  ~FillingHere() { innermost_ = outer_; }
  FillingHere(const FillingHere &) = delete;
  FillingHere &operator=(const FillingHere &) = delete;
  static bool includes(const CacheEntry *e) noexcept {
    for (const FillingHere *f = innermost_; f != nullptr; f = f->outer_) {
      if (f->entry_ == e) return true;
    }
    return false;
  }

 private:
  const CacheEntry *entry_;
  const FillingHere *outer_;
  static thread_local const FillingHere *innermost_;
};
thread_local const FillingHere *FillingHere::innermost_ = nullptr;

Error shape_error(const CacheEntry &e, std::size_t size) {
  if (e.size != size) {
    return Error(Errc::invalid_argument, "WorkerCache: data id " + e.id.to_string() + " is cached with " +
                                             std::to_string(e.size) + " bytes; this acquire asks for " +
                                             std::to_string(size));
  }
  return Error(Errc::invalid_argument, "WorkerCache: data id " + e.id.to_string() +
                                           " was filled with a different layout (memory-get) than this acquire's");
}

}  // namespace

const char *placement_name(Placement p) noexcept {
  switch (p) {
    case Placement::host: return "host";
    case Placement::pinned_host: return "pinned_host";
    case Placement::device: return "device";
  }
  return "?";
}

const char *policy_name(EvictionPolicy p) noexcept {
  switch (p) {
    case EvictionPolicy::s3fifo: return "s3fifo";
    case EvictionPolicy::lru: return "lru";
    case EvictionPolicy::fifo: return "fifo";
  }
  return "?";
}

struct WorkerCache::Impl {
  CacheOptions options;
  std::shared_ptr<detail::CacheCore> core;
  std::unique_ptr<Shard[]> shards;
  std::size_t shard_mask;

  std::mutex policy;  // guards everything below, and entries' queue links
  detail::EntryQueue small{kSmall}, main{kMain}, keep{kKeep}, spent{kSpent};
  detail::HintedQueues hinted{kHinted};
  std::uint64_t hint_clock = 0;  // hinted acquires so far
  detail::ScheduledEntries scheduled{kScheduled};
  std::uint64_t schedule_clock = 0;  // the latest position a scheduled acquire gave
  detail::IdHistory ghost;    // S3-FIFO: ids dropped from the small queue without re-use
  detail::IdHistory evicted;  // ids evicted for room, to classify misses
  std::uint64_t cold = 0, capacity = 0, bypasses = 0, evictions = 0, invalidations = 0, failures = 0;
  std::uint64_t bytes_loaded = 0, fill_ns_total = 0, fill_ns_max = 0;
  std::atomic<std::uint64_t> waits{0}, wait_bytes{0};

  Impl(CacheOptions o, std::size_t nshards)
      : options(std::move(o)),
        core(std::make_shared<detail::CacheCore>(options.placement, options.stream)),
        shards(new Shard[nshards]),
        shard_mask(nshards - 1) {}

  ~Impl() { clear(); }

  // High bits pick the shard; the shard's index probes from the low bits of the same hash.
  Shard &shard_of(std::uint64_t hash) noexcept { return shards[(hash >> 40) & shard_mask]; }

  // Takes e out of its shard's map; the caller holds s.mutex.
  static void unindex_locked(Shard &s, CacheEntry *e) {
    s.index.erase(e);
    e->indexed = false;
  }

  // --- policy side (policy mutex held) ---

  // Drops e if no handle holds it: out of its shard's map and its queue, then its cache reference.
  bool try_evict(CacheEntry *e) {
    auto &s = shard_of(e->hash);
    {
      std::lock_guard lock(s.mutex);
      if (e->refs.load(std::memory_order_acquire) != 1) return false;  // a handle, or a detacher's pin
      unindex_locked(s, e);
    }
    // S3-FIFO remembers what left the small queue unused, to admit it to main if it comes back.
    if (e->queue == kSmall) ghost.insert(e->id, std::max<std::size_t>(64, main.count() + small.count()));
    unlink(e);
    evicted.insert(e->id, kEvictedHistory);
    ++evictions;
    e->release();  // destroys it: the budget is refunded before make_room looks again
    return true;
  }

  // Takes e out of its queue, if it is in one.
  void unlink(CacheEntry *e) noexcept {
    switch (e->queue) {
      case kNone: return;
      case kSmall: return small.unlink(e);
      case kMain: return main.unlink(e);
      case kKeep: return keep.unlink(e);
      case kSpent: return spent.unlink(e);
      case kScheduled: return scheduled.unlink(e);
      default: return hinted.unlink(e);
    }
  }

  void move(CacheEntry *e, detail::EntryQueue &to) {
    unlink(e);
    to.push_head(e);
  }

  // Queues e by its hint: 0 to the spent queue (where it keeps its place), else its class, used at
  // time `stamp` of the policy clock.
  void place_hinted(CacheEntry *e, std::uint32_t uses, std::uint64_t stamp) {
    if (uses == 0) {
      if (e->queue != kSpent) move(e, spent);
      return;
    }
    unlink(e);
    hinted.push(e, uses, stamp);
  }

  // Queues e by the position of its next use; if the set cannot allocate, as if it had no hint.
  void place_scheduled(CacheEntry *e, std::uint64_t next_use) {
    unlink(e);
    if (!scheduled.push(e, next_use)) main.push_head(e);
  }

  void advance_schedule(const AcquireOptions &o) noexcept {
    if (o.schedule) schedule_clock = std::max(schedule_clock, o.schedule->now);
  }

  // Victims in this order: entries whose hint says nobody will ask again, the unhinted queues, the
  // hinted entries (a hint promises a use; no hint promises nothing), the scheduled entries (a
  // schedule says when). @p incoming is the next use of the entry that needs the room, if scheduled.
  bool evict_one(const std::optional<std::uint64_t> &incoming) {
    return evict_spent() || evict_unhinted() || evict_hinted() || evict_scheduled(incoming);
  }

  bool evict_spent() {
    for (auto *e = spent.tail(); e != nullptr;) {
      auto *newer = e->prev;
      const auto uses = e->remaining_uses.load(std::memory_order_relaxed);
      if (uses != 0) {
        place_hinted(e, uses, hint_clock);  // a hit gave it a new hint and has yet to move it
      } else if (try_evict(e)) {
        return true;
      }
      e = newer;
    }
    return false;
  }

  bool evict_hinted() {
    // Pinned candidates leave the queues for the scan (so the next best is looked at), chained by
    // their free `next` link (nothing to allocate, so nothing to throw under the lock), then return
    // as used now: they are in use.
    bool evicted = false;
    CacheEntry *aside = nullptr;
    while (auto *e = hinted.victim(hint_clock)) {
      if (try_evict(e)) {
        evicted = true;
        break;
      }
      hinted.unlink(e);
      e->next = std::exchange(aside, e);
    }
    while (aside != nullptr) {
      auto *e = std::exchange(aside, aside->next);
      place_hinted(e, e->remaining_uses.load(std::memory_order_relaxed), hint_clock);
    }
    return evicted;
  }

  // Calls f on the scheduled entries MIN would give up, in the order it gives them up, until f
  // returns true (then true): those whose next use has passed (the caller's schedule changed), then
  // the one read next farthest away, down to those read no later than @p incoming (a scheduled
  // miss's next use; without one, down to all). f may evict the entry it is given.
  template <class F>
  bool for_each_min_victim(const std::optional<std::uint64_t> &incoming, F f) const {
    const auto &by_next_use = scheduled.by_next_use();
    for (auto it = by_next_use.begin(); it != by_next_use.end() && std::get<0>(*it) < schedule_clock; ++it) {
      if (f(std::get<2>(*it))) return true;  // on true the loop ends: the erased node is not advanced
    }
    for (auto it = by_next_use.rbegin(); it != by_next_use.rend() && std::get<0>(*it) >= schedule_clock &&
                                         !(incoming && std::get<0>(*it) <= *incoming);
         ++it) {
      if (f(std::get<2>(*it))) return true;
    }
    return false;
  }

  bool evict_scheduled(const std::optional<std::uint64_t> &incoming) {
    return for_each_min_victim(incoming, [&](CacheEntry *e) { return try_evict(e); });
  }

  // Whether the room MIN would give up for a miss read next at @p next_use holds @p size bytes: the
  // free bytes, every entry of the classes evicted before the scheduled ones, and the scheduled
  // entries MIN gives up for it. Entries in use count too (the evictions find out): the point is
  // not to evict some entries for a miss that cannot get in anyway.
  bool min_admits(std::size_t size, std::uint64_t next_use) const {
    if (next_use == kNoNextUse) return false;  // never read again: not worth any entry
    const std::size_t used = core->used.load(std::memory_order_relaxed);
    std::size_t room = (options.budget > used ? options.budget - used : 0) + spent.bytes() + small.bytes() +
                       main.bytes() + hinted.bytes();
    return room >= size || for_each_min_victim(next_use, [&](const CacheEntry *e) { return (room += e->size) >= size; });
  }

  bool evict_unhinted() {
    if (options.policy != EvictionPolicy::s3fifo) {
      // LRU and FIFO: the oldest entry no handle holds.
      for (auto *e = main.tail(); e != nullptr; e = e->prev) {
        if (try_evict(e)) return true;
      }
      return false;
    }
    // S3-FIFO. Every step either evicts, lowers an access counter, or moves a pinned entry;
    // the bound stops a scan where every entry is pinned.
    const std::size_t small_target = options.budget / 10;
    for (std::size_t steps = 4 * (small.count() + main.count()) + 1; steps > 0; --steps) {
      const bool from_small = small.count() > 0 && (small.bytes() > small_target || main.count() == 0);
      if (!from_small && main.count() == 0) return false;
      auto *e = from_small ? small.tail() : main.tail();
      const auto f = e->freq.load(std::memory_order_relaxed);
      if (f == 0 && try_evict(e)) return true;
      // Re-used (small: its counter restarts; main: one pass less), or pinned, so in use.
      if (f > 0) e->freq.store(from_small ? 0 : static_cast<std::uint8_t>(f - 1), std::memory_order_relaxed);
      move(e, main);
    }
    return false;
  }

  // Evicts until @p size more bytes fit; false when they cannot (the miss is then served uncached).
  // A scheduled miss (@p incoming) evicts nothing unless MIN would let it in.
  bool make_room(std::size_t size, const std::optional<std::uint64_t> &incoming) {
    if (size > options.budget) return false;
    const auto fits = [&] { return core->used.load(std::memory_order_relaxed) + size <= options.budget; };
    if (fits()) return true;
    if (incoming && !min_admits(size, *incoming)) return false;
    while (!fits()) {
      if (!evict_one(incoming)) return false;
    }
    return true;
  }

  void enqueue(CacheEntry *e, const AcquireOptions &o) {
    if (o.retention == Retention::keep) {
      keep.push_head(e);
    } else if (o.schedule) {
      place_scheduled(e, o.schedule->next_use);
    } else if (o.remaining_uses != kUnknownUses) {
      place_hinted(e, o.remaining_uses, ++hint_clock);
    } else if (options.policy == EvictionPolicy::s3fifo && !ghost.contains(e->id)) {
      small.push_head(e);
    } else {
      ghost.erase(e->id);
      main.push_head(e);
    }
  }

  // --- detaching: invalidate, newer epochs ---

  // Takes e out of the index; the caller holds s.mutex. A pin keeps e alive until finish_detach.
  static void detach_locked(Shard &s, CacheEntry *e) {
    unindex_locked(s, e);
    e->retain();
  }

  // Drops the cache's reference of a detached entry: here if it is queued; if it is still being
  // filled, its filler drops it when the fill ends (it sees indexed == false).
  void finish_detach(CacheEntry *e) {
    {
      std::lock_guard lock(policy);
      ++invalidations;
      if (e->queue != kNone) {
        unlink(e);
        e->release();
      }
    }
    e->release();  // the pin
  }

  template <class Pred>
  std::size_t detach_if(Pred pred) {
    std::vector<CacheEntry *> dropped;
    for (std::size_t i = 0; i <= shard_mask; ++i) {
      std::lock_guard lock(shards[i].mutex);
      const std::size_t first = dropped.size();
      shards[i].index.for_each([&](CacheEntry *e) {
        if (pred(*e)) dropped.push_back(e);
      });
      for (std::size_t k = first; k < dropped.size(); ++k) detach_locked(shards[i], dropped[k]);
    }
    for (auto *e : dropped) finish_detach(e);
    return dropped.size();
  }

  std::size_t clear() {
    const std::size_t n = detach_if([](const CacheEntry &) { return true; });
    std::lock_guard lock(policy);
    if (scheduled.empty()) schedule_clock = 0;  // a new schedule may count its positions from 0 again
    return n;
  }

  // --- the acquire paths ---

  // A new handle's reference to an indexed entry (shard mutex held), and what it tells the policy.
  static void pin(CacheEntry *e, const AcquireOptions &o) {
    e->retain();
    if (const auto f = e->freq.load(std::memory_order_relaxed); f < 3) {
      e->freq.store(static_cast<std::uint8_t>(f + 1), std::memory_order_relaxed);
    }
    if (o.remaining_uses != kUnknownUses) e->remaining_uses.store(o.remaining_uses, std::memory_order_relaxed);
  }

  // Counts a hit on pinned, filled e, lets the shard go, then updates the policy.
  Result<CacheHandle> hit(Shard &s, std::unique_lock<std::mutex> &lock, CacheEntry *e, const AcquireOptions &o) {
    ++s.hits;
    s.bytes_saved += e->size;
    lock.unlock();
    after_hit(e, o);
    return CacheHandle(e);
  }

  // After a hit or a wait (e pinned, no lock held): the schedule or remaining-uses hint, or LRU order.
  void after_hit(CacheEntry *e, const AcquireOptions &o) {
    const bool hint = o.remaining_uses != kUnknownUses;
    if (!hint && !o.schedule && options.policy != EvictionPolicy::lru) return;
    std::lock_guard lock(policy);
    advance_schedule(o);
    if (e->queue == kNone || e->queue == kKeep) return;
    if (o.schedule) {
      place_scheduled(e, o.schedule->next_use);
    } else if (hint) {
      // The latest hint stored (pin), which concurrent hits may have overtaken this one's with.
      place_hinted(e, e->remaining_uses.load(std::memory_order_relaxed), ++hint_clock);
    } else if (e->queue == kMain) {
      move(e, main);
    }
  }

  Result<CacheHandle> wait_for(CacheEntry *e, const AcquireOptions &o) {
    auto state = e->state.load(std::memory_order_acquire);
    while (state == EntryState::filling) {
      e->state.wait(EntryState::filling, std::memory_order_acquire);
      state = e->state.load(std::memory_order_acquire);
    }
    if (state == EntryState::failed) {
      Error error = *e->error;
      e->release();
      return error;
    }
    waits.fetch_add(1, std::memory_order_relaxed);
    wait_bytes.fetch_add(e->size, std::memory_order_relaxed);
    after_hit(e, o);  // the filler queued e before publishing it
    return CacheHandle(e);
  }

  void publish(CacheEntry *e, EntryState state) {
    e->state.store(state, std::memory_order_release);
    e->state.notify_all();
  }

  // The filler of e (which holds the cache reference and the filler's).
  Result<CacheHandle> fill(CacheEntry *e, FillRef fill, const AcquireOptions &o) {
    auto &s = shard_of(e->hash);
    {
      std::lock_guard lock(policy);
      ++(evicted.contains(e->id) ? capacity : cold);
      advance_schedule(o);
      const bool scheduled_miss = o.schedule && o.retention != Retention::keep;  // keep entries ignore it
      if (make_room(e->size, scheduled_miss ? std::optional(o.schedule->next_use) : std::nullopt)) {
        core->used.fetch_add(e->size, std::memory_order_relaxed);
        e->charged = true;
      } else {
        ++bypasses;  // served from a buffer of its own; waiters that found it share it
        evicted.insert(e->id, kEvictedHistory);  // so that its next miss counts as a capacity miss
        std::lock_guard shard_lock(s.mutex);
        if (e->indexed) unindex_locked(s, e);
      }
    }
    auto filled = [&]() -> Result<void> {
      auto data = core->allocate(e->size);
      if (!data) return data.error();
      e->data = *data;
      const FillingHere mark(e);
      try {
        return fill.call(fill.object, {e->data, e->size});
      } catch (const std::exception &ex) {
        return Error(Errc::io_error, std::string("fill threw: ") + ex.what());
      } catch (...) {
        return Error(Errc::io_error, "fill threw a non-standard exception");
      }
    };
    const auto start = std::chrono::steady_clock::now();
    auto ok = filled();
    const auto ns = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count());

    bool keep_ref;
    {
      std::lock_guard lock(policy);
      fill_ns_total += ns;
      fill_ns_max = std::max(fill_ns_max, ns);
      bytes_loaded += ok ? e->size : 0;
      failures += ok ? 0 : 1;
      std::lock_guard shard_lock(s.mutex);
      if (!ok && e->indexed) unindex_locked(s, e);  // a failed fill leaves no entry behind
      keep_ref = e->indexed;
      if (keep_ref) enqueue(e, o);
    }
    if (!keep_ref) e->release();  // detached (invalidated, bypassed or failed): the cache lets go
    if (!ok) {
      e->error = ok.error();
      publish(e, EntryState::failed);
      e->release();
      return ok.error();
    }
    publish(e, EntryState::ready);
    return CacheHandle(e);
  }

  Result<CacheHandle> acquire(DataId id, std::size_t size, FillRef fill, const AcquireOptions &o) {
    if (auto ok = check_request(id, size, o); !ok) return ok.error();
    const std::uint64_t h = id.hash();
    auto &s = shard_of(h);
    CacheEntry *stale = nullptr;
    CacheEntry *e;
    {
      std::unique_lock lock(s.mutex);
      e = s.index.find(id, h);
      if (e != nullptr) {
        if (e->epoch == o.epoch) {
          if (e->size != size || (e->layout != 0 && o.layout != 0 && e->layout != o.layout)) {
            return shape_error(*e, size);
          }
          if (e->state.load(std::memory_order_acquire) == EntryState::filling && FillingHere::includes(e)) {
            return Error(Errc::invalid_argument, "WorkerCache::acquire: data id " + id.to_string() +
                                                     " inside its own fill would wait for itself");
          }
          pin(e, o);
          if (e->state.load(std::memory_order_acquire) != EntryState::ready) {
            lock.unlock();
            return wait_for(e, o);
          }
          return hit(s, lock, e, o);
        }
        if (e->epoch > o.epoch) {
          return Error(Errc::version_mismatch, "WorkerCache: data id " + id.to_string() + " is cached at epoch " +
                                                   std::to_string(e->epoch) + "; this acquire asks for epoch " +
                                                   std::to_string(o.epoch));
        }
        stale = e;
        detach_locked(s, e);
      }
      e = new CacheEntry(core, id, h, o.epoch, o.layout, size);
      e->remaining_uses.store(o.remaining_uses, std::memory_order_relaxed);
      e->retain();  // the filler's; the first reference is the cache's
      s.index.insert(e);
    }
    if (stale != nullptr) finish_detach(stale);
    return this->fill(e, fill, o);
  }

  Result<CacheHandle> find(DataId id, const AcquireOptions &o) {
    if (auto ok = check_request(id, 1, o); !ok) return ok.error();
    const std::uint64_t h = id.hash();
    auto &s = shard_of(h);
    std::unique_lock lock(s.mutex);
    auto *e = s.index.find(id, h);
    if (e == nullptr || e->epoch != o.epoch || e->state.load(std::memory_order_acquire) != EntryState::ready) {
      return Error(Errc::not_found, "WorkerCache::find: data id " + id.to_string() + " at epoch " +
                                        std::to_string(o.epoch) + " is not cached (or not filled yet)");
    }
    pin(e, o);
    return hit(s, lock, e, o);
  }
};

Result<WorkerCache> WorkerCache::create(CacheOptions options) {
  if (options.budget == 0) return Error(Errc::invalid_argument, "WorkerCache: budget 0");
  if (options.shards != 0 && (!std::has_single_bit(options.shards) || options.shards > kMaxShards)) {
    return Error(Errc::invalid_argument, "WorkerCache: shards = " + std::to_string(options.shards) +
                                             " is not a power of two up to " + std::to_string(kMaxShards));
  }
  if (options.placement != Placement::host &&
      (options.stream.kind() != StreamKind::cuda && options.stream.kind() != StreamKind::hip)) {
    return Error(Errc::invalid_argument, std::string("WorkerCache: placement ") + placement_name(options.placement) +
                                             " needs a GPU stream (got a " +
                                             stream_kind_name(options.stream.kind()) + " stream)");
  }
  const std::size_t threads = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t shards =
      options.shards != 0 ? options.shards : std::min(kMaxShards, std::bit_ceil(std::max<std::size_t>(64, 16 * threads)));
  return WorkerCache(std::make_unique<Impl>(std::move(options), shards));
}

Result<void> WorkerCache::check_request(const DataId &id, std::size_t size, const AcquireOptions &o) {
  if (size == 0) return Error(Errc::invalid_argument, "WorkerCache: size 0 for data id " + id.to_string());
  if (!o.schedule) return success();
  const auto [now, next_use] = *o.schedule;
  if (now == kNoNextUse || next_use < now) {
    return Error(Errc::invalid_argument, "WorkerCache: data id " + id.to_string() + ": schedule now " +
                                             std::to_string(now) + ", next_use " + std::to_string(next_use) +
                                             (now == kNoNextUse ? ": now must be below kNoNextUse" : ": next_use is before now"));
  }
  return success();
}

WorkerCache::WorkerCache(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
WorkerCache::WorkerCache(WorkerCache &&) noexcept = default;
WorkerCache &WorkerCache::operator=(WorkerCache &&) noexcept = default;
WorkerCache::~WorkerCache() = default;

Result<CacheHandle> WorkerCache::acquire_with(DataId id, std::size_t size, FillRef fill, const AcquireOptions &options) {
  if (!impl_) return Error::moved_from("WorkerCache", "acquire");
  return impl_->acquire(id, size, fill, options);
}

Result<CacheHandle> WorkerCache::find(DataId id, const AcquireOptions &options) {
  if (!impl_) return Error::moved_from("WorkerCache", "find");
  return impl_->find(id, options);
}

bool WorkerCache::invalidate(DataId id) {
  if (!impl_) return false;
  const std::uint64_t h = id.hash();
  auto &s = impl_->shard_of(h);
  CacheEntry *e;
  {
    std::lock_guard lock(s.mutex);
    e = s.index.find(id, h);
    if (e == nullptr) return false;
    Impl::detach_locked(s, e);
  }
  impl_->finish_detach(e);
  return true;
}

std::size_t WorkerCache::invalidate_epochs_before(std::uint64_t epoch) {
  if (!impl_) return 0;
  return impl_->detach_if([epoch](const CacheEntry &e) { return e.epoch < epoch; });
}

std::size_t WorkerCache::clear() { return impl_ ? impl_->clear() : 0; }

CacheStats WorkerCache::stats() const {
  CacheStats st;
  if (!impl_) return st;
  for (std::size_t i = 0; i <= impl_->shard_mask; ++i) {
    std::lock_guard lock(impl_->shards[i].mutex);
    st.hits += impl_->shards[i].hits;
    st.bytes_saved += impl_->shards[i].bytes_saved;
    st.entries += impl_->shards[i].index.size();
  }
  st.waits = impl_->waits.load(std::memory_order_relaxed);
  st.bytes_saved += impl_->wait_bytes.load(std::memory_order_relaxed);
  std::lock_guard lock(impl_->policy);
  st.cold_misses = impl_->cold;
  st.capacity_misses = impl_->capacity;
  st.bypasses = impl_->bypasses;
  st.evictions = impl_->evictions;
  st.invalidations = impl_->invalidations;
  st.fill_failures = impl_->failures;
  st.bytes_loaded = impl_->bytes_loaded;
  st.fill_ns_total = impl_->fill_ns_total;
  st.fill_ns_max = impl_->fill_ns_max;
  st.bytes_cached = impl_->core->used.load(std::memory_order_relaxed);
  st.budget = impl_->options.budget;
  return st;
}

const CacheOptions &WorkerCache::options() const noexcept {
  static const CacheOptions none{};
  return impl_ ? impl_->options : none;
}

}  // namespace unimem::cache
