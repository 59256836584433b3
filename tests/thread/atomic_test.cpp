#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "support/test_support.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/thread/atomic.hpp"

using namespace unimem;

TEST(Atomic, CompareExchangeUpdatesExpected) {
  Atomic<std::uint64_t> a(5);
  std::uint64_t expected = 4;
  EXPECT_FALSE(a.compare_exchange_strong(expected, 9, std::memory_order_acq_rel));
  EXPECT_EQ(expected, 5u);  // the value seen
  EXPECT_TRUE(a.compare_exchange_strong(expected, 9, std::memory_order_acq_rel));
  EXPECT_EQ(a.load(std::memory_order_acquire), 9u);
  expected = 1;
  EXPECT_FALSE(a.compare_exchange_weak(expected, 2, std::memory_order_relaxed));
  EXPECT_EQ(expected, 9u);
}

TEST(Atomic, ReadModifyWrite) {
  Atomic<std::uint32_t> a(0b1100);
  EXPECT_EQ(a.fetch_add(3, std::memory_order_relaxed), 0b1100u);
  EXPECT_EQ(a.fetch_sub(3, std::memory_order_relaxed), 0b1111u);
  EXPECT_EQ(a.fetch_or(0b0011, std::memory_order_relaxed), 0b1100u);
  EXPECT_EQ(a.fetch_and(0b0101, std::memory_order_relaxed), 0b1111u);
  EXPECT_EQ(a.exchange(77, std::memory_order_relaxed), 0b0101u);
  EXPECT_EQ(a.load(std::memory_order_relaxed), 77u);
  Atomic<int *> p(nullptr);
  int x = 0;
  int *e = nullptr;
  EXPECT_TRUE(p.compare_exchange_strong(e, &x, std::memory_order_acq_rel));
  EXPECT_EQ(p.load(std::memory_order_acquire), &x);
}

TEST(AtomicStress, ThreadsNeverLoseIncrements) {
  Atomic<std::uint64_t> counter(0);
  constexpr int kThreads = 4, kIters = 100000;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < kIters; ++i) {
        // A CAS loop, so compare_exchange's `expected` update is exercised under contention.
        std::uint64_t v = counter.load(std::memory_order_relaxed);
        while (!counter.compare_exchange_weak(v, v + 1, std::memory_order_relaxed)) {
        }
      }
    });
  }
  for (auto &t : ts) t.join();
  EXPECT_EQ(counter.load(std::memory_order_relaxed), std::uint64_t{kThreads} * kIters);
}

TEST(AtomicStress, ProcessesNeverLoseIncrements) {
  const std::string name = test::unique_name("atomic");
  test::ShmNameGuard guard(name);
  auto shm = PosixShmBackend::create(name, 4096);
  ASSERT_TRUE(shm) << shm.error().what();
  auto *counter = new ((*shm)->data()) Atomic<std::uint64_t>(0);
  constexpr int kProcs = 4;
  constexpr long kIters = 200000;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) kids.push_back(test::spawn_helper({"atomic-add", name, std::to_string(kIters)}));
  for (long i = 0; i < kIters; ++i) counter->fetch_add(1, std::memory_order_relaxed);
  for (pid_t k : kids) EXPECT_EQ(test::wait_helper(k).exit_code, 0);
  EXPECT_EQ(counter->load(std::memory_order_relaxed), std::uint64_t{kProcs + 1} * kIters);
}
