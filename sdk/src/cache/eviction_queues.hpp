// The bookkeeping of WorkerCache's eviction policies, all guarded by the cache's policy mutex:
// intrusive FIFO queues of entries (counted in entries and bytes), the classes of hinted entries,
// the scheduled entries by next use, and bounded sets of ids.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <new>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "unimem/cache/data_id.hpp"
#include "unimem/cache/detail/cache_entry.hpp"

namespace unimem::cache::detail {

// Newest at head, oldest at tail; an entry is in at most one queue (entry.queue names it).
class EntryQueue {
 public:
  explicit EntryQueue(std::uint8_t tag) noexcept : tag_(tag) {}

  void push_head(CacheEntry *e) noexcept {
    e->queue = tag_;
    e->prev = nullptr;
    e->next = head_;
    (head_ ? head_->prev : tail_) = e;
    head_ = e;
    ++count_;
    bytes_ += e->size;
  }
  void unlink(CacheEntry *e) noexcept {
    (e->prev ? e->prev->next : head_) = e->next;
    (e->next ? e->next->prev : tail_) = e->prev;
    e->prev = e->next = nullptr;
    e->queue = 0;
    --count_;
    bytes_ -= e->size;
  }
  CacheEntry *tail() const noexcept { return tail_; }
  std::size_t count() const noexcept { return count_; }
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  std::uint8_t tag_;
  CacheEntry *head_ = nullptr, *tail_ = nullptr;
  std::size_t count_ = 0, bytes_ = 0;
};

// Entries with a remaining-uses hint above 0, with the policy clock (hinted acquires so far) at their
// latest hinted acquire, or at the latest eviction scan that found them in use (entry.stamp). The
// victim is the entry with the largest (clock - stamp) / uses^1.5, an estimate of how far away its
// next use is: in a shuffled task order an id with u uses left among the worker's tasks comes back
// after about 1/u of them (fewer uses, farther), in a sweep the ids used longest ago are the ones
// the sweep has passed (older, farther); the exponent weighs the two (1 loses random orders, 2
// loses sweeps: bench/cache's Superbin traces, docs/benchmarks.md). One LRU queue
// per class of hint values (exact below 16, then four classes per power of two), so the victim is
// the best of the queues' oldest entries: exact for hints below 16, and above them within a class
// the hints differ by less than 25%.
class HintedQueues {
 public:
  static constexpr std::size_t kClasses = 16 + 28 * 4;  // every std::uint32_t hint (class 0 stays empty)
  static constexpr std::size_t class_of(std::uint32_t uses) noexcept {
    if (uses < 16) return uses;
    const int log = std::bit_width(uses) - 1;  // 4..31
    return 16 + static_cast<std::size_t>(log - 4) * 4 + ((uses >> (log - 2)) & 3);
  }

  /// @param first_tag the queue tag of class 0; classes use tags first_tag .. first_tag + kClasses - 1.
  explicit HintedQueues(std::uint8_t first_tag) noexcept
      : queues_([first_tag]<std::size_t... I>(std::index_sequence<I...>) {
          return std::array<EntryQueue, kClasses>{EntryQueue(static_cast<std::uint8_t>(first_tag + I))...};
        }(std::make_index_sequence<kClasses>{})),
        first_tag_(first_tag) {}

  void push(CacheEntry *e, std::uint32_t uses, std::uint64_t stamp) noexcept {
    const std::size_t c = class_of(uses);
    e->stamp = stamp;
    queues_[c].push_head(e);
    nonempty_[c / 64] |= std::uint64_t{1} << (c % 64);
    bytes_ += e->size;
  }
  void unlink(CacheEntry *e) noexcept {
    const auto c = static_cast<std::size_t>(e->queue - first_tag_);
    queues_[c].unlink(e);
    if (queues_[c].count() == 0) nonempty_[c / 64] &= ~(std::uint64_t{1} << (c % 64));
    bytes_ -= e->size;
  }
  std::size_t bytes() const noexcept { return bytes_; }

  /// @brief Of the classes' oldest entries, the one whose next use looks farthest away at time
  /// @p clock; nullptr when empty. On equal estimates the smaller hint goes.
  CacheEntry *victim(std::uint64_t clock) const noexcept {
    CacheEntry *best = nullptr;
    double best_score = -1;
    for (std::size_t w = 0; w < nonempty_.size(); ++w) {
      for (std::uint64_t bits = nonempty_[w]; bits != 0; bits &= bits - 1) {
        CacheEntry *e = queues_[w * 64 + static_cast<std::size_t>(std::countr_zero(bits))].tail();
        // At least 1: a hit may have set the hint to 0 and not yet moved the entry to the spent queue.
        const double uses = std::max(1u, e->remaining_uses.load(std::memory_order_relaxed));
        const double score = static_cast<double>(clock - e->stamp) / (uses * std::sqrt(uses));
        if (score > best_score) {
          best = e;
          best_score = score;
        }
      }
    }
    return best;
  }

 private:
  std::array<EntryQueue, kClasses> queues_;
  std::array<std::uint64_t, (kClasses + 63) / 64> nonempty_{};
  std::uint8_t first_tag_;
  std::size_t bytes_ = 0;
};
static_assert(HintedQueues::class_of(1) == 1 && HintedQueues::class_of(15) == 15 && HintedQueues::class_of(16) == 16 &&
              HintedQueues::class_of(20) == 17 && HintedQueues::class_of(31) == 19 && HintedQueues::class_of(32) == 20 &&
              HintedQueues::class_of(UINT32_MAX) == HintedQueues::kClasses - 1);

// Entries with a schedule hint, ordered by the position of their next use (entry.stamp), then by
// id hash, so that ties go the same way in every run.
class ScheduledEntries {
 public:
  using Key = std::tuple<std::uint64_t, std::uint64_t, CacheEntry *>;  // next use, hash, entry
  using Set = std::set<Key>;
  explicit ScheduledEntries(std::uint8_t tag) noexcept : tag_(tag) {}

  /// @return false, with e left out, when the set cannot allocate its node.
  bool push(CacheEntry *e, std::uint64_t next_use) noexcept {
    try {
      by_next_use_.emplace(next_use, e->hash, e);
    } catch (const std::bad_alloc &) {
      return false;
    }
    e->queue = tag_;
    e->stamp = next_use;
    return true;
  }
  void unlink(CacheEntry *e) noexcept {
    [[maybe_unused]] const auto erased = by_next_use_.erase({e->stamp, e->hash, e});
    assert(erased == 1);
    e->queue = 0;
  }
  bool empty() const noexcept { return by_next_use_.empty(); }
  /// Soonest next use first; unlink() leaves iterators to other entries valid.
  const Set &by_next_use() const noexcept { return by_next_use_; }

 private:
  Set by_next_use_;
  std::uint8_t tag_;
};

// A set of at most `capacity` ids that forgets the oldest insertion first.
class IdHistory {
 public:
  bool contains(const DataId &id) const { return live_.contains(id); }
  void erase(const DataId &id) { live_.erase(id); }
  void insert(const DataId &id, std::size_t capacity) {
    live_[id] = ++clock_;
    order_.emplace_back(id, clock_);
    while (live_.size() > capacity || order_.size() > 2 * capacity + 16) {
      const auto [old, stamp] = order_.front();
      order_.pop_front();
      // Skip stale records of ids erased or inserted again since.
      if (auto it = live_.find(old); it != live_.end() && it->second == stamp) live_.erase(it);
    }
  }

 private:
  std::unordered_map<DataId, std::uint64_t> live_;  // id -> stamp of its newest insertion
  std::deque<std::pair<DataId, std::uint64_t>> order_;
  std::uint64_t clock_ = 0;
};

}  // namespace unimem::cache::detail
