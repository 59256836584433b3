// The launch API and its host emulation, from a host-compiled translation unit: every thread runs
// once with consistent indices, blocks really run concurrently, barriers really wait (and let
// exited threads go), errors come back as Errors, and launches keep their stream's order. The
// in-kernel checks shared with the GPU are in kernels/launch_checks.cpp (device_kernels_test.cpp).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "unimem/kernel/launch.hpp"
#include "unimem/thread/atomic.hpp"

using namespace unimem;

namespace {

struct Place {
  std::uint32_t tx, ty, tz, bx, by, bz;
  std::uint64_t rank;
  int visits;
};

struct RecordPlace {
  Place *out;
  UNIMEM_HOST_DEVICE void operator()() const {
    const auto r = this_kernel::global_rank();
    const Dim3 t = this_kernel::thread_index(), b = this_kernel::block_index();
    out[r].tx = t.x, out[r].ty = t.y, out[r].tz = t.z;
    out[r].bx = b.x, out[r].by = b.y, out[r].bz = b.z;
    out[r].rank = r;
    reinterpret_cast<Atomic<int> *>(&out[r].visits)->fetch_add(1, std::memory_order_relaxed);
  }
};

// Block b waits for a flag from every other block: finishes only if all blocks run at once.
struct Handshake {
  Atomic<int> *arrived;
  int blocks;
  Atomic<int> *timeouts;
  UNIMEM_HOST_DEVICE void operator()() const {
    arrived->fetch_add(1, std::memory_order_acq_rel);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (arrived->load(std::memory_order_acquire) < blocks) {
      if (std::chrono::steady_clock::now() > deadline) {
        timeouts->fetch_add(1, std::memory_order_relaxed);
        return;
      }
      std::this_thread::yield();
    }
  }
};

// Odd threads leave at once; even threads pass three barriers, counting each time.
struct EarlyExit {
  Atomic<int> *passed;
  UNIMEM_HOST_DEVICE void operator()() const {
    if (this_kernel::thread_rank() % 2 == 1) return;
    for (int i = 0; i < 3; ++i) {
      this_kernel::sync_threads();
      passed->fetch_add(1, std::memory_order_relaxed);
    }
  }
};

struct Throws {
  UNIMEM_HOST_DEVICE void operator()() const {
    if (this_kernel::global_rank() == 37) throw std::runtime_error("boom at 37");
    this_kernel::sync_threads();  // the thrower must not leave the others waiting here
  }
};

struct Step {
  UNIMEM_HOST_DEVICE void operator()(int i, int *last, int *out_of_order) const {
    if (*last != i - 1) ++*out_of_order;
    *last = i;
  }
};

}  // namespace

TEST(Launch, EveryThreadRunsOnceWithConsistentIndices) {
  const LaunchConfig c{Dim3(3, 2, 2), Dim3(4, 2, 3), 0};
  std::vector<Place> out(c.thread_count(), Place{});
  ASSERT_TRUE(launch(Stream{}, c, RecordPlace{out.data()}));
  for (std::uint64_t r = 0; r < out.size(); ++r) {
    const Place &p = out[r];
    ASSERT_EQ(p.visits, 1) << r;
    const Dim3 t(p.tx, p.ty, p.tz), b(p.bx, p.by, p.bz);
    EXPECT_EQ(b.linear_in(c.grid) * c.block.count() + t.linear_in(c.block), r);
    EXPECT_EQ(Dim3::from_linear(t.linear_in(c.block), c.block), t);
  }
}

TEST(Launch, BlocksRunConcurrently) {
  Atomic<int> arrived{0}, timeouts{0};
  ASSERT_TRUE(launch(Stream{}, LaunchConfig{Dim3(2), Dim3(1), 0}, Handshake{&arrived, 2, &timeouts}));
  EXPECT_EQ(timeouts.load(std::memory_order_relaxed), 0) << "the two blocks did not run at the same time";
}

TEST(Launch, ThreadsThatReturnLeaveTheBarrier) {
  Atomic<int> passed{0};
  ASSERT_TRUE(launch(Stream{}, LaunchConfig{Dim3(3), Dim3(70), 0}, EarlyExit{&passed}));
  EXPECT_EQ(passed.load(std::memory_order_relaxed), 3 * 35 * 3);
}

TEST(Launch, AnExceptionInAKernelThreadIsAnError) {
  auto r = launch(Stream{}, LaunchConfig{Dim3(4), Dim3(32), 0}, Throws{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), Errc::device_error);
  EXPECT_NE(r.error().message().find("boom at 37"), std::string::npos) << r.error().what();
  EXPECT_NE(r.error().message().find("thread 5 of block 1"), std::string::npos) << r.error().what();

  auto s = Stream::host();
  ASSERT_TRUE(s);
  ASSERT_TRUE(launch(*s, LaunchConfig{Dim3(4), Dim3(32), 0}, Throws{}));  // accepted...
  EXPECT_EQ(s->synchronize().code(), Errc::device_error);                 // ...and reported here
  EXPECT_TRUE(s->synchronize());
}

TEST(Launch, BadConfigurationsAreRefusedAndNothingRuns) {
  std::vector<Place> out(1, Place{});
  const LaunchConfig bad[] = {
      {Dim3(0), Dim3(32), 0},          {Dim3(1), Dim3(0), 0},           {Dim3(1), Dim3(2048), 0},
      {Dim3(1), Dim3(1, 1, 65), 0},    {Dim3(1, 70000), Dim3(1), 0},    {Dim3(1), Dim3(32), std::size_t{1} << 20},
      // more threads than 64 bits count, and more blocks than a grid holds (not a smaller grid)
      {Dim3(0x7fffffffu, 65535, 65535), Dim3(1024), 0},
      {Dim3(1), Dim3((1u << 29) + (1u << 15) + 1, (1u << 29) - (1u << 15) + 1, 64), 0},  // counts 64 when wrapped
      LaunchConfig::cover((std::uint64_t{1} << 40) + 1, 256),
      LaunchConfig::cover(~std::uint64_t{0}, 1024),
  };
  for (const auto &c : bad) {
    auto r = launch(Stream{}, c, RecordPlace{out.data()});
    EXPECT_EQ(r.code(), Errc::invalid_argument);
    EXPECT_NE(r.error().message().find("launch:"), std::string::npos);
  }
  EXPECT_EQ(out[0].visits, 0);
  EXPECT_EQ(LaunchConfig::cover(1000, 256).grid.x, 4u);
  EXPECT_EQ(LaunchConfig::cover(1024, 256).grid.x, 4u);
}

TEST(Launch, LaunchesOnAHostStreamRunInOrder) {
  auto s = Stream::host();
  ASSERT_TRUE(s);
  int last = 0, out_of_order = 0;  // the stream's worker is their only user until synchronize
  for (int i = 1; i <= 100; ++i) ASSERT_TRUE(launch(*s, LaunchConfig{Dim3(1), Dim3(1), 0}, Step{}, i, &last, &out_of_order));
  ASSERT_TRUE(s->synchronize());
  EXPECT_EQ(last, 100);
  EXPECT_EQ(out_of_order, 0);
}

TEST(Launch, LambdasAreKernelsToo) {
  std::vector<int> v(1000, 0);
  ASSERT_TRUE(launch(Stream{}, LaunchConfig::cover(v.size(), 128), [](int *p, std::size_t n) {
    const auto i = this_kernel::global_rank();
    if (i < n) p[i] = static_cast<int>(i) * 2;
  }, v.data(), v.size()));
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(v[i], 2 * i);
}

TEST(ThisKernel, HostCodeOutsideAKernelIsAGridOfOneThread) {
  EXPECT_EQ(this_kernel::thread_index(), Dim3(0, 0, 0));
  EXPECT_EQ(this_kernel::block_dim(), Dim3(1, 1, 1));
  EXPECT_EQ(this_kernel::global_size(), 1u);
  this_kernel::sync_threads();
  this_kernel::sync_warp();
  EXPECT_EQ(this_kernel::ballot(true), 1u);
  EXPECT_TRUE(this_kernel::all(true));
  EXPECT_EQ(this_kernel::shfl(42, 0), 42);
  EXPECT_EQ(this_kernel::shared_memory<int>(), nullptr);
}
