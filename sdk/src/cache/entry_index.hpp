// The id -> entry index of one WorkerCache shard, guarded by the shard's mutex. Open addressing with
// linear probing over a power-of-two array of (hash, entry) slots, at most half full; erase shifts
// the rest of the run back, so there are no tombstones. A look-up reads one slot and then the entry,
// which a hit touches anyway: std::unordered_map also reads a bucket and a node first, two more
// cache misses on the hit path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "unimem/cache/data_id.hpp"
#include "unimem/cache/detail/cache_entry.hpp"

namespace unimem::cache::detail {

class EntryIndex {
 public:
  /// @brief @p id's entry or nullptr; @p h is id.hash(), which the caller has to pick the shard.
  CacheEntry *find(const DataId &id, std::uint64_t h) const noexcept {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = h & mask();; i = (i + 1) & mask()) {
      const Slot &s = slots_[i];
      if (s.entry == nullptr) return nullptr;
      if (s.hash == h && s.entry->id == id) return s.entry;
    }
  }

  /// @brief Adds @p e, whose id is not in the index.
  void insert(CacheEntry *e) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    place(slots_, Slot{e->hash, e});
    ++size_;
  }

  /// @brief Removes @p e if it is indexed (found by its stored hash and its address: no id compare).
  void erase(const CacheEntry *e) noexcept {
    if (slots_.empty()) return;
    std::size_t hole = e->hash & mask();
    while (slots_[hole].entry != nullptr && slots_[hole].entry != e) hole = (hole + 1) & mask();
    if (slots_[hole].entry == nullptr) return;
    --size_;
    // Backward shift: pull each later slot of the run into the hole unless its home lies
    // cyclically in (hole, i], where it must stay to remain reachable.
    for (std::size_t i = (hole + 1) & mask(); slots_[i].entry != nullptr; i = (i + 1) & mask()) {
      const std::size_t home = slots_[i].hash & mask();
      if (((i - home) & mask()) >= ((i - hole) & mask())) {
        slots_[hole] = slots_[i];
        hole = i;
      }
    }
    slots_[hole] = Slot{};
  }

  template <class F>
  void for_each(F &&f) const {
    for (const Slot &s : slots_) {
      if (s.entry != nullptr) f(s.entry);
    }
  }

  std::size_t size() const noexcept { return size_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    CacheEntry *entry = nullptr;  // nullptr: empty
  };

  std::size_t mask() const noexcept { return slots_.size() - 1; }

  static void place(std::vector<Slot> &slots, Slot s) noexcept {
    const std::size_t m = slots.size() - 1;
    std::size_t i = s.hash & m;
    while (slots[i].entry != nullptr) i = (i + 1) & m;
    slots[i] = s;
  }

  void grow() {
    std::vector<Slot> bigger(slots_.empty() ? 16 : 2 * slots_.size());
    for (const Slot &s : slots_) {
      if (s.entry != nullptr) place(bigger, s);
    }
    slots_.swap(bigger);
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace unimem::cache::detail
