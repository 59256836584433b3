// vector and string: differential tests against std::vector / std::string with random operation
// sequences, the iterator invalidation rules of vector.hpp, errors, and attach / rebind.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "container_heap.hpp"
#include "unimem/containers/list.hpp"
#include "unimem/containers/string.hpp"
#include "unimem/containers/vector.hpp"

namespace unimem {
namespace {

template <class A>
using VectorConformance = test::HeapTest<A>;
TYPED_TEST_SUITE(VectorConformance, test::AllAllocators);

template <class V, class S>
void expect_same(const V &v, const S &s) {
  ASSERT_EQ(v.size(), s.size());
  ASSERT_TRUE(std::equal(s.begin(), s.end(), v.begin()));
}

TYPED_TEST(VectorConformance, RandomOperationsMatchStdVector) {
  auto v = vector<std::uint64_t, TypeParam>::create(*this->heap.alloc).value();
  std::vector<std::uint64_t> ref;
  std::mt19937_64 rng(42);
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t x = rng();
    switch (rng() % 10) {
      case 0: case 1: case 2:
        ASSERT_TRUE(v.push_back(x));
        ref.push_back(x);
        break;
      case 3:
        ASSERT_EQ(v.pop_back(), !ref.empty()) << "on empty: false, nothing changed";
        if (!ref.empty()) ref.pop_back();
        break;
      case 4: {
        const std::size_t at = ref.empty() ? 0 : x % (ref.size() + 1);
        ASSERT_NE(v.insert(v.begin() + at, x), nullptr);
        ref.insert(ref.begin() + static_cast<std::ptrdiff_t>(at), x);
        break;
      }
      case 5:
        if (!ref.empty()) {
          const std::size_t at = x % ref.size();
          const std::size_t n = std::min<std::size_t>(1 + rng() % 4, ref.size() - at);
          v.erase(v.begin() + at, v.begin() + at + n);
          ref.erase(ref.begin() + static_cast<std::ptrdiff_t>(at), ref.begin() + static_cast<std::ptrdiff_t>(at + n));
        }
        break;
      case 6: {
        const std::size_t n = x % 300;
        ASSERT_TRUE(v.resize(n, step));
        ref.resize(n, static_cast<std::uint64_t>(step));
        break;
      }
      case 7:
        if (!ref.empty()) {  // appending part of itself, across growth
          const std::size_t n = std::min<std::size_t>(ref.size(), 1 + x % 50);
          ASSERT_TRUE(v.append(v.data(), n));
          ref.insert(ref.end(), ref.begin(), ref.begin() + static_cast<std::ptrdiff_t>(n));
        }
        break;
      case 8:
        if (!ref.empty()) {  // push_back of its own element, maybe during growth
          const std::uint64_t own = v[x % ref.size()];
          ASSERT_TRUE(v.push_back(v[x % ref.size()]));
          ref.push_back(own);
        }
        break;
      default:
        if (x % 7 == 0) { v.clear(); ref.clear(); }
        if (x % 11 == 0) ASSERT_TRUE(v.shrink_to_fit());
        break;
    }
    ASSERT_NO_FATAL_FAILURE(expect_same(v, ref)) << "step " << step;
    ASSERT_GE(v.capacity(), v.size());
  }
  v.destroy();
  EXPECT_FALSE(v.valid());
}

TYPED_TEST(VectorConformance, GrowthWithinCapacityKeepsPointersValid) {
  auto v = vector<int, TypeParam>::create(*this->heap.alloc, 100).value();
  ASSERT_EQ(v.capacity(), 100u);
  ASSERT_TRUE(v.push_back(1));
  int *first = &v[0];
  for (int i = 0; i < 99; ++i) ASSERT_TRUE(v.push_back(i));
  EXPECT_EQ(first, &v[0]) << "push_back within capacity must not move elements";
  int *tenth = &v[10];
  v.erase(v.begin() + 50);
  EXPECT_EQ(tenth, &v[10]) << "erase moves only elements after the position";
  v.destroy();
}

TYPED_TEST(VectorConformance, AmortisedGrowthDoubles) {
  auto v = vector<int, TypeParam>::create(*this->heap.alloc).value();
  std::size_t reallocations = 0, cap = v.capacity();
  for (int i = 0; i < 100000; ++i) {
    ASSERT_TRUE(v.push_back(i));
    if (v.capacity() != cap) { ++reallocations; cap = v.capacity(); }
  }
  EXPECT_LE(reallocations, 20u);
  v.destroy();
}

TYPED_TEST(VectorConformance, StringMatchesStdString) {
  auto str = basic_string<char, TypeParam>::create(*this->heap.alloc, "start").value();
  std::string ref = "start";
  std::mt19937 rng(7);
  for (int step = 0; step < 5000; ++step) {
    const unsigned x = rng();
    switch (x % 8) {
      case 0: ASSERT_TRUE(str.push_back(static_cast<char>('a' + x % 26))); ref.push_back(static_cast<char>('a' + x % 26)); break;
      case 1: ASSERT_TRUE(str.append("xyz")); ref.append("xyz"); break;
      case 2: ASSERT_EQ(str.pop_back(), !ref.empty()); if (!ref.empty()) ref.pop_back(); break;
      case 3: { const std::size_t p = x % (ref.size() + 1); str.erase(p, 3); ref.erase(p, 3); break; }
      case 4: { const std::size_t p = x % (ref.size() + 1); ASSERT_TRUE(str.insert(p, str.view().substr(0, 4))); ref.insert(p, ref.substr(0, 4)); break; }
      case 5: ASSERT_TRUE(str.resize(x % 64, '#')); ref.resize(x % 64, '#'); break;
      case 6: {  // from itself: a prefix, or a part after the start
        const std::size_t p = x % 3 == 0 ? 0 : x % (ref.size() + 1);
        ASSERT_TRUE(str.assign(str.view().substr(p, 5))); ref = ref.substr(p, 5);
        break;
      }
      default: if (x % 13 == 0) { str.clear(); ref.clear(); } break;
    }
    ASSERT_EQ(str.view(), ref) << "step " << step;
    ASSERT_EQ(str.c_str()[str.size()], '\0');
  }
  EXPECT_EQ(str.find("xyz"), ref.find("xyz"));
  EXPECT_EQ(str.substr(1, 3), ref.substr(1, 3));
  EXPECT_TRUE(str == std::string_view(ref));
  str.destroy();
}

TYPED_TEST(VectorConformance, AttachChecksTheOffset) {
  auto &alloc = *this->heap.alloc;
  auto v = vector<int, TypeParam>::create(alloc).value();
  ASSERT_TRUE(v.assign({1, 2, 3}));
  auto again = vector<int, TypeParam>::attach(alloc, v.offset());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->size(), 3u);
  EXPECT_EQ(&(*again)[2], &v[2]);

  auto wrong_type = vector<double, TypeParam>::attach(alloc, OffsetPtr<typename vector<double, TypeParam>::state>(v.offset().offset()));
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().code(), Errc::invalid_argument);
  auto as_list = list<int, TypeParam>::attach(alloc, OffsetPtr<typename list<int, TypeParam>::state>(v.offset().offset()));
  EXPECT_FALSE(as_list);
  EXPECT_FALSE((vector<int, TypeParam>::attach(alloc, OffsetPtr<typename vector<int, TypeParam>::state>())));
  // An offset that holds no block of the allocator, even with the right tag there (with
  // MallocAllocator offsets are addresses: any one was read, and this one attached, before).
  std::uint64_t outside[8] = {vector<int, TypeParam>::kTypeTag};
  const auto stray = alloc.base() == nullptr ? reinterpret_cast<std::uint64_t>(outside) : alloc.extent() - 8;
  EXPECT_FALSE((vector<int, TypeParam>::attach(alloc, OffsetPtr<typename vector<int, TypeParam>::state>(stray & ~std::uint64_t{7}))));
  v.destroy();
}

TYPED_TEST(VectorConformance, SizesThatOverflowAreRefusedAndChangeNothing) {
  auto &alloc = *this->heap.alloc;
  auto v = vector<std::uint64_t, TypeParam>::create(alloc).value();
  ASSERT_TRUE(v.assign({1, 2, 3, 4}));
  const std::uint64_t src[1] = {9};
  EXPECT_FALSE(v.append(src, std::size_t(-2)));  // size + n wraps below the capacity
  auto too_big = vector<std::uint64_t, TypeParam>::create(alloc, std::size_t(-1));
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code(), Errc::invalid_argument);
  expect_same(v, std::vector<std::uint64_t>{1, 2, 3, 4});
  // erase(end()) and ranges outside [begin, end] erase nothing (the length would wrap).
  EXPECT_EQ(v.erase(v.end()), v.end());
  EXPECT_EQ(v.erase(v.begin() + 3, v.begin() + 2), v.end());
  EXPECT_EQ(v.erase(v.begin() + 2, v.end() + 1), v.end());
  expect_same(v, std::vector<std::uint64_t>{1, 2, 3, 4});
  EXPECT_EQ(*v.erase(v.begin() + 1), 3u);
  expect_same(v, std::vector<std::uint64_t>{1, 3, 4});
  v.destroy();

  auto s = basic_string<char, TypeParam>::create(alloc, "abc").value();
  EXPECT_FALSE(s.resize(decltype(s)::npos));
  EXPECT_FALSE(s.reserve(decltype(s)::npos));
  EXPECT_FALSE(s.append("x", decltype(s)::npos));
  EXPECT_FALSE(s.resize(decltype(s)::max_size() + 1));
  EXPECT_EQ(s.str(), "abc");
  EXPECT_EQ(s.c_str()[3], '\0');
  s.destroy();
}

// Region-only behaviour: running out of room, and the kernel-style handle (SlabAllocatorRef).
template <class A>
using VectorInRegion = test::HeapTest<A, std::size_t{8} << 20>;
TYPED_TEST_SUITE(VectorInRegion, test::RegionAllocators);

TYPED_TEST(VectorInRegion, OutOfMemoryChangesNothing) {
  auto v = vector<std::uint64_t, TypeParam>::create(*this->heap.alloc).value();
  for (std::uint64_t i = 0; i < 1000; ++i) ASSERT_TRUE(v.push_back(i));
  EXPECT_FALSE(v.reserve(std::size_t{1} << 30));
  EXPECT_FALSE(v.resize(std::size_t{1} << 30));
  EXPECT_EQ(v.size(), 1000u);
  for (std::uint64_t i = 0; i < 1000; ++i) ASSERT_EQ(v[i], i);
  EXPECT_FALSE((vector<std::uint64_t, TypeParam>::create(*this->heap.alloc, std::size_t{1} << 30)));
  v.destroy();
}

// assign makes its room before it clears: a full region leaves the old elements.
TYPED_TEST(VectorInRegion, AssignWithoutRoomKeepsTheElements) {
  auto &alloc = *this->heap.alloc;
  auto v = vector<std::uint64_t, TypeParam>::create(alloc, 2).value();
  ASSERT_TRUE(v.push_back(7));
  ASSERT_TRUE(v.push_back(8));
  std::vector<OffsetPtr<void>> taken;  // every block the region has left, large and small
  for (std::size_t bytes = std::size_t{1} << 20; bytes >= 16; bytes /= 2) {
    for (OffsetPtr<void> b; !(b = alloc.allocate_offset(MemContext{}, bytes)).is_null();) taken.push_back(b);
  }
  EXPECT_FALSE(v.assign({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}));
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], 7u);
  EXPECT_EQ(v[1], 8u);
  for (const auto b : taken) ASSERT_EQ(alloc.free_offset(MemContext{}, b), Errc::ok);
  v.destroy();
}

TYPED_TEST(VectorInRegion, DestroyedVectorDoesNotAttach) {
  // (a region stays mapped after a free, so the stale offset can be read; with MallocAllocator it could not)
  auto v = vector<int, TypeParam>::create(*this->heap.alloc).value();
  const auto at = v.offset();
  v.destroy();
  EXPECT_FALSE((vector<int, TypeParam>::attach(*this->heap.alloc, at)));
}

// The element range is kept as offsets from the state (vector.hpp), which wrap when the block lies
// below it: a freed block below the state is what the growth below is handed back.
TYPED_TEST(VectorInRegion, ElementsBelowTheStateWork) {
  auto &alloc = *this->heap.alloc;
  constexpr std::size_t kBytes = 4096;
  const OffsetPtr<void> low = alloc.allocate_offset(MemContext{}, kBytes);
  ASSERT_FALSE(low.is_null());
  auto v = vector<std::uint64_t, TypeParam>::create(alloc).value();
  ASSERT_EQ(alloc.free_offset(MemContext{}, low), Errc::ok);
  ASSERT_TRUE(v.reserve(kBytes / sizeof(std::uint64_t)));
  const auto *state = v.offset().get_unchecked(alloc.base());
  ASSERT_LT(static_cast<const void *>(v.data()), static_cast<const void *>(state)) << "the block was not reused";
  for (std::uint64_t i = 0; i < 600; ++i) ASSERT_TRUE(v.push_back(i * 3));  // grows past the block
  EXPECT_EQ(v.size(), 600u);
  EXPECT_EQ(v.back(), 599u * 3);
  auto again = vector<std::uint64_t, TypeParam>::attach(alloc, v.offset());
  ASSERT_TRUE(again);
  for (std::uint64_t i = 0; i < 600; ++i) ASSERT_EQ((*again)[i], i * 3);
  EXPECT_TRUE(v.shrink_to_fit());
  v.clear();
  EXPECT_TRUE(v.shrink_to_fit());
  EXPECT_EQ(v.capacity(), 0u);
  EXPECT_EQ(v.data(), nullptr);
  EXPECT_TRUE(v.push_back(7));
  EXPECT_EQ(v[0], 7u);
  v.destroy();
}

// A string's terminator lies past its characters: growth into a block that held other bytes must
// bring it along.
TYPED_TEST(VectorInRegion, StringGrowthKeepsTheTerminator) {
  auto &alloc = *this->heap.alloc;
  auto s = basic_string<char, TypeParam>::create(alloc, "abc").value();
  constexpr std::size_t kBytes = 4096;
  const OffsetPtr<void> used = alloc.allocate_offset(MemContext{}, kBytes);
  ASSERT_FALSE(used.is_null());
  std::memset(alloc.base() + used.offset(), 'x', kBytes);
  ASSERT_EQ(alloc.free_offset(MemContext{}, used), Errc::ok);
  ASSERT_TRUE(s.reserve(kBytes - 1));
  ASSERT_EQ(static_cast<void *>(s.data()), static_cast<void *>(alloc.base() + used.offset())) << "the block was not reused";
  EXPECT_EQ(s.c_str()[3], '\0');
  EXPECT_TRUE((basic_string<char, TypeParam>::attach(alloc, s.offset())));
  s.destroy();
}

TYPED_TEST(VectorInRegion, RebindToAllocatorRefSharesTheState) {
  auto v = vector<int, TypeParam>::create(*this->heap.alloc).value();
  SlabAllocatorRef ref = this->heap.alloc->ref();
  auto k = v.rebind(ref);  // what a kernel (or an emulated one) works with
  static_assert(std::is_trivially_copyable_v<decltype(k)>);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(k.push_back(i));
  ASSERT_EQ(v.size(), 1000u);
  EXPECT_EQ(v[999], 999);
  EXPECT_EQ(k.data(), v.data());
  v.destroy();
}

}  // namespace
}  // namespace unimem
