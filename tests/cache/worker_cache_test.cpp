// WorkerCache semantics: hits and misses, the budget under random and concurrent use (with every
// buffer's contents checked), pinned buffers never evicted, one fill under concurrency, failed
// fills, invalidation and epochs, shape errors, items larger than the budget, acquire_all, the
// keep class, the remaining-uses hint and the hinted policy, the schedule hint and the scheduled
// policy, LRU/FIFO/hinted/scheduled against reference models (scheduled = Belady's MIN), S3-FIFO's
// scan resistance, and handles that outlive their cache.
#include "unimem/cache/worker_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstring>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/pattern.hpp"
#include "support/reference_cache.hpp"
#include "support/test_support.hpp"

using namespace unimem;
using namespace unimem::cache;

namespace {

// The data of id k is test::fill_pattern's bytes for seed k, so a buffer holding another id's data
// is caught.
struct Loader {
  std::atomic<int> fills{0};
  Result<void> operator()(std::uint64_t k, std::span<std::byte> b) {
    fills.fetch_add(1, std::memory_order_relaxed);
    test::fill_pattern(b.data(), b.size(), k);
    return success();
  }
};

bool holds(const CacheHandle &h, std::uint64_t k) { return !test::find_pattern_mismatch(h.data(), h.size(), k); }

WorkerCache make(std::size_t budget, EvictionPolicy policy = EvictionPolicy::s3fifo) {
  auto c = WorkerCache::create({.budget = budget, .policy = policy});
  EXPECT_TRUE(c) << c.error().what();
  return std::move(c).value();
}

Result<CacheHandle> get(WorkerCache &c, Loader &l, std::uint64_t k, std::size_t size, AcquireOptions o = {}) {
  return c.acquire(DataId(k), size, [&](std::span<std::byte> b) { return l(k, b); }, o);
}

}  // namespace

TEST(WorkerCache, MissFillsOnceThenHits) {
  auto c = make(1 << 20);
  Loader l;
  auto a = get(c, l, 7, 1000);
  UNIMEM_ASSERT_OK(a);
  EXPECT_TRUE(a->cached());
  EXPECT_TRUE(holds(*a, 7));
  auto b = get(c, l, 7, 1000);
  UNIMEM_ASSERT_OK(b);
  EXPECT_EQ(a->data(), b->data());
  EXPECT_EQ(l.fills.load(), 1);
  const auto s = c.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.cold_misses, 1u);
  EXPECT_EQ(s.bytes_loaded, 1000u);
  EXPECT_EQ(s.bytes_saved, 1000u);
  EXPECT_EQ(s.bytes_cached, 1000u);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_GT(s.fill_ns_total, 0u);
  EXPECT_DOUBLE_EQ(s.hit_ratio(), 0.5);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a->data()) % 64, 0u);
  UNIMEM_ASSERT_OK(c.find(DataId(7)));
  EXPECT_EQ(c.find(DataId(8)).code(), Errc::not_found);
}

TEST(WorkerCache, DataIdsFromBytesAndWords) {
  EXPECT_EQ(DataId::from_bytes("scene"), DataId::from_bytes("scene"));
  EXPECT_NE(DataId::from_bytes("scene"), DataId::from_bytes("scenf"));
  EXPECT_NE(DataId::from_bytes(std::string_view("ab\0", 3)), DataId::from_bytes("ab"));  // length counts
  EXPECT_NE(DataId(1, 2), DataId(2, 1));
  EXPECT_EQ(DataId(5).to_string(), "0x0:5");
  auto c = make(1 << 20);
  Loader l;
  auto a = c.acquire(DataId::from_bytes("stencil/3/4"), 64, [&](std::span<std::byte> b) { return l(1, b); });
  auto b = c.acquire(DataId::from_bytes("stencil/3/4"), 64, [&](std::span<std::byte> b) { return l(1, b); });
  UNIMEM_ASSERT_OK(b);
  EXPECT_EQ(l.fills.load(), 1);
}

TEST(WorkerCache, BadOptionsAreErrors) {
  EXPECT_EQ(WorkerCache::create({.budget = 0}).code(), Errc::invalid_argument);
  EXPECT_EQ(WorkerCache::create({.budget = 100, .shards = 12}).code(), Errc::invalid_argument);
  EXPECT_EQ(WorkerCache::create({.budget = 100, .placement = Placement::device}).code(), Errc::invalid_argument);
  auto host = Stream::host();
  UNIMEM_ASSERT_OK(host);
  auto pinned = WorkerCache::create({.budget = 100, .placement = Placement::pinned_host, .stream = *host});
  ASSERT_EQ(pinned.code(), Errc::invalid_argument);
  EXPECT_NE(pinned.error().message().find("needs a GPU stream (got a host stream)"), std::string::npos);
  EXPECT_EQ(WorkerCache::create({.budget = 100, .shards = kMaxShards * 2}).code(), Errc::invalid_argument);
  EXPECT_EQ(WorkerCache::create({.budget = 100, .shards = std::size_t{1} << 62}).code(), Errc::invalid_argument)
      << "refused, not thrown by new Shard[n]";
  auto c = make(100);
  Loader l;
  EXPECT_EQ(get(c, l, 1, 0).code(), Errc::invalid_argument);
}

TEST(WorkerCache, AMovedFromCacheRefusesAndIsEmpty) {
  auto c = make(4096);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 1, 64));
  WorkerCache d = std::move(c);
  EXPECT_EQ(get(c, l, 1, 64).code(), Errc::invalid_argument);
  EXPECT_EQ(c.find(DataId(1)).code(), Errc::invalid_argument);
  EXPECT_FALSE(c.invalidate(DataId(1)));
  EXPECT_EQ(c.invalidate_epochs_before(5), 0u);
  EXPECT_EQ(c.clear(), 0u);
  EXPECT_EQ(c.stats().entries, 0u);
  EXPECT_EQ(c.options().budget, 0u);
  UNIMEM_ASSERT_OK(d.find(DataId(1)));
  EXPECT_EQ(l.fills.load(), 1);
}

TEST(WorkerCache, AFillThatAcquiresItsOwnIdIsRefusedNotDeadlocked) {
  auto c = make(4096);
  Loader l;
  Result<CacheHandle> inner = Error(Errc::busy, "not called");
  auto outer = c.acquire(DataId(7), 64, [&](std::span<std::byte> b) {
    inner = c.acquire(DataId(7), 64, [](std::span<std::byte>) {});
    EXPECT_TRUE(get(c, l, 8, 64)) << "other ids may be acquired from a fill";
    return l(7, b);
  });
  UNIMEM_ASSERT_OK(outer);
  EXPECT_EQ(inner.code(), Errc::invalid_argument);
  EXPECT_TRUE(holds(*outer, 7));
  UNIMEM_ASSERT_OK(c.find(DataId(8)));
}

TEST(WorkerCache, BudgetHoldsUnderRandomOperationsAndDataStaysRight) {
  for (auto policy : {EvictionPolicy::s3fifo, EvictionPolicy::lru, EvictionPolicy::fifo}) {
    SCOPED_TRACE(policy_name(policy));
    const std::size_t budget = 64 * 1024;
    auto c = make(budget, policy);
    Loader l;
    std::mt19937_64 rng(42);
    std::vector<std::pair<std::uint64_t, CacheHandle>> held;
    for (int op = 0; op < 20000; ++op) {
      const std::uint64_t k = rng() % 200;
      const std::size_t size = 100 + (k * 977) % 6000;  // each id has one size
      const int what = static_cast<int>(rng() % 10);
      if (what < 6) {
        auto h = get(c, l, k, size);
        ASSERT_TRUE(h) << h.error().what();
        ASSERT_TRUE(holds(*h, k)) << "id " << k;
        if (what == 0 && held.size() < 6) held.emplace_back(k, std::move(h).value());
      } else if (what < 8 && !held.empty()) {
        const auto i = rng() % held.size();
        ASSERT_TRUE(holds(held[i].second, held[i].first));
        held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
      } else if (what == 8) {
        c.invalidate(DataId(k));
      } else {
        auto h = c.find(DataId(k));
        if (h) ASSERT_TRUE(holds(*h, k));
      }
      const auto s = c.stats();
      ASSERT_LE(s.bytes_cached, budget) << "after op " << op;
    }
    const auto s = c.stats();
    EXPECT_GT(s.evictions, 100u);
    EXPECT_GT(s.hits, 1000u);
    EXPECT_EQ(s.fills(), static_cast<std::uint64_t>(l.fills.load()));
  }
}

TEST(WorkerCache, StressBudgetAndContentsUnderThreads) {
  const std::size_t budget = 256 * 1024;
  auto c = make(budget);
  Loader l;
  std::atomic<bool> bad{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      std::vector<std::pair<std::uint64_t, CacheHandle>> held;
      for (int op = 0; op < 4000 && !bad; ++op) {
        const std::uint64_t k = rng() % 300;
        // A third of the acquires carry a uses hint and a fifth a schedule (some of them overdue
        // soon), so entries move between the policies' queues.
        AcquireOptions o;
        if (rng() % 3 == 0) o.remaining_uses = static_cast<std::uint32_t>(rng() % 4);
        if (rng() % 5 == 0) o.schedule = Schedule{static_cast<std::uint64_t>(op), static_cast<std::uint64_t>(op) + rng() % 64};
        auto h = get(c, l, k, 512 + (k % 17) * 1024, o);
        if (!h || !holds(*h, k) || c.stats().bytes_cached > budget) bad = true;
        if (h && rng() % 4 == 0) held.emplace_back(k, std::move(h).value());
        if (held.size() > 3) {
          if (!holds(held.front().second, held.front().first)) bad = true;
          held.erase(held.begin());
        }
        if (rng() % 50 == 0) c.invalidate(DataId(rng() % 300));
      }
    });
  }
  for (auto &t : threads) t.join();
  EXPECT_FALSE(bad.load());
  const auto s = c.stats();
  EXPECT_LE(s.bytes_cached, budget);
  EXPECT_EQ(s.fills(), static_cast<std::uint64_t>(l.fills.load()));
  EXPECT_EQ(s.hits + s.waits + s.fills(), 8u * 4000u);
  // No handle is left, so every entry is in a queue that clear() empties: none leaked.
  c.clear();
  EXPECT_EQ(c.stats().entries, 0u);
  EXPECT_EQ(c.stats().bytes_cached, 0u);
}

TEST(WorkerCache, BuffersInUseAreNeverEvicted) {
  for (auto policy : {EvictionPolicy::s3fifo, EvictionPolicy::lru, EvictionPolicy::fifo}) {
    SCOPED_TRACE(policy_name(policy));
    auto c = make(10 * 1024, policy);
    Loader l;
    auto pinned = get(c, l, 1, 4096);
    UNIMEM_ASSERT_OK(pinned);
    std::byte *where = pinned->data();
    for (std::uint64_t k = 2; k < 200; ++k) UNIMEM_ASSERT_OK(get(c, l, k, 1024));
    EXPECT_TRUE(holds(*pinned, 1));
    auto again = c.find(DataId(1));
    UNIMEM_ASSERT_OK(again);
    EXPECT_EQ(again->data(), where);
    EXPECT_LE(c.stats().bytes_cached, 10u * 1024);
  }
}

TEST(WorkerCache, ConcurrentMissesFillOnce) {
  auto c = make(1 << 20);
  constexpr int kThreads = 8;
  std::atomic<int> fills{0};
  std::barrier start(kThreads);
  std::vector<std::byte *> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      auto h = c.acquire(DataId(99), 4096, [&](std::span<std::byte> b) {
        fills.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the others arrive meanwhile
        std::memset(b.data(), 0x5a, b.size());
      });
      ASSERT_TRUE(h) << h.error().what();
      EXPECT_EQ(h->data()[4095], std::byte{0x5a});
      seen[t] = h->data();
    });
  }
  for (auto &t : threads) t.join();
  EXPECT_EQ(fills.load(), 1);
  for (auto *p : seen) EXPECT_EQ(p, seen[0]);
  const auto s = c.stats();
  EXPECT_EQ(s.fills(), 1u);
  EXPECT_EQ(s.hits + s.waits, kThreads - 1u);
  EXPECT_GT(s.waits, 0u);
}

TEST(WorkerCache, FailedFillReachesEveryWaiterAndLeavesNoEntry) {
  auto c = make(1 << 20);
  constexpr int kThreads = 6;
  std::atomic<int> fills{0};
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      auto h = c.acquire(DataId(5), 128, [&](std::span<std::byte>) -> Result<void> {
        fills.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return Error(Errc::io_error, "disk on fire");
      });
      if (!h && h.code() == Errc::io_error && h.error().message() == "disk on fire") failed.fetch_add(1);
    });
  }
  for (auto &t : threads) t.join();
  // Waiters that arrived during the fill share its error; any that came after it found no entry and
  // filled (and failed) themselves: every acquire failed, none saw data.
  EXPECT_EQ(failed.load(), kThreads);
  EXPECT_LT(fills.load(), kThreads);
  EXPECT_EQ(c.find(DataId(5)).code(), Errc::not_found);
  auto s = c.stats();
  EXPECT_EQ(s.entries, 0u);
  EXPECT_EQ(s.bytes_cached, 0u);
  EXPECT_EQ(s.fill_failures, static_cast<std::uint64_t>(fills.load()));
  // An exception is an error too, and the id can be filled afterwards.
  auto thrown = c.acquire(DataId(5), 128, [](std::span<std::byte>) -> Result<void> { throw std::runtime_error("boom"); });
  ASSERT_FALSE(thrown);
  EXPECT_NE(thrown.error().message().find("boom"), std::string::npos);
  Loader l;
  auto ok = get(c, l, 5, 128);
  UNIMEM_ASSERT_OK(ok);
  EXPECT_TRUE(holds(*ok, 5));
}

TEST(WorkerCache, InvalidationAndEpochs) {
  auto c = make(1 << 20);
  Loader l;
  auto old = get(c, l, 3, 256);
  UNIMEM_ASSERT_OK(old);
  EXPECT_TRUE(c.invalidate(DataId(3)));
  EXPECT_FALSE(c.invalidate(DataId(3)));
  EXPECT_TRUE(holds(*old, 3));  // a live handle keeps its buffer
  EXPECT_EQ(c.stats().bytes_cached, 256u);
  auto fresh = get(c, l, 3, 256);
  UNIMEM_ASSERT_OK(fresh);
  EXPECT_NE(fresh->data(), old->data());
  EXPECT_EQ(l.fills.load(), 2);
  old->reset();
  EXPECT_EQ(c.stats().bytes_cached, 256u);

  // A newer epoch replaces the entry; an older one is refused.
  auto v2 = get(c, l, 3, 256, {.epoch = 2});
  UNIMEM_ASSERT_OK(v2);
  EXPECT_EQ(v2->epoch(), 2u);
  EXPECT_EQ(l.fills.load(), 3);
  EXPECT_EQ(get(c, l, 3, 256, {.epoch = 1}).code(), Errc::version_mismatch);
  UNIMEM_ASSERT_OK(get(c, l, 3, 256, {.epoch = 2}));
  EXPECT_EQ(l.fills.load(), 3);

  for (std::uint64_t k = 10; k < 20; ++k) UNIMEM_ASSERT_OK(get(c, l, k, 64, {.epoch = k % 3}));
  EXPECT_EQ(c.invalidate_epochs_before(2), 7u);  // epochs 0 and 1 of ids 10..19
  EXPECT_EQ(c.stats().entries, 4u);            // id 3 and ids 11, 14, 17 at epoch 2
  fresh->reset();
  v2->reset();
  EXPECT_EQ(c.clear(), 4u);
  EXPECT_EQ(c.stats().bytes_cached, 0u);
}

TEST(WorkerCache, IndexAgreesWithAModelUnderRandomInsertsAndInvalidations) {
  // One shard, so every id shares one open-addressing index. At most 511 ids live: the index stops
  // at 1024 slots and runs near half full, with long probe runs, wrap-around and erases that shift
  // runs back. find() must answer exactly for the ids the model holds.
  constexpr std::uint64_t kIdRange = 511;
  auto made = WorkerCache::create({.budget = std::size_t{1} << 30, .shards = 1});
  UNIMEM_ASSERT_OK(made);
  auto c = std::move(made).value();
  Loader l;
  std::set<std::uint64_t> model;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 40000; ++step) {
    const std::uint64_t k = rng() % kIdRange;
    if (rng() % 8 == 0) {
      EXPECT_EQ(c.invalidate(DataId(k)), model.erase(k) == 1) << "step " << step << " id " << k;
    } else {
      UNIMEM_ASSERT_OK(get(c, l, k, 16));
      model.insert(k);
    }
    if (step % 997 == 0) {
      for (std::uint64_t q = 0; q < kIdRange; ++q) {
        auto h = c.find(DataId(q));
        ASSERT_EQ(static_cast<bool>(h), model.count(q) == 1) << "step " << step << " id " << q;
        if (h) EXPECT_TRUE(holds(*h, q));
      }
    }
  }
  EXPECT_GT(model.size(), kIdRange * 3 / 4) << "the index ran well loaded";
  EXPECT_EQ(c.stats().entries, model.size());
  EXPECT_EQ(c.clear(), model.size());
  EXPECT_EQ(c.stats().entries, 0u);
}

TEST(WorkerCache, ReusingAnIdWithAnotherShapeIsAnError) {
  auto c = make(1 << 20);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 4, 100));
  auto wrong = get(c, l, 4, 200);
  ASSERT_EQ(wrong.code(), Errc::invalid_argument);
  EXPECT_NE(wrong.error().message().find("cached with 100 bytes; this acquire asks for 200"), std::string::npos);
  UNIMEM_ASSERT_OK(get(c, l, 6, 100, {.layout = 11}));
  EXPECT_EQ(get(c, l, 6, 100, {.layout = 12}).code(), Errc::invalid_argument);
  UNIMEM_ASSERT_OK(get(c, l, 6, 100, {.layout = 11}));
  EXPECT_EQ(l.fills.load(), 2);
}

TEST(WorkerCache, ItemLargerThanTheBudgetIsServedUncached) {
  auto c = make(4096);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 1, 1000));
  auto big = get(c, l, 2, 10000);
  UNIMEM_ASSERT_OK(big);
  EXPECT_FALSE(big->cached());
  EXPECT_TRUE(holds(*big, 2));
  auto s = c.stats();
  EXPECT_EQ(s.bypasses, 1u);
  EXPECT_EQ(s.bytes_cached, 1000u);  // nothing evicted for it, nothing charged
  EXPECT_EQ(s.evictions, 0u);
  UNIMEM_ASSERT_OK(get(c, l, 2, 10000));
  EXPECT_EQ(l.fills.load(), 3);
}

TEST(WorkerCache, AcquireAllIsAllOrNothingAndFallsBackWhenTheSetDoesNotFit) {
  auto c = make(8192);
  Loader l;
  std::vector<CacheRequest> set;
  for (std::uint64_t k = 0; k < 4; ++k) set.push_back({DataId(k), 3000});  // 12000 bytes > budget
  auto all = c.acquire_all(std::span<const CacheRequest>(set), [&](std::size_t i, std::span<std::byte> b) {
    return l(set[i].id.lo(), b);
  });
  UNIMEM_ASSERT_OK(all);
  ASSERT_EQ(all->size(), 4u);
  int uncached = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(holds((*all)[i], i));
    uncached += (*all)[i].cached() ? 0 : 1;
  }
  EXPECT_EQ(uncached, 2);  // two fit next to each other, the others are the task's own buffers
  EXPECT_LE(c.stats().bytes_cached, 8192u);
  all->clear();

  std::atomic<int> calls{0};
  auto failing = c.acquire_all(std::span<const CacheRequest>(set), [&](std::size_t i, std::span<std::byte> b) -> Result<void> {
    calls++;
    if (i == 2) return Error(Errc::io_error, "lost chunk 2");
    return l(i, b);
  });
  ASSERT_EQ(failing.code(), Errc::io_error);
  // No handle survives: once the entries are dropped, no buffer is left charged.
  EXPECT_EQ(c.clear(), 2u);
  EXPECT_EQ(c.stats().bytes_cached, 0u);

  // A request of size 0 is refused before any request is filled.
  calls = 0;
  set.push_back({DataId(9), 0});
  auto empty_item = c.acquire_all(std::span<const CacheRequest>(set), [&](std::size_t i, std::span<std::byte> b) {
    calls++;
    return l(i, b);
  });
  EXPECT_EQ(empty_item.code(), Errc::invalid_argument);
  EXPECT_EQ(calls.load(), 0);
}

TEST(WorkerCache, KeepClassSurvivesAndSpentEntriesGoFirst) {
  auto c = make(16 * 1024);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 1, 4096, {.retention = Retention::keep}));
  for (std::uint64_t k = 100; k < 400; ++k) UNIMEM_ASSERT_OK(get(c, l, k, 1024));
  UNIMEM_ASSERT_OK(c.find(DataId(1)));
  EXPECT_EQ(l.fills.load(), 301);

  // Entry 2 is re-used (so S3-FIFO would keep it) but its hint says nobody needs it any more.
  auto d = make(8 * 1024);
  Loader m;
  UNIMEM_ASSERT_OK(get(d, m, 2, 1024));
  UNIMEM_ASSERT_OK(get(d, m, 2, 1024, {.remaining_uses = 0}));
  for (std::uint64_t k = 10; k < 17; ++k) UNIMEM_ASSERT_OK(get(d, m, k, 1024));
  UNIMEM_ASSERT_OK(get(d, m, 50, 1024));  // needs room: 2 goes, although it was used twice
  EXPECT_EQ(d.find(DataId(2)).code(), Errc::not_found);
  UNIMEM_ASSERT_OK(d.find(DataId(10)));
}

namespace {

std::size_t cache_hits(const std::vector<std::uint64_t> &trace, std::size_t slots, EvictionPolicy policy) {
  auto c = make(slots * 64, policy);
  Loader l;
  for (auto k : trace) EXPECT_TRUE(get(c, l, k, 64));
  const auto s = c.stats();
  EXPECT_EQ(s.hits + s.fills(), trace.size());
  return s.hits;
}

}  // namespace

TEST(WorkerCache, LruAndFifoMatchTheirReferenceModels) {
  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> trace;
  for (int i = 0; i < 20000; ++i) trace.push_back(rng() % 3 == 0 ? rng() % 400 : rng() % 60);
  for (std::size_t slots : {16u, 50u, 100u}) {
    EXPECT_EQ(cache_hits(trace, slots, EvictionPolicy::lru), test::reference_hits(trace, slots, true)) << slots;
    EXPECT_EQ(cache_hits(trace, slots, EvictionPolicy::fifo), test::reference_hits(trace, slots, false)) << slots;
  }
}

TEST(WorkerCache, S3FifoKeepsAHotSetThroughAScan) {
  // A hot set of 40 ids re-used all the time, interleaved with a scan of ids never seen again:
  // LRU lets the scan push the hot set out; S3-FIFO's small queue absorbs the scan.
  std::vector<std::uint64_t> trace;
  std::uint64_t scan = 1000;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 30000; ++i) trace.push_back(i % 2 ? rng() % 40 : scan++);
  const auto lru = cache_hits(trace, 50, EvictionPolicy::lru);
  const auto s3 = cache_hits(trace, 50, EvictionPolicy::s3fifo);
  EXPECT_GT(s3, lru + lru / 4) << "s3fifo " << s3 << " lru " << lru;
  auto c = make(50 * 64);
  Loader l;
  for (auto k : trace) UNIMEM_ASSERT_OK(get(c, l, k, 64));
  for (std::uint64_t k = 1000; k < 1100; ++k) UNIMEM_ASSERT_OK(get(c, l, k, 64));
  EXPECT_GT(c.stats().capacity_misses, 0u);
  EXPECT_GT(c.stats().cold_misses, 15000u);
}

TEST(WorkerCache, HintedEntriesGoAfterUnhintedOnesFarthestNextUseFirst) {
  for (auto policy : {EvictionPolicy::s3fifo, EvictionPolicy::lru, EvictionPolicy::fifo}) {
    SCOPED_TRACE(policy_name(policy));
    auto c = make(4 * 1024, policy);
    Loader l;
    UNIMEM_ASSERT_OK(get(c, l, 1, 1024));
    UNIMEM_ASSERT_OK(get(c, l, 2, 1024, {.remaining_uses = 8}));
    UNIMEM_ASSERT_OK(get(c, l, 3, 1024, {.remaining_uses = 1}));
    UNIMEM_ASSERT_OK(get(c, l, 4, 1024, {.remaining_uses = 8}));
    UNIMEM_ASSERT_OK(get(c, l, 5, 1024, {.remaining_uses = 8}));  // 1 goes: no hint, no promise
    UNIMEM_ASSERT_OK(get(c, l, 6, 1024, {.remaining_uses = 8}));  // 3 goes: its 2/1 beats 2's 3/8^1.5
    UNIMEM_ASSERT_OK(get(c, l, 7, 1024, {.remaining_uses = 8}));  // 2 goes: the oldest of the 8s
    for (std::uint64_t k : {1, 2, 3}) EXPECT_EQ(c.find(DataId(k)).code(), Errc::not_found) << k;
    for (std::uint64_t k : {4, 5, 6, 7}) UNIMEM_ASSERT_OK(c.find(DataId(k)));
    EXPECT_EQ(c.stats().evictions, 3u);
  }
}

TEST(WorkerCache, HintedEvictionPassesOverEntriesInUse) {
  auto c = make(2 * 1024);
  Loader l;
  auto held = get(c, l, 1, 1024, {.remaining_uses = 1});  // the best victim, but in use
  UNIMEM_ASSERT_OK(held);
  UNIMEM_ASSERT_OK(get(c, l, 2, 1024, {.remaining_uses = 2}));
  auto h = get(c, l, 3, 1024, {.remaining_uses = 1});
  UNIMEM_ASSERT_OK(h);
  EXPECT_TRUE(h->cached());  // 2 made room
  EXPECT_EQ(c.find(DataId(2)).code(), Errc::not_found);
  UNIMEM_ASSERT_OK(c.find(DataId(1)));
}

TEST(WorkerCache, AWaitersHintCounts) {
  auto c = make(3 * 1024);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 2, 1024, {.remaining_uses = 1}));  // older than 1, with one use left
  std::thread waiter;
  std::atomic<bool> asking{false};
  auto a = c.acquire(DataId(1), 1024, [&](std::span<std::byte> b) {
    // Another task asks for 1 meanwhile and says it is the last to read it.
    waiter = std::thread([&] {
      asking = true;
      EXPECT_TRUE(c.acquire(DataId(1), 1024, [](std::span<std::byte>) { return success(); }, {.remaining_uses = 0}));
    });
    while (!asking) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // it finds 1 being filled
    return l(1, b);
  }, {.remaining_uses = 5});
  waiter.join();
  UNIMEM_ASSERT_OK(a);
  EXPECT_EQ(c.stats().waits, 1u);
  a->reset();
  UNIMEM_ASSERT_OK(get(c, l, 3, 1024, {.remaining_uses = 5}));
  UNIMEM_ASSERT_OK(get(c, l, 4, 1024, {.remaining_uses = 5}));  // 1 goes first (spent), not 2
  EXPECT_EQ(c.find(DataId(1)).code(), Errc::not_found);
  UNIMEM_ASSERT_OK(c.find(DataId(2)));
}

TEST(WorkerCache, HintedPolicyMatchesItsReferenceModel) {
  // Hints below 16 have a class each, where the cache's choice is exact.
  std::mt19937_64 rng(11);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> trace;
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t k = rng() % 4 == 0 ? rng() % 300 : rng() % 50;
    trace.emplace_back(k, rng() % 5 == 0 ? 0u : static_cast<std::uint32_t>(1 + rng() % 15));
  }
  for (std::size_t slots : {8u, 30u, 100u}) {
    auto c = make(slots * 64);
    Loader l;
    for (auto [k, hint] : trace) UNIMEM_ASSERT_OK(get(c, l, k, 64, {.remaining_uses = hint}));
    EXPECT_EQ(c.stats().hits, test::reference_hinted_hits(trace, slots)) << slots;
  }
}

static_assert(test::kNever == kNoNextUse);

TEST(WorkerCache, ScheduledPolicyIsBeladysMin) {
  // Positions are acquire numbers; next_use is the next acquire of the id. The unhinted policy
  // does not matter: every entry is scheduled.
  std::mt19937_64 rng(12);
  std::vector<std::uint64_t> trace;
  for (int i = 0; i < 20000; ++i) trace.push_back(rng() % 4 == 0 ? rng() % 300 : rng() % 50);
  const auto next = test::next_uses(trace);
  const std::pair<std::size_t, EvictionPolicy> runs[] = {
      {1, EvictionPolicy::s3fifo}, {8, EvictionPolicy::lru}, {30, EvictionPolicy::fifo}, {100, EvictionPolicy::s3fifo}};
  for (auto [slots, policy] : runs) {
    auto c = make(slots * 64, policy);
    Loader l;
    std::size_t uncached = 0;
    for (std::size_t t = 0; t < trace.size(); ++t) {
      auto h = get(c, l, trace[t], 64, {.schedule = Schedule{t, next[t]}});
      UNIMEM_ASSERT_OK(h);
      EXPECT_TRUE(holds(*h, trace[t]));
      uncached += h->cached() ? 0 : 1;
    }
    const auto st = c.stats();
    EXPECT_EQ(st.hits, test::reference_min_hits(trace, slots)) << slots;
    EXPECT_EQ(st.bypasses, uncached) << slots;
    EXPECT_GT(uncached, 0u) << slots;  // MIN leaves some misses out of the cache (300 ids > 100 slots)
    EXPECT_LE(st.bytes_cached, slots * 64);
  }
}

TEST(WorkerCache, ScheduledEntriesGoAfterAllOthersReadNextFarthestFirst) {
  auto c = make(4 * 1024);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 1, 1024, {.schedule = Schedule{0, 9}}));
  UNIMEM_ASSERT_OK(get(c, l, 2, 1024, {.schedule = Schedule{1, 30}}));
  UNIMEM_ASSERT_OK(get(c, l, 3, 1024, {.remaining_uses = 8}));
  UNIMEM_ASSERT_OK(get(c, l, 4, 1024));
  UNIMEM_ASSERT_OK(get(c, l, 5, 1024, {.schedule = Schedule{2, 20}}));  // 4 goes: no hint
  UNIMEM_ASSERT_OK(get(c, l, 6, 1024, {.schedule = Schedule{3, 10}}));  // 3 goes: uses, not a time
  UNIMEM_ASSERT_OK(get(c, l, 7, 1024, {.schedule = Schedule{4, 25}}));  // 2 goes: read at 30
  for (std::uint64_t k : {2, 3, 4}) EXPECT_EQ(c.find(DataId(k)).code(), Errc::not_found) << k;
  for (std::uint64_t k : {1, 5, 6, 7}) UNIMEM_ASSERT_OK(c.find(DataId(k)));
  EXPECT_EQ(c.stats().evictions, 3u);
}

TEST(WorkerCache, AScheduledMissReadAfterEveryCachedEntryIsServedUncached) {
  auto c = make(2 * 1024);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 1, 1024, {.schedule = Schedule{0, 5}}));
  UNIMEM_ASSERT_OK(get(c, l, 2, 1024, {.schedule = Schedule{1, 6}}));
  for (std::uint64_t next : {6u, 100u}) {
    auto h = get(c, l, 3, 1024, {.schedule = Schedule{2, next}});
    UNIMEM_ASSERT_OK(h);
    EXPECT_FALSE(h->cached()) << next;  // on a tie the cached entry stays, as in MIN
    EXPECT_TRUE(holds(*h, 3));
  }
  auto never = get(c, l, 4, 1024, {.schedule = Schedule{2, kNoNextUse}});
  UNIMEM_ASSERT_OK(never);
  EXPECT_FALSE(never->cached());
  EXPECT_EQ(c.stats().evictions, 0u);
  EXPECT_EQ(c.stats().bypasses, 3u);
  // Read sooner than 2: it takes 2's room.
  auto h = get(c, l, 5, 1024, {.schedule = Schedule{3, 4}});
  UNIMEM_ASSERT_OK(h);
  EXPECT_TRUE(h->cached());
  EXPECT_EQ(c.find(DataId(2)).code(), Errc::not_found);
  UNIMEM_ASSERT_OK(c.find(DataId(1)));
}

TEST(WorkerCache, ScheduledEntriesWhoseNextUseHasPassedGoFirst) {
  auto c = make(3 * 1024);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 1, 1024, {.schedule = Schedule{0, 2}}));   // the caller never came back at 2
  UNIMEM_ASSERT_OK(get(c, l, 2, 1024, {.schedule = Schedule{1, 50}}));
  UNIMEM_ASSERT_OK(get(c, l, 3, 1024, {.schedule = Schedule{1, 40}}));
  auto h = get(c, l, 4, 1024, {.schedule = Schedule{10, 60}});  // later than 2 and 3, but 1 is overdue
  UNIMEM_ASSERT_OK(h);
  EXPECT_TRUE(h->cached());
  EXPECT_EQ(c.find(DataId(1)).code(), Errc::not_found);
  for (std::uint64_t k : {2, 3, 4}) UNIMEM_ASSERT_OK(c.find(DataId(k)));
}

TEST(WorkerCache, ScheduledEvictionPassesOverEntriesInUse) {
  auto c = make(2 * 1024);
  Loader l;
  auto held = get(c, l, 1, 1024, {.schedule = Schedule{0, 90}});  // the farthest, but in use
  UNIMEM_ASSERT_OK(held);
  UNIMEM_ASSERT_OK(get(c, l, 2, 1024, {.schedule = Schedule{1, 20}}));
  auto h = get(c, l, 3, 1024, {.schedule = Schedule{2, 10}});
  UNIMEM_ASSERT_OK(h);
  EXPECT_TRUE(h->cached());  // 2 made room
  EXPECT_EQ(c.find(DataId(2)).code(), Errc::not_found);
  UNIMEM_ASSERT_OK(c.find(DataId(1)));
  // A hit (here through find) re-schedules: 1 is now read soonest, so 3 goes for 4.
  held->reset();
  h->reset();
  UNIMEM_ASSERT_OK(c.find(DataId(1), {.schedule = Schedule{3, 5}}));
  UNIMEM_ASSERT_OK(get(c, l, 4, 1024, {.schedule = Schedule{4, 6}}));
  EXPECT_EQ(c.find(DataId(3)).code(), Errc::not_found);
  UNIMEM_ASSERT_OK(c.find(DataId(1)));
  EXPECT_EQ(l.fills.load(), 4);
}

TEST(WorkerCache, AScheduledMissEvictsNothingUnlessMinWouldLetItIn) {
  auto c = make(3 * 1024);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 1, 1024, {.schedule = Schedule{0, 50}}));
  UNIMEM_ASSERT_OK(get(c, l, 2, 1024, {.schedule = Schedule{1, 10}}));
  UNIMEM_ASSERT_OK(get(c, l, 3, 1024, {.schedule = Schedule{2, 20}}));
  // 2 KiB read at 30: only 1 is read later, 1 KiB of room. Nothing goes.
  auto wide = get(c, l, 4, 2048, {.schedule = Schedule{3, 30}});
  UNIMEM_ASSERT_OK(wide);
  EXPECT_FALSE(wide->cached());
  EXPECT_EQ(c.stats().evictions, 0u);
  // Read at 15: 1 and 3 are read later; both go.
  auto sooner = get(c, l, 5, 2048, {.schedule = Schedule{4, 15}});
  UNIMEM_ASSERT_OK(sooner);
  EXPECT_TRUE(sooner->cached());
  EXPECT_EQ(c.stats().evictions, 2u);
  UNIMEM_ASSERT_OK(c.find(DataId(2)));
}

TEST(WorkerCache, AScheduledMissNeverReadAgainTakesNoEntrysRoom) {
  auto c = make(2 * 1024);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 1, 1024));
  auto free_room = get(c, l, 2, 1024, {.schedule = Schedule{0, kNoNextUse}});
  UNIMEM_ASSERT_OK(free_room);
  EXPECT_TRUE(free_room->cached());  // free room is used
  free_room->reset();
  auto full = get(c, l, 3, 1024, {.schedule = Schedule{1, kNoNextUse}});
  UNIMEM_ASSERT_OK(full);
  EXPECT_FALSE(full->cached());  // not even the unhinted 1 goes for it
  UNIMEM_ASSERT_OK(c.find(DataId(1)));
  EXPECT_EQ(c.stats().evictions, 0u);
  // A miss of a bypassed id is a capacity miss.
  UNIMEM_ASSERT_OK(get(c, l, 3, 1024, {.schedule = Schedule{2, kNoNextUse}}));
  EXPECT_EQ(c.stats().capacity_misses, 1u);
}

TEST(WorkerCache, KeepEntriesIgnoreTheSchedule) {
  auto c = make(2 * 1024);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 1, 1024, {.schedule = Schedule{0, 5}}));
  UNIMEM_ASSERT_OK(get(c, l, 2, 1024, {.schedule = Schedule{1, 6}}));
  auto scene = get(c, l, 3, 1024, {.retention = Retention::keep, .schedule = Schedule{2, kNoNextUse}});
  UNIMEM_ASSERT_OK(scene);
  EXPECT_TRUE(scene->cached());  // kept, although the schedule says it is not read again
  scene->reset();
  EXPECT_EQ(c.find(DataId(2)).code(), Errc::not_found);  // the farthest scheduled entry made room
  UNIMEM_ASSERT_OK(get(c, l, 4, 1024, {.schedule = Schedule{3, 4}}));
  UNIMEM_ASSERT_OK(c.find(DataId(3)));  // keep entries are never evicted for room
}

TEST(WorkerCache, AHintMovesAnEntryBetweenThePolicies) {
  auto c = make(2 * 1024);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 1, 1024, {.schedule = Schedule{0, 3}}));
  UNIMEM_ASSERT_OK(get(c, l, 2, 1024, {.schedule = Schedule{1, 100}}));
  // 1 is read with a uses hint only: it leaves the scheduled entries and goes before them.
  UNIMEM_ASSERT_OK(get(c, l, 1, 1024, {.remaining_uses = 5}));
  UNIMEM_ASSERT_OK(get(c, l, 3, 1024, {.schedule = Schedule{3, 4}}));
  EXPECT_EQ(c.find(DataId(1)).code(), Errc::not_found);
  UNIMEM_ASSERT_OK(c.find(DataId(2)));
  // 3 back under a schedule after a uses hint: the farthest (2, at 100) goes first again.
  UNIMEM_ASSERT_OK(get(c, l, 3, 1024, {.remaining_uses = 1}));
  UNIMEM_ASSERT_OK(get(c, l, 3, 1024, {.schedule = Schedule{4, 6}}));
  UNIMEM_ASSERT_OK(get(c, l, 5, 1024, {.schedule = Schedule{5, 7}}));
  EXPECT_EQ(c.find(DataId(2)).code(), Errc::not_found);
  UNIMEM_ASSERT_OK(c.find(DataId(3)));
}

TEST(WorkerCache, ClearRestartsTheScheduleClock) {
  auto c = make(2 * 1024);
  Loader l;
  UNIMEM_ASSERT_OK(get(c, l, 9, 1024, {.schedule = Schedule{1000, 1001}}));
  EXPECT_EQ(c.clear(), 1u);
  // A new plan from 0: without the restart 1 and 2 would be overdue, and 1 (the sooner) would go.
  UNIMEM_ASSERT_OK(get(c, l, 1, 1024, {.schedule = Schedule{0, 5}}));
  UNIMEM_ASSERT_OK(get(c, l, 2, 1024, {.schedule = Schedule{1, 6}}));
  UNIMEM_ASSERT_OK(get(c, l, 3, 1024, {.schedule = Schedule{2, 4}}));
  EXPECT_EQ(c.find(DataId(2)).code(), Errc::not_found);
  UNIMEM_ASSERT_OK(c.find(DataId(1)));
}

TEST(WorkerCache, AScheduleWhoseNextUseIsBeforeNowIsRejected) {
  auto c = make(4096);
  Loader l;
  auto bad = get(c, l, 1, 1024, {.schedule = Schedule{5, 4}});
  EXPECT_EQ(bad.code(), Errc::invalid_argument);
  EXPECT_NE(std::string(bad.error().what()).find("before now"), std::string::npos) << bad.error().what();
  EXPECT_EQ(l.fills.load(), 0);
  EXPECT_EQ(c.stats().entries, 0u);
  UNIMEM_ASSERT_OK(get(c, l, 1, 1024, {.schedule = Schedule{5, 5}}));
  EXPECT_EQ(c.find(DataId(1), {.schedule = Schedule{7, 6}}).code(), Errc::invalid_argument);
  UNIMEM_ASSERT_OK(c.find(DataId(1)));
  EXPECT_EQ(get(c, l, 2, 1024, {.schedule = Schedule{kNoNextUse, kNoNextUse}}).code(), Errc::invalid_argument);
  // acquire_all checks every request before it fills any.
  const CacheRequest set[] = {{DataId(3), 1024, {}}, {DataId(4), 1024, {.schedule = Schedule{2, 1}}}};
  auto all = c.acquire_all(set, [&](std::size_t i, std::span<std::byte> b) { return l(3 + i, b); });
  EXPECT_EQ(all.code(), Errc::invalid_argument);
  EXPECT_EQ(l.fills.load(), 1);
}

TEST(WorkerCache, HandlesMayOutliveTheirCache) {
  CacheHandle h;
  {
    auto c = make(4096);
    Loader l;
    auto a = get(c, l, 8, 2048);
    UNIMEM_ASSERT_OK(a);
    h = std::move(a).value();
  }
  ASSERT_TRUE(h);
  EXPECT_TRUE(holds(h, 8));
  EXPECT_EQ(h.as<std::uint32_t>().size(), 512u);
  h.reset();
  EXPECT_FALSE(h);
}
