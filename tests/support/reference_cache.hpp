// Reference models of cache policies on a trace of unit-size items, written for clarity: the unit
// tests check WorkerCache's LRU and FIFO against them, and bench/cache compares S3-FIFO with them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
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

}  // namespace unimem::test
