// The hotness table: prefetches that found their pages already in place, per page.
#include "hotness.hpp"

#include <array>
#include <mutex>
#include <unordered_map>

#include "unimem/core/units.hpp"
#include "unimem/gmem/gmem.hpp"

namespace unimem::gmem {

namespace {

// Keyed by (page start | log2 page size): pages of different sizes never share a key, since a
// page start is a multiple of its size and the log2 fits in the low bits a 4 KiB page leaves zero.
std::uint64_t key(std::uint64_t page_start, std::uint64_t page_size) noexcept {
  return page_start | static_cast<std::uint64_t>(__builtin_ctzll(page_size));
}

class HotnessTable {
 public:
  void mark(const PageRange &range, std::uint64_t page) {
    for (std::uint64_t p = align_down(range.begin, page); p < range.end; p += page) {
      auto &s = shard(p);
      std::lock_guard lock(s.m);
      ++s.counts[key(p, page)];
    }
  }
  void forget(const PageRange &range, std::uint64_t page) {
    for (std::uint64_t p = range.begin; p < range.end; p += page) {
      auto &s = shard(p);
      std::lock_guard lock(s.m);
      s.counts.erase(key(p, page));
    }
  }
  std::uint32_t count(std::uint64_t page_start, std::uint64_t page) {
    auto &s = shard(page_start);
    std::lock_guard lock(s.m);
    auto it = s.counts.find(key(page_start, page));
    return it == s.counts.end() ? 0 : it->second;
  }
  void clear() {
    for (auto &s : shards_) {
      std::lock_guard lock(s.m);
      s.counts.clear();
    }
  }

 private:
  struct Shard {
    std::mutex m;
    std::unordered_map<std::uint64_t, std::uint32_t> counts;
  };
  Shard &shard(std::uint64_t page_start) { return shards_[(page_start * 0x9E3779B97F4A7C15ull) >> 60]; }
  std::array<Shard, 16> shards_;
};

HotnessTable &table() {
  static HotnessTable t;
  return t;
}

}  // namespace

namespace detail {
void mark_hot(const PageRange &range, std::uint64_t page) { table().mark(range, page); }
void forget_hot(const PageRange &range, std::uint64_t page) { table().forget(range, page); }
}  // namespace detail

std::uint32_t hotness(const void *addr, std::size_t page_size) {
  if (!is_pow2(page_size) || page_size < 4 * KiB) return 0;  // no operation uses such a page
  return table().count(align_down(reinterpret_cast<std::uintptr_t>(addr), page_size), page_size);
}

void clear_hotness() { table().clear(); }

}  // namespace unimem::gmem
