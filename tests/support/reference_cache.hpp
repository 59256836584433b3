// Reference models of cache policies on a trace of unit-size items, written for clarity: the unit
// tests check WorkerCache's LRU, FIFO, hinted and scheduled policies against them, and bench/cache
// compares the cache with them.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <list>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

namespace unimem::test {

/// @brief Hits of LRU (or FIFO when @p lru is false) with room for @p slots items.
inline std::size_t reference_hits(const std::vector<std::uint64_t> &trace, std::size_t slots, bool lru) {
  std::list<std::uint64_t> order;  // front = next victim
  std::unordered_map<std::uint64_t, std::list<std::uint64_t>::iterator> where;
  std::size_t hits = 0;
  for (auto k : trace) {
    if (auto it = where.find(k); it != where.end()) {
      ++hits;
      if (lru) order.splice(order.end(), order, it->second);
      continue;
    }
    if (order.size() == slots) {
      where.erase(order.front());
      order.pop_front();
    }
    where[k] = order.insert(order.end(), k);
  }
  return hits;
}

/// For each acquire of @p trace, the index of the next acquire of the same id, or kNever (which is
/// WorkerCache's kNoNextUse, so the values are schedules as they are).
inline constexpr std::uint64_t kNever = UINT64_MAX;
inline std::vector<std::uint64_t> next_uses(const std::vector<std::uint64_t> &trace) {
  std::vector<std::uint64_t> next(trace.size());
  std::unordered_map<std::uint64_t, std::uint64_t> later;
  for (std::size_t t = trace.size(); t-- > 0;) {
    auto it = later.find(trace[t]);
    next[t] = it == later.end() ? kNever : it->second;
    later[trace[t]] = t;
  }
  return next;
}

/// @brief Hits of Belady's MIN with room for @p slots items: on a miss with the cache full, drop
/// whichever of the cached items and the new one is next used farthest in the future (the new one
/// may be the one not kept; on a tie it is).
inline std::size_t reference_min_hits(const std::vector<std::uint64_t> &trace, std::size_t slots) {
  const auto next = next_uses(trace);
  std::set<std::pair<std::uint64_t, std::uint64_t>> by_next;  // (next use, id) of cached ids
  std::unordered_map<std::uint64_t, std::uint64_t> cached;     // id -> its next use
  std::size_t hits = 0;
  for (std::size_t t = 0; t < trace.size(); ++t) {
    const auto k = trace[t];
    if (auto it = cached.find(k); it != cached.end()) {
      ++hits;
      by_next.erase({it->second, k});
      it->second = next[t];
      by_next.insert({next[t], k});
      continue;
    }
    if (cached.size() == slots) {
      auto farthest = std::prev(by_next.end());
      if (farthest->first <= next[t]) continue;
      cached.erase(farthest->second);
      by_next.erase(farthest);
    }
    cached[k] = next[t];
    by_next.insert({next[t], k});
  }
  return hits;
}

/// @brief Hits of WorkerCache's hinted policy on (id, remaining-uses hint) acquires with room for
/// @p slots items: ids at hint 0 go first, oldest first; then the id with the largest
/// (acquires since its latest one) / hint^1.5, the smaller hint on a tie. Exact for hints below 16
/// (the cache groups larger hints in classes).
inline std::size_t reference_hinted_hits(const std::vector<std::pair<std::uint64_t, std::uint32_t>> &trace,
                                         std::size_t slots) {
  struct Item {
    std::uint32_t hint;
    std::uint64_t stamp;  // hint > 0: the clock at its latest acquire; hint 0: its place in line
  };
  std::unordered_map<std::uint64_t, Item> cached;
  std::uint64_t clock = 0, line = 0;
  std::size_t hits = 0;
  auto score = [&](const Item &i) {
    const double uses = i.hint;
    return static_cast<double>(clock - i.stamp) / (uses * std::sqrt(uses));
  };
  auto goes_before = [&](const Item &a, const Item &b) {
    if ((a.hint == 0) != (b.hint == 0)) return a.hint == 0;
    if (a.hint == 0) return a.stamp < b.stamp;
    return score(a) > score(b) || (score(a) == score(b) && a.hint < b.hint);
  };
  for (auto [k, hint] : trace) {
    if (auto it = cached.find(k); it != cached.end()) {
      ++hits;
      ++clock;
      if (hint != 0) {
        it->second = {hint, clock};
      } else if (it->second.hint != 0) {
        it->second = {0, ++line};  // joins the line; one already in it keeps its place
      }
      continue;
    }
    if (cached.size() == slots) {
      auto victim = cached.begin();
      for (auto it = cached.begin(); it != cached.end(); ++it) {
        if (goes_before(it->second, victim->second)) victim = it;
      }
      cached.erase(victim);
    }
    ++clock;  // after the eviction: the new id's acquire is not in the past of the others
    cached[k] = hint != 0 ? Item{hint, clock} : Item{0, ++line};
  }
  return hits;
}

}  // namespace unimem::test
