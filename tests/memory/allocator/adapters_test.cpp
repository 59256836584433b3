#include <gtest/gtest.h>

#include <map>
#include <memory_resource>
#include <string>
#include <vector>

#include "allocator_fixtures.hpp"
#include "unimem/memory/allocator/memory_resource.hpp"
#include "unimem/memory/allocator/stl_allocator.hpp"

using namespace unimem;

TEST(StlAllocator, StdContainersLiveInTheRegion) {
  test::TlaFixture<CheckLevel::full> f(64u << 20);
  char *lo = f.backend->base(), *hi = lo + f.backend->region_size();
  std::vector<int, StlAllocator<int>> v{StlAllocator<int>(*f.alloc)};
  for (int i = 0; i < 100000; ++i) v.push_back(i);
  EXPECT_GE(reinterpret_cast<char *>(v.data()), lo);
  EXPECT_LT(reinterpret_cast<char *>(v.data()), hi);
  long sum = 0;
  for (int x : v) sum += x;
  EXPECT_EQ(sum, 100000L * 99999 / 2);
  using Pair = std::pair<const int, std::string>;
  std::map<int, std::string, std::less<>, StlAllocator<Pair>> m{StlAllocator<Pair>(*f.alloc)};
  for (int i = 0; i < 1000; ++i) m.emplace(i, std::to_string(i));
  EXPECT_EQ(m.at(777), "777");
  EXPECT_GT(f.alloc->stats().bytes_in_use, 100000u * sizeof(int));
  v.clear();
  v.shrink_to_fit();
  m.clear();
  EXPECT_EQ(f.alloc->stats().bytes_in_use, 0u);
}

TEST(StlAllocator, ExhaustionThrowsBadAlloc) {
  test::TlaFixture<CheckLevel::full> f(4u << 20);
  std::vector<char, StlAllocator<char>> v{StlAllocator<char>(*f.alloc)};
  EXPECT_THROW(v.reserve(64u << 20), std::bad_alloc);
}

TEST(MemoryResource, PmrContainersAndAlignment) {
  test::TlaFixture<CheckLevel::full> f(64u << 20);
  MemoryResource<ThreadLocalAllocator> res(*f.alloc);
  std::pmr::vector<std::pmr::string> v(&res);
  for (int i = 0; i < 1000; ++i) v.emplace_back(std::string(100, static_cast<char>('a' + i % 26)));
  EXPECT_EQ(v[27][0], 'b');
  void *p = res.allocate(1000, 4096);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 4096, 0u);
  res.deallocate(p, 1000, 4096);
  MemoryResource<ThreadLocalAllocator> same(*f.alloc);
  EXPECT_TRUE(res.is_equal(same));
  EXPECT_FALSE(res.is_equal(*std::pmr::new_delete_resource()));
}
