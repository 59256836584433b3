// The containers the multi-process tests share: the test process writes them into a region by name
// (write_parent_containers), the helper process attaches, checks and extends them in place
// (check_parent_extend_as_child), and the test checks the extension (check_child_extension).
// One definition for both programs, so the two sides cannot drift apart.
#pragma once

#include <cstdint>
#include <string>

#include "unimem/containers/directory.hpp"
#include "unimem/containers/list.hpp"
#include "unimem/containers/mpmc_queue.hpp"
#include "unimem/containers/string.hpp"
#include "unimem/containers/unordered_map.hpp"
#include "unimem/containers/vector.hpp"

namespace unimem::test {

using SharedVector = vector<std::uint64_t>;
using SharedMap = unordered_map<std::uint64_t, std::uint64_t>;
using SharedList = list<std::int32_t>;
using SharedQueue = mpmc_queue<std::uint64_t>;

/// The named containers, as either process sees them.
struct SharedContainers {
  SharedVector numbers;
  string greeting;
  SharedList countdown;
  SharedMap squares;
  SharedQueue jobs;
};

/// Finds every named container in @p alloc's region. @return an empty string, or what is missing.
inline std::string find_shared(ThreadLocalAllocator &alloc, SharedContainers &out) {
  auto dir = Directory<>::open(alloc);
  if (!dir) return dir.error().what();
  auto v = dir->find<SharedVector>("numbers");
  auto s = dir->find<string>("greeting");
  auto l = dir->find<SharedList>("countdown");
  auto m = dir->find<SharedMap>("squares");
  auto q = dir->find<SharedQueue>("jobs");
  if (!v || !s || !l || !m || !q) return "a named container is missing";
  out = {*v, *s, *l, *m, *q};
  return {};
}

/// @return an empty string on success, else what failed.
inline std::string write_parent_containers(ThreadLocalAllocator &alloc) {
  auto dir = Directory<>::open(alloc);
  if (!dir) return dir.error().what();
  auto v = dir->create<SharedVector>("numbers");
  auto s = dir->create<string>("greeting", "hello from the parent");
  auto l = dir->create<SharedList>("countdown");
  auto m = dir->create<SharedMap>("squares", 4096);
  auto q = dir->create<SharedQueue>("jobs", 256);
  if (!v || !s || !l || !m || !q) return "creating the named containers failed";
  for (std::uint64_t i = 0; i < 1000; ++i) {
    if (!v->push_back(i) || !m->emplace(i, i * i).second) return "filling failed";
  }
  for (std::int32_t i = 0; i < 100; ++i) {
    if (!l->push_front(i)) return "list failed";
  }
  for (std::uint64_t i = 0; i < 100; ++i) {
    if (!q->try_push(i)) return "queue failed";
  }
  return {};
}

inline std::string check_parent_extend_as_child(ThreadLocalAllocator &alloc) {
  SharedContainers c;
  if (std::string why = find_shared(alloc, c); !why.empty()) return why;
  auto dir = Directory<>::open(alloc);
  if (dir->find<SharedList>("numbers")) return "a vector was found as a list";
  if (c.numbers.size() != 1000) return "vector size " + std::to_string(c.numbers.size());
  for (std::uint64_t i = 0; i < 1000; ++i) {
    if (c.numbers[i] != i) return "vector element " + std::to_string(i);
    auto it = c.squares.find(i);
    if (it == c.squares.end() || it->second != i * i) return "map key " + std::to_string(i);
  }
  if (c.greeting != "hello from the parent") return "string is '" + c.greeting.str() + "'";
  std::int32_t expect = 99;
  for (std::int32_t x : c.countdown) {
    if (x != expect--) return "list order";
  }
  for (std::uint64_t i = 0; i < 100; ++i) {
    std::uint64_t got = 0;
    if (!c.jobs.try_pop(got) || got != i) return "queue element " + std::to_string(i);
  }
  // extend everything in place
  for (std::uint64_t i = 1000; i < 3000; ++i) {
    if (!c.numbers.push_back(i) || !c.squares.emplace(i, i * i).second) return "extending failed";
  }
  if (!c.greeting.append(", and the child")) return "string append failed";
  if (!c.countdown.push_back(-1)) return "list append failed";
  for (std::uint64_t i = 0; i < 50; ++i) (void)c.jobs.try_push(1000 + i);
  auto made = dir->create<SharedVector>("from-child");
  if (!made || !made->push_back(42)) return "creating a container in the child failed";
  return {};
}

inline std::string check_child_extension(ThreadLocalAllocator &alloc) {
  SharedContainers c;
  if (std::string why = find_shared(alloc, c); !why.empty()) return why;
  auto child = Directory<>::open(alloc)->find<SharedVector>("from-child");
  if (!child) return "a named container is missing";
  if (c.numbers.size() != 3000 || c.numbers[2999] != 2999) return "vector not extended";
  if (c.squares.size() != 3000 || c.squares.find(2999)->second != 2999ull * 2999) return "map not extended";
  if (c.greeting != "hello from the parent, and the child") return "string is '" + c.greeting.str() + "'";
  if (c.countdown.size() != 101 || c.countdown.back() != -1) return "list not extended";
  if (c.jobs.size() != 50 || c.jobs.pop() != 1000) return "queue not extended";
  if (child->size() != 1 || (*child)[0] != 42) return "child's vector";
  return {};
}

}  // namespace unimem::test
