// list: differential test against std::list and its iterator stability rule.
#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <list>
#include <random>

#include "container_heap.hpp"
#include "unimem/containers/list.hpp"

namespace unimem {
namespace {

template <class A>
using ListConformance = test::HeapTest<A>;
TYPED_TEST_SUITE(ListConformance, test::AllAllocators);

TYPED_TEST(ListConformance, RandomOperationsMatchStdList) {
  auto l = list<std::uint32_t, TypeParam>::create(*this->heap.alloc).value();
  std::list<std::uint32_t> ref;
  std::mt19937 rng(3);
  for (int step = 0; step < 20000; ++step) {
    const std::uint32_t x = rng();
    const std::size_t at = ref.empty() ? 0 : x % (ref.size() + 1);
    switch (x % 8) {
      case 0: ASSERT_TRUE(l.push_back(x)); ref.push_back(x); break;
      case 1: ASSERT_TRUE(l.push_front(x)); ref.push_front(x); break;
      case 2: ASSERT_EQ(l.pop_back(), !ref.empty()); if (!ref.empty()) ref.pop_back(); break;
      case 3: ASSERT_EQ(l.pop_front(), !ref.empty()); if (!ref.empty()) ref.pop_front(); break;
      case 4: {
        auto it = l.insert(std::next(l.begin(), static_cast<std::ptrdiff_t>(at)), x);
        ASSERT_EQ(*it, x);
        ref.insert(std::next(ref.begin(), static_cast<std::ptrdiff_t>(at)), x);
        break;
      }
      case 5:
        if (!ref.empty()) {
          const auto i = static_cast<std::ptrdiff_t>(x % ref.size());
          auto next = l.erase(std::next(l.begin(), i));
          auto ref_next = ref.erase(std::next(ref.begin(), i));
          ASSERT_EQ(next == l.end(), ref_next == ref.end());
        } else {
          ASSERT_TRUE(l.erase(l.end()) == l.end()) << "erase(end()) erases nothing";
        }
        break;
      case 6: ASSERT_EQ(l.remove(x % 4), std::erase(ref, x % 4)); break;
      default: if (x % 97 == 0) { l.clear(); ref.clear(); } break;
    }
    ASSERT_EQ(l.size(), ref.size()) << "step " << step;
    ASSERT_TRUE(std::equal(ref.begin(), ref.end(), l.begin(), l.end())) << "step " << step;
    ASSERT_TRUE(std::equal(ref.rbegin(), ref.rend(), std::make_reverse_iterator(l.end()),
                           std::make_reverse_iterator(l.begin())));
  }
  l.destroy();
}

TYPED_TEST(ListConformance, OnlyTheErasedElementsIteratorIsInvalidated) {
  auto l = list<int, TypeParam>::create(*this->heap.alloc).value();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(l.push_back(i));
  auto third = std::next(l.begin(), 3);
  auto fifth = std::next(l.begin(), 5);
  int *fifth_addr = &*fifth;
  l.erase(std::next(l.begin(), 4));
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(l.push_front(-i));
  EXPECT_EQ(*third, 3);
  EXPECT_EQ(&*fifth, fifth_addr);
  EXPECT_EQ(*std::next(third), 5) << "links are repaired around the erased node";
  l.destroy();
}

TYPED_TEST(ListConformance, DestroyFreesEveryNode) {
  auto &alloc = *this->heap.alloc;
  const auto before = alloc.stats().bytes_in_use;
  auto l = list<std::uint64_t, TypeParam>::create(alloc).value();
  for (std::uint64_t i = 0; i < 5000; ++i) ASSERT_TRUE(l.push_back(i));
  EXPECT_GT(alloc.stats().bytes_in_use, before);
  l.destroy();
  EXPECT_EQ(alloc.stats().bytes_in_use, before);
}

}  // namespace
}  // namespace unimem
