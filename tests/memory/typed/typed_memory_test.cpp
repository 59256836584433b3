// Memory, MemoryRef and Array: storage kinds, the zero-length instance, atomic access, bounds
// errors, expand, space checks at run time, and one allocation per Array (counted).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "containers/container_heap.hpp"
#include "unimem/memory/array.hpp"
#include "unimem/memory/memory.hpp"
#include "unimem/memory/memory_ref.hpp"

namespace unimem {
namespace {

/// A ThreadLocalAllocator that counts the allocations made through it.
struct CountingAllocator {
  ThreadLocalAllocator &inner;
  int allocations = 0;
  int frees = 0;
  char *base() const noexcept { return inner.base(); }
  OffsetPtr<void> aligned_allocate_offset(const MemContext &ctx, std::size_t bytes, std::size_t alignment) {
    ++allocations;
    return inner.aligned_allocate_offset(ctx, bytes, alignment);
  }
  Errc free_offset(const MemContext &ctx, OffsetPtr<void> p) {
    ++frees;
    return inner.free_offset(ctx, p);
  }
  std::size_t usable_size(OffsetPtr<void> p) const { return inner.usable_size(p); }
};

class TypedMemory : public test::HeapTest<ThreadLocalAllocator> {
 protected:
  CountingAllocator counting{*heap.alloc};
};

TEST_F(TypedMemory, InlineStorageIsOneAllocationSharedByHandles) {
  {
    auto m = Memory<double>::allocate(counting, 100).value();
    EXPECT_EQ(counting.allocations, 1);
    EXPECT_EQ(m.size(), 100u);
    EXPECT_GE(m.capacity(), 100u);
    for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<double>(i);
    Memory<double> copy = m;
    EXPECT_TRUE(copy.same_storage(m));
    EXPECT_EQ(m.use_count(), 2u);
    EXPECT_EQ(copy[99], 99.0);
  }
  EXPECT_EQ(counting.frees, 1) << "the last handle frees the one block";
}

TEST_F(TypedMemory, ZeroLengthMemoryIsOneSharedInstance) {
  auto a = Memory<int>::allocate(counting, 0).value();
  auto b = Memory<int>::empty();
  Memory<int> c;
  EXPECT_EQ(counting.allocations, 0);
  EXPECT_TRUE(a.same_storage(b));
  EXPECT_TRUE(b.same_storage(c));
  EXPECT_EQ(a.size(), 0u);
  EXPECT_TRUE(MemoryRef<int>(a).is_null());
  EXPECT_FALSE(memoryref(a, 0)) << "an empty Memory has no element 0";
}

TEST_F(TypedMemory, ForeignStorageBorrowedOrAdopted) {
  std::vector<int> mine(10, 5);
  {
    auto m = Memory<int>::wrap(mine.data(), mine.size()).value();
    m[3] = 9;
  }
  EXPECT_EQ(mine[3], 9) << "wrap borrows: the caller's memory is used and kept";

  static std::atomic<int> freed{0};
  auto *raw = static_cast<int *>(std::malloc(16 * sizeof(int)));
  {
    auto m = Memory<int>::adopt(raw, 8, [](void *p) noexcept { freed.fetch_add(1); std::free(p); }, 16).value();
    EXPECT_EQ(m.capacity(), 16u);
    auto grown = expand(m, 16);
    ASSERT_TRUE(grown);
    EXPECT_EQ(grown->size(), 16u);
    EXPECT_EQ(freed.load(), 0);
  }
  EXPECT_EQ(freed.load(), 1) << "adopt frees with the deleter when the last handle goes";

  EXPECT_EQ(Memory<int>::wrap(nullptr, 4).error().code(), Errc::invalid_argument);
  EXPECT_EQ(Memory<int>::wrap(mine.data(), 10, 5).error().code(), Errc::invalid_argument);
}

TEST_F(TypedMemory, BoundsAreCheckedWhenTheRefIsMade) {
  auto m = Memory<int>::allocate(*heap.alloc, 8).value();
  for (int i = 0; i < 8; ++i) m[static_cast<std::size_t>(i)] = i * 10;
  auto r = memoryref(m, 5);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->get(), 50);
  EXPECT_EQ(memoryoffset(*r), 5u);
  auto next = memoryref(*r, 2);
  ASSERT_TRUE(next);
  EXPECT_EQ(memoryoffset(*next), 7u);
  auto past = memoryref(*r, 3);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code(), Errc::invalid_argument);
  EXPECT_NE(past.error().what().find("index 8"), std::string::npos) << past.error().what();
  EXPECT_TRUE(r->at(3).is_null()) << "the device-side form gives a null ref";
  EXPECT_FALSE(memoryref(m, 8));
}

TEST_F(TypedMemory, AtomicKindCountsFromManyThreads) {
  auto m = Memory<std::uint64_t, kind::atomic>::allocate(*heap.alloc, 4).value();
  for (std::size_t i = 0; i < 4; ++i) m.store(i, 0, std::memory_order_relaxed);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto r = memoryref(m, 2).value();
      for (int i = 0; i < 10000; ++i) r.fetch_add(1, std::memory_order_relaxed);
    });
  }
  for (auto &t : threads) t.join();
  EXPECT_EQ(m.load(2), 40000u);
  auto r = memoryref(m, 1).value();
  r.store(5, std::memory_order_release);
  std::uint64_t expected = 5;
  EXPECT_TRUE(r.compare_exchange(expected, 6, std::memory_order_acq_rel));
  EXPECT_FALSE(r.compare_exchange(expected, 7, std::memory_order_acq_rel));
  EXPECT_EQ(expected, 6u);
  EXPECT_EQ(r.exchange(1, std::memory_order_acq_rel), 6u);
  EXPECT_EQ(m.load(1, std::memory_order_acquire), 1u);
}

TEST_F(TypedMemory, ExpandGrowsInPlaceOrNotAtAll) {
  auto m = Memory<std::uint32_t>::allocate(*heap.alloc, 10).value();
  const std::size_t cap = m.capacity();
  ASSERT_GE(cap, 10u);
  auto same = expand(m, cap);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->data(), m.data());
  EXPECT_EQ(same->size(), cap);
  EXPECT_EQ(m.size(), 10u) << "expand returns a new handle; the old keeps its length";
  EXPECT_FALSE(expand(m, cap + 1)) << "no room in place: nothing";
  auto upto = expand_upto(m, cap + 1000);
  EXPECT_EQ(upto.size(), cap);
  EXPECT_EQ(expand_upto(m, 5).size(), 10u) << "expand_upto never shrinks";
}

TEST_F(TypedMemory, SpaceMustMatchTheAllocatorsRegion) {
  // A pageable host region is neither mapped into a GPU nor persistent.
  auto shared = Memory<int, kind::plain, space::shared>::allocate(*heap.alloc, 4);
  ASSERT_FALSE(shared);
  EXPECT_EQ(shared.error().code(), Errc::invalid_argument);
  EXPECT_NE(shared.error().what().find("shared"), std::string::npos);
  EXPECT_FALSE((Memory<int, kind::plain, space::device>::allocate(*heap.alloc, 4)));
  EXPECT_FALSE((Memory<int, kind::plain, space::pmem>::allocate(*heap.alloc, 4)));
  EXPECT_TRUE((Memory<int, kind::plain, space::host>::allocate(*heap.alloc, 4)));
  static_assert(space_fits<space::shared>(space_caps(BackendKind::cuda_shm)));
  static_assert(space_fits<space::host>(space_caps(BackendKind::cuda_shm)));
  static_assert(space_fits<space::device>(space_caps(BackendKind::cuda_managed)));
  static_assert(!space_fits<space::host>(space_caps(BackendKind::cuda_device)));
  static_assert(space_fits<space::pmem>(space_caps(BackendKind::pmem)));
}

TEST_F(TypedMemory, ArrayCostsExactlyOneAllocation) {
  {
    auto a = Array<float, 3>::create(counting, 4, 5, 6).value();
    EXPECT_EQ(counting.allocations, 1);
    EXPECT_EQ(a.size(), 120u);
    EXPECT_EQ(a.size(1), 5u);
    a(3, 4, 5) = 1.5f;
    EXPECT_EQ(a.data()[119], 1.5f) << "row-major: the last index varies fastest";
    a(1, 0, 0) = 2.5f;
    EXPECT_EQ(a.data()[30], 2.5f);
    EXPECT_EQ(a.ref(3, 4, 5)->get(), 1.5f);
    auto bad = a.ref(0, 5, 0);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().what().find("dimension 1"), std::string::npos);
    auto v = a.view();
    static_assert(std::is_trivially_copyable_v<decltype(v)>);
    EXPECT_EQ(v(3, 4, 5), 1.5f);
    EXPECT_TRUE(v.ref(120).is_null());
  }
  EXPECT_EQ(counting.frees, 1);
  EXPECT_FALSE((Array<int, 2>::create(*heap.alloc, std::size_t{1} << 40, std::size_t{1} << 40))) << "overflow";
}

TEST_F(TypedMemory, OneDimensionalArrayGrowsAmortised) {
  auto a = Array<std::uint64_t>::create(counting, 0).value();
  EXPECT_EQ(counting.allocations, 0);
  for (std::uint64_t i = 0; i < 100000; ++i) ASSERT_TRUE(a.push_back(i));
  EXPECT_EQ(a.size(), 100000u);
  EXPECT_LE(counting.allocations, 20) << "doubling: O(log n) moves";
  std::uint64_t expect = 0;
  for (std::uint64_t x : a) ASSERT_EQ(x, expect++);
  ASSERT_TRUE(a.reserve(300000));
  EXPECT_GE(a.capacity(), 300000u);
  const int before = counting.allocations;
  for (std::uint64_t i = 0; i < 200000; ++i) ASSERT_TRUE(a.push_back(i));
  EXPECT_EQ(counting.allocations, before) << "reserve gave room for these";
  EXPECT_TRUE(a.pop_back());
  EXPECT_EQ(a.size(), 299999u);
  auto reshaped = Array<std::uint64_t, 2>::from(a.memory(), 1000, 299);
  ASSERT_TRUE(reshaped);
  EXPECT_EQ((*reshaped)(0, 5), 5u);
  EXPECT_FALSE((Array<std::uint64_t, 2>::from(a.memory(), 1000, 301)));
}

TEST_F(TypedMemory, EmptyAndMovedFromArraysRefuseToShrinkAndGrowFromNothing) {
  auto a = Array<std::uint64_t>::create(counting, 0).value();
  EXPECT_FALSE(a.pop_back()) << "empty: nothing to pop";
  EXPECT_EQ(a.size(), 0u);
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(a.push_back(i));
  Array<std::uint64_t> b = std::move(a);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(a.size(), 0u) << "a moved-from array is empty";
  EXPECT_EQ(a.begin(), a.end());
  auto r = a.push_back(7);
  ASSERT_FALSE(r) << "and has no allocator to grow from";
  EXPECT_EQ(r.error().code(), Errc::unsupported);
  a = std::move(b);
  EXPECT_EQ(a.size(), 3u);
  EXPECT_EQ(a.view().ref(2).get(), 2u);
  EXPECT_EQ(b.size(), 0u);
  static_assert(!std::is_copy_constructible_v<Array<int>>, "two copies would push into the same slots");
}

TEST_F(TypedMemory, ArrayOverForeignMemoryDoesNotGrow) {
  std::vector<int> mine(4);
  auto a = Array<int>::from(Memory<int>::wrap(mine.data(), 4).value(), 4).value();
  auto r = a.push_back(1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::unsupported);
  EXPECT_EQ(a.size(), 4u);
}

TEST_F(TypedMemory, OutOfMemoryIsAnError) {
  auto m = Memory<char>::allocate(*heap.alloc, std::size_t{1} << 40);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code(), Errc::out_of_memory);
}

}  // namespace
}  // namespace unimem
