// Tiered arrays: one allocation per array, the budget holds under any sequence of operations (with
// data checked against a shadow copy), dirty copies are written back and clean ones never, pinned
// arrays stay put, soft eviction and size bins choose the victims.
#include "unimem/pmem/tier_manager.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include "support/test_support.hpp"
#include "unimem/core/units.hpp"

using namespace unimem;
using namespace unimem::pmem;

namespace {
std::atomic<std::size_t> g_news{0};
}  // namespace

// Counts every allocation through operator new in this program.
void *operator new(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void *p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void *operator new(std::size_t n, const std::nothrow_t &) noexcept {
  g_news.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

namespace {

class Tiers : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = PmemHeap::create("/dev/shm");
    ASSERT_TRUE(h) << h.error().what();
    heap_.emplace(std::move(*h));
  }
  std::optional<PmemHeap> heap_;
};

TEST_F(Tiers, CreatingAnArrayCostsOneAllocation) {
  TierManager m(*heap_, {.dram_budget = 1 << 20});
  const std::size_t before = g_news.load();
  auto a = m.make<double>(1000);
  const std::size_t after = g_news.load();
  UNIMEM_ASSERT_OK(a);
  EXPECT_EQ(after - before, 1u);
  EXPECT_EQ(m.stats().arrays, 1u);
  EXPECT_FALSE(a->cached());
  auto v = a->read();
  EXPECT_EQ(v.size(), 1000u);
  for (double x : v) ASSERT_EQ(x, 0.0);
}

TEST_F(Tiers, DirtyCopiesAreWrittenBackCleanOnesNever) {
  TierManager m(*heap_, {.dram_budget = 1 << 20, .automatic = false});
  auto a = m.make<int>(64 * KiB / sizeof(int));
  UNIMEM_ASSERT_OK(a);
  UNIMEM_ASSERT_OK(a->prefetch());
  EXPECT_TRUE(a->cached());
  { EXPECT_TRUE(a->read().in_dram()); }
  UNIMEM_ASSERT_OK(a->evict());
  EXPECT_EQ(m.stats().bytes_written_back, 0u) << "a clean copy is dropped without writing";
  EXPECT_EQ(m.stats().evictions, 1u);

  UNIMEM_ASSERT_OK(a->prefetch());
  {
    auto w = a->write();
    ASSERT_TRUE(w.in_dram());
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int>(i * 3);
  }
  EXPECT_TRUE(a->dirty());
  UNIMEM_ASSERT_OK(a->evict());
  EXPECT_EQ(m.stats().bytes_written_back, a->bytes());
  EXPECT_EQ(m.stats().write_backs, 1u);
  EXPECT_FALSE(a->cached());
  auto home = a->read();  // manual policy: the view is of PMEM
  EXPECT_FALSE(home.in_dram());
  for (std::size_t i = 0; i < home.size(); ++i) ASSERT_EQ(home[i], static_cast<int>(i * 3));
}

TEST_F(Tiers, BudgetHoldsAndDataSurvivesRandomOperations) {
  constexpr std::size_t kBudget = 512 * KiB;
  TierManager m(*heap_, {.dram_budget = kBudget});
  std::mt19937 rng(7);
  std::vector<TieredArray<std::uint32_t>> arrays;
  std::vector<std::vector<std::uint32_t>> shadow;
  for (int i = 0; i < 24; ++i) {
    const std::size_t n = (std::size_t{1} << (8 + rng() % 9)) + rng() % 1000;  // 1 KiB .. ~260 KiB
    auto a = m.make<std::uint32_t>(n);
    UNIMEM_ASSERT_OK(a);
    arrays.push_back(std::move(*a));
    shadow.emplace_back(n, 0u);
  }
  for (int step = 0; step < 3000; ++step) {
    const std::size_t i = rng() % arrays.size();
    auto &a = arrays[i];
    switch (rng() % 6) {
      case 0: (void)a.prefetch(); break;
      case 1: UNIMEM_ASSERT_OK(a.evict()); break;
      case 2: a.soft_evict(); break;
      case 3: {
        auto w = a.write();
        const std::size_t at = rng() % w.size();
        w[at] = shadow[i][at] = static_cast<std::uint32_t>(rng());
        break;
      }
      default: {
        auto r = a.read();
        const std::size_t at = rng() % r.size();
        ASSERT_EQ(r[at], shadow[i][at]) << "array " << i << " element " << at << " step " << step;
      }
    }
    ASSERT_LE(m.stats().dram_bytes, kBudget) << "step " << step;
  }
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    UNIMEM_ASSERT_OK(arrays[i].evict());
    auto r = arrays[i].read();
    for (std::size_t k = 0; k < r.size(); ++k) ASSERT_EQ(r[k], shadow[i][k]);
  }
  const auto s = m.stats();
  EXPECT_GT(s.evictions, 0u);
  EXPECT_GT(s.write_backs, 0u);
  EXPECT_LT(s.write_backs, s.evictions) << "clean copies were dropped without a write-back";
}

TEST_F(Tiers, PinnedArraysAreNeverEvicted) {
  TierManager m(*heap_, {.dram_budget = 128 * KiB});
  auto a = m.make<char>(100 * KiB);
  auto b = m.make<char>(100 * KiB);
  UNIMEM_ASSERT_OK(a);
  UNIMEM_ASSERT_OK(b);
  auto view = a->write();
  ASSERT_TRUE(view.in_dram());
  view[0] = 'a';
  EXPECT_EQ(b->prefetch().code(), Errc::capacity_exceeded);
  EXPECT_EQ(a->evict().code(), Errc::busy);
  auto bv = b->read();  // does not fit next to a pinned copy: read in PMEM
  EXPECT_FALSE(bv.in_dram());
  EXPECT_TRUE(a->cached());
  EXPECT_LE(m.stats().dram_bytes, 128 * KiB);
}

TEST_F(Tiers, EmptyHandlesAreHarmless) {
  TierManager m(*heap_, {.dram_budget = 64 * KiB});
  auto a = m.make<int>(100);
  UNIMEM_ASSERT_OK(a);
  TieredArray<int> taken = std::move(*a);
  auto expect_empty = [](TieredArray<int> &e) {
    EXPECT_EQ(e.size(), 0u);
    EXPECT_FALSE(e.cached());
    EXPECT_FALSE(e.dirty());
    EXPECT_EQ(e.prefetch().code(), Errc::invalid_argument);
    EXPECT_EQ(e.evict().code(), Errc::invalid_argument);
    e.soft_evict();
    EXPECT_EQ(e.read().data(), nullptr);
    EXPECT_EQ(e.write().size(), 0u);
  };
  expect_empty(*a);  // moved from
  TieredArray<int> none;
  expect_empty(none);
  UNIMEM_ASSERT_OK(taken.prefetch());
  EXPECT_TRUE(taken.cached());
}

TEST_F(Tiers, LargerThanTheBudgetStaysInPmem) {
  TierManager m(*heap_, {.dram_budget = 64 * KiB});
  auto a = m.make<char>(65 * KiB);
  UNIMEM_ASSERT_OK(a);
  EXPECT_EQ(a->prefetch().code(), Errc::capacity_exceeded);
  auto w = a->write();
  EXPECT_FALSE(w.in_dram());
  w[65 * KiB - 1] = 'z';
  EXPECT_FALSE(a->dirty());
}

TEST_F(Tiers, SoftEvictedCopiesGoFirstThenTheSizeBinOfTheNeed) {
  TierManager m(*heap_, {.dram_budget = 256 * KiB, .automatic = false});
  auto small1 = m.make<char>(16 * KiB), small2 = m.make<char>(16 * KiB), big = m.make<char>(128 * KiB),
       other = m.make<char>(40 * KiB), next = m.make<char>(100 * KiB);
  for (auto *a : {&small1, &small2, &big, &other}) UNIMEM_ASSERT_OK((*a)->prefetch());
  EXPECT_EQ(m.stats().dram_bytes, 200 * KiB);
  // 100 KiB needs 44 KiB more: one copy of the need's bin or above (the 128 KiB one) frees it all;
  // the smaller copies stay.
  UNIMEM_ASSERT_OK(next->prefetch());
  EXPECT_FALSE(big->cached());
  EXPECT_TRUE(small1->cached() && small2->cached() && other->cached());
  // A soft-evicted copy is the first to go, even when a larger one is older.
  small2->soft_evict();
  auto more = m.make<char>(100 * KiB);
  UNIMEM_ASSERT_OK(more);
  UNIMEM_ASSERT_OK(more->prefetch());  // 16 KiB over the budget next to the 172 KiB held
  EXPECT_FALSE(small2->cached());
  EXPECT_TRUE(small1->cached() && other->cached() && next->cached());
}

}  // namespace
