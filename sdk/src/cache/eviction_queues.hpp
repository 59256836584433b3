// The bookkeeping of WorkerCache's eviction policies, all guarded by the cache's policy mutex:
// intrusive FIFO queues of entries (counted in entries and bytes) and bounded sets of ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
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
