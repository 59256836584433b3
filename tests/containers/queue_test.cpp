// mpmc_queue and spsc_queue: capacity rules, FIFO order, and stress with many producers and many
// consumers that fails if any element is popped twice or lost.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "container_heap.hpp"
#include "unimem/containers/mpmc_queue.hpp"
#include "unimem/containers/spsc_queue.hpp"

namespace unimem {
namespace {

template <class A>
using QueueConformance = test::HeapTest<A>;
TYPED_TEST_SUITE(QueueConformance, test::AllAllocators);

TYPED_TEST(QueueConformance, MpmcIsABoundedFifo) {
  auto q = mpmc_queue<int, TypeParam>::create(*this->heap.alloc, 5).value();
  EXPECT_EQ(q.capacity(), 8u) << "rounded up to a power of two";
  for (int lap = 0; lap < 3; ++lap) {
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(q.try_push(i + lap));
    EXPECT_FALSE(q.try_push(99)) << "full";
    EXPECT_EQ(q.size(), 8u);
    int v = -1;
    for (int i = 0; i < 8; ++i) {
      ASSERT_TRUE(q.try_pop(v));
      ASSERT_EQ(v, i + lap);
    }
    EXPECT_FALSE(q.try_pop(v)) << "empty";
  }
  q.destroy();
}

TYPED_TEST(QueueConformance, SpscIsABoundedFifo) {
  auto q = spsc_queue<int, TypeParam>::create(*this->heap.alloc, 4).value();
  for (int lap = 0; lap < 3; ++lap) {
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.try_push(i * lap));
    EXPECT_FALSE(q.try_push(99));
    int v = -1;
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(q.try_pop(v));
      ASSERT_EQ(v, i * lap);
    }
    EXPECT_FALSE(q.try_pop(v));
  }
  q.destroy();
}

TYPED_TEST(QueueConformance, BadCapacityIsAnError) {
  auto zero = mpmc_queue<int, TypeParam>::create(*this->heap.alloc, 0);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code(), Errc::invalid_argument);
  EXPECT_FALSE((spsc_queue<int, TypeParam>::create(*this->heap.alloc, ~std::size_t{0})));
}

// Every value is (producer << 32 | sequence). Consumers mark each value in a shared table with an
// atomic exchange: a second pop of the same element finds its mark already set and fails the test.
using QueueStress = test::HeapTest<ThreadLocalAllocator>;

void run_mpmc(mpmc_queue<std::uint64_t> q, SlabAllocatorRef ref, int producers, int consumers, std::uint64_t per_producer,
              bool kernel_handles) {
  std::vector<std::atomic<std::uint8_t>> seen(static_cast<std::size_t>(producers) * per_producer);
  std::atomic<std::uint64_t> popped{0};
  const std::uint64_t total = seen.size();
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      auto push = [&](auto handle) {
        for (std::uint64_t i = 0; i < per_producer; ++i) handle.push(static_cast<std::uint64_t>(p) << 32 | i);
      };
      kernel_handles ? push(q.rebind(ref)) : push(q);
    });
  }
  for (int c = 0; c < consumers; ++c) {
    threads.emplace_back([&] {
      std::vector<std::uint64_t> last(static_cast<std::size_t>(producers), 0);
      std::vector<bool> any(static_cast<std::size_t>(producers), false);
      std::uint64_t v;
      while (popped.load(std::memory_order_relaxed) < total) {
        if (!q.try_pop(v)) continue;
        popped.fetch_add(1, std::memory_order_relaxed);
        const auto p = static_cast<std::size_t>(v >> 32);
        const std::uint64_t i = v & 0xffffffffu;
        ASSERT_LT(p, static_cast<std::size_t>(producers));
        ASSERT_EQ(seen[p * per_producer + i].exchange(1), 0) << "element " << v << " popped twice";
        // one producer's elements reach one consumer in the order they were pushed
        ASSERT_TRUE(!any[p] || i > last[p]) << "out of order: " << i << " after " << last[p];
        any[p] = true;
        last[p] = i;
      }
    });
  }
  for (auto &t : threads) t.join();
  for (std::uint64_t i = 0; i < total; ++i) ASSERT_EQ(seen[i].load(), 1) << "element " << i << " lost";
  EXPECT_TRUE(q.empty());
}

TEST_F(QueueStress, MpmcManyProducersManyConsumersPopEachElementOnce) {
  auto q = mpmc_queue<std::uint64_t>::create(*heap.alloc, 64).value();
  run_mpmc(q, heap.alloc->ref(), 3, 3, 30000, false);
  q.destroy();
}

TEST_F(QueueStress, MpmcThroughKernelStyleHandles) {
  auto q = mpmc_queue<std::uint64_t>::create(*heap.alloc, 16).value();
  run_mpmc(q, heap.alloc->ref(), 2, 4, 20000, true);
  q.destroy();
}

TEST_F(QueueStress, SpscKeepsOrderAcrossThreads) {
  auto q = spsc_queue<std::uint64_t>::create(*heap.alloc, 32).value();
  constexpr std::uint64_t kCount = 200000;
  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kCount; ++i) q.push(i);
  });
  for (std::uint64_t i = 0; i < kCount; ++i) ASSERT_EQ(q.pop(), i);
  producer.join();
  EXPECT_TRUE(q.empty());
  q.destroy();
}

}  // namespace
}  // namespace unimem
