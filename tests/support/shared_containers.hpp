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
  auto dir = Directory<>::open(alloc);
  if (!dir) return dir.error().what();
  auto v = dir->find<SharedVector>("numbers");
  auto s = dir->find<string>("greeting");
  auto l = dir->find<SharedList>("countdown");
  auto m = dir->find<SharedMap>("squares");
  auto q = dir->find<SharedQueue>("jobs");
  if (!v || !s || !l || !m || !q) return "a named container is missing";
  if (dir->find<SharedList>("numbers")) return "a vector was found as a list";
  if (v->size() != 1000) return "vector size " + std::to_string(v->size());
  for (std::uint64_t i = 0; i < 1000; ++i) {
    if ((*v)[i] != i) return "vector element " + std::to_string(i);
    auto it = m->find(i);
    if (it == m->end() || it->second != i * i) return "map key " + std::to_string(i);
  }
  if (*s != "hello from the parent") return "string is '" + s->str() + "'";
  std::int32_t expect = 99;
  for (std::int32_t x : *l) {
    if (x != expect--) return "list order";
  }
  for (std::uint64_t i = 0; i < 100; ++i) {
    std::uint64_t got = 0;
    if (!q->try_pop(got) || got != i) return "queue element " + std::to_string(i);
  }
  // extend everything in place
  for (std::uint64_t i = 1000; i < 3000; ++i) {
    if (!v->push_back(i) || !m->emplace(i, i * i).second) return "extending failed";
  }
  if (!s->append(", and the child")) return "string append failed";
  if (!l->push_back(-1)) return "list append failed";
  for (std::uint64_t i = 0; i < 50; ++i) (void)q->try_push(1000 + i);
  auto made = dir->create<SharedVector>("from-child");
  if (!made || !made->push_back(42)) return "creating a container in the child failed";
  return {};
}

inline std::string check_child_extension(ThreadLocalAllocator &alloc) {
  auto dir = Directory<>::open(alloc);
  if (!dir) return dir.error().what();
  auto v = dir->find<SharedVector>("numbers");
  auto s = dir->find<string>("greeting");
  auto l = dir->find<SharedList>("countdown");
  auto m = dir->find<SharedMap>("squares");
  auto q = dir->find<SharedQueue>("jobs");
  auto c = dir->find<SharedVector>("from-child");
  if (!v || !s || !l || !m || !q || !c) return "a named container is missing";
  if (v->size() != 3000 || (*v)[2999] != 2999) return "vector not extended";
  if (m->size() != 3000 || m->find(2999)->second != 2999ull * 2999) return "map not extended";
  if (*s != "hello from the parent, and the child") return "string is '" + s->str() + "'";
  if (l->size() != 101 || l->back() != -1) return "list not extended";
  if (q->size() != 50 || q->pop() != 1000) return "queue not extended";
  if (c->size() != 1 || (*c)[0] != 42) return "child's vector";
  return {};
}

}  // namespace unimem::test
