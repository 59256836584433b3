// unordered_map: differential test against std::unordered_map, the fixed-capacity contract, and
// concurrency stress from host threads, both through the host handle and through SlabAllocatorRef
// handles (the form kernels use), which TSan also runs.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "container_heap.hpp"
#include "unimem/containers/unordered_map.hpp"

namespace unimem {
namespace {

// Iteration visits exactly the reference's elements, each once, with its value.
template <class Map>
void expect_iteration_matches(const Map &m, const std::unordered_map<std::uint32_t, std::uint64_t> &ref) {
  std::size_t seen = 0;
  for (const auto &[k, v] : m) {
    ASSERT_EQ(ref.at(k), v);
    ++seen;
  }
  EXPECT_EQ(seen, ref.size());
}

template <class A>
using MapConformance = test::HeapTest<A>;
TYPED_TEST_SUITE(MapConformance, test::AllAllocators);

TYPED_TEST(MapConformance, RandomOperationsMatchStdUnorderedMap) {
  using Map = unordered_map<std::uint32_t, std::uint64_t, TypeParam>;
  auto m = Map::create(*this->heap.alloc, 0, MapGrowth::automatic).value();
  std::unordered_map<std::uint32_t, std::uint64_t> ref;
  std::mt19937_64 rng(11);
  for (int step = 0; step < 50000; ++step) {
    const std::uint64_t x = rng();
    const auto key = static_cast<std::uint32_t>(x % 3000);  // small key space: many hits and erases
    switch (x % 6) {
      case 0: case 1: {
        auto [it, inserted] = m.emplace(key, x);
        ASSERT_NE(it, m.end());
        ASSERT_EQ(inserted, ref.emplace(key, x).second);
        ASSERT_EQ(it->first, key);
        ASSERT_EQ(it->second, ref.at(key));
        break;
      }
      case 2:
        ASSERT_FALSE(m.insert_or_assign(key, x).first == m.end());
        ref.insert_or_assign(key, x);
        break;
      case 3: ASSERT_EQ(m.erase(key), ref.erase(key)); break;
      case 4: {
        auto it = m.find(key);
        auto r = ref.find(key);
        ASSERT_EQ(it == m.end(), r == ref.end());
        if (r != ref.end()) ASSERT_EQ(it->second, r->second);
        std::uint64_t got = 0;
        ASSERT_EQ(m.get(key, got), r != ref.end());
        break;
      }
      default:
        if (x % 1000 == 0) ASSERT_TRUE(m.rehash(m.capacity() * 2));
        if (x % 5000 == 1) { m.clear(); ref.clear(); }
        break;
    }
    ASSERT_EQ(m.size(), ref.size()) << "step " << step;
  }
  ASSERT_NO_FATAL_FAILURE(expect_iteration_matches(m, ref));
  // erase through iterators while iterating (single writer)
  for (auto it = m.begin(); it != m.end();) it = it->first % 2 ? m.erase(it) : std::next(it);
  for (const auto &kv : m) EXPECT_EQ(kv.first % 2, 0u);
  m.destroy();
}

// Four hashes for all keys: each fills whole groups, probes across them and (the all-ones hashes
// start in the last group) wraps around the table's end; keys of one hash share a fingerprint, so
// every probe compares keys, and the first two differ only in the fingerprint's lowest bit, which
// the lane match may also flag (a borrow from the lane below).
struct FourHashes {
  std::uint64_t operator()(std::uint32_t k) const noexcept {
    constexpr std::uint64_t kHashes[] = {~std::uint64_t{0}, ~std::uint64_t{0} ^ std::uint64_t{1} << 57, 0,
                                         0x8000000000000003ull};
    return kHashes[k % 4];
  }
};

TEST(MapCollisions, RandomOperationsOnCollidingKeysMatchStdUnorderedMap) {
  test::Heap<ThreadLocalAllocator> heap;
  using Map = unordered_map<std::uint32_t, std::uint64_t, ThreadLocalAllocator, FourHashes>;
  auto m = Map::create(*heap.alloc, 0, MapGrowth::automatic).value();
  std::unordered_map<std::uint32_t, std::uint64_t> ref;
  std::mt19937_64 rng(5);
  for (int step = 0; step < 20000; ++step) {
    const std::uint64_t x = rng();
    const auto key = static_cast<std::uint32_t>(x % 200);
    switch (x % 4) {
      case 0: case 1: ASSERT_EQ(m.emplace(key, x).second, ref.emplace(key, x).second); break;
      case 2: ASSERT_EQ(m.erase(key), ref.erase(key)); break;
      default: {
        auto it = m.find(key);
        ASSERT_EQ(it == m.end(), !ref.contains(key)) << key;
        if (it != m.end()) ASSERT_EQ(it->second, ref.at(key));
      }
    }
    ASSERT_EQ(m.size(), ref.size()) << "step " << step;
  }
  ASSERT_NO_FATAL_FAILURE(expect_iteration_matches(m, ref));
  m.destroy();
}

TYPED_TEST(MapConformance, FixedMapReportsFullAndKeepsItsElements) {
  using Map = unordered_map<std::uint64_t, std::uint64_t, TypeParam>;
  auto m = Map::create(*this->heap.alloc, 100).value();
  const std::size_t cap = m.capacity();
  std::size_t inserted = 0;
  for (std::uint64_t k = 0; k < cap; ++k) {
    auto r = m.emplace(k, k * 3);
    if (r.first == m.end()) break;
    ASSERT_TRUE(r.second);
    ++inserted;
  }
  EXPECT_GE(inserted, 100u);
  EXPECT_LT(inserted, cap) << "the load limit stops inserts before the table is full";
  EXPECT_EQ(m.capacity(), cap) << "a fixed map never grows by itself";
  for (std::uint64_t k = 0; k < inserted; ++k) ASSERT_EQ(m.find(k)->second, k * 3);
  EXPECT_FALSE(m.emplace(inserted, 0).second);
  // existing keys are still found (not reported full) and reserve makes room
  EXPECT_EQ(m.emplace(5, 0).first->second, 15u);
  ASSERT_TRUE(m.reserve(inserted * 2));
  EXPECT_TRUE(m.emplace(inserted, 1).second);
  EXPECT_EQ(m.size(), inserted + 1);
  m.destroy();
}

// At a 10% limit eight slots hold no element, so the first insert of an empty automatic map must
// double the table rather than rehash it at the same size forever.
TYPED_TEST(MapConformance, AutomaticMapAtTheLowestLoadLimitGrowsFromEmpty) {
  auto m = unordered_map<std::uint64_t, std::uint64_t, TypeParam>::create(*this->heap.alloc, 0, MapGrowth::automatic, 10)
               .value();
  for (std::uint64_t k = 0; k < 100; ++k) ASSERT_TRUE(m.emplace(k, k).second) << k;
  for (std::uint64_t k = 0; k < 100; ++k) ASSERT_EQ(m.find(k)->second, k);
  EXPECT_GE(m.capacity(), 1000u);
  m.destroy();
}

TYPED_TEST(MapConformance, InvalidLoadFactorIsAnError) {
  auto bad = unordered_map<int, int, TypeParam>::create(*this->heap.alloc, 10, MapGrowth::fixed, 99);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), Errc::invalid_argument);
}

TYPED_TEST(MapConformance, SizesThatOverflowAreRefusedAndChangeNothing) {
  using Map = unordered_map<std::uint64_t, int, TypeParam>;
  for (std::size_t n : {Map::max_size() + 1, std::size_t{1} << 62, ~std::size_t{0}}) {
    auto big = Map::create(*this->heap.alloc, n);
    ASSERT_FALSE(big) << n;
    EXPECT_EQ(big.error().code(), Errc::invalid_argument);
  }
  auto m = Map::create(*this->heap.alloc, 4).value();
  ASSERT_TRUE(m.emplace(7, 1).second);
  const auto capacity = m.capacity();
  EXPECT_FALSE(m.reserve(std::size_t{1} << 62));  // n * 100 wrapped to a small table before
  EXPECT_FALSE(m.rehash(~std::size_t{0}));         // the capacity doubled to 0 and looped before
  EXPECT_EQ(m.capacity(), capacity);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_NE(m.find(7), m.end());
  m.destroy();
}

// ---- concurrency (host threads; the same code runs in kernels) ----

using MapStress = test::HeapTest<ThreadLocalAllocator, std::size_t{256} << 20>;

constexpr int kThreads = 4;

// Runs body(t) for t in [0, kThreads) on threads released at once, and joins them.
template <class Body>
void run_together(Body body) {
  std::atomic<int> go{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (go.load() == 0) {}
      body(t);
    });
  }
  go.store(1);
  for (auto &th : threads) th.join();
}

TEST_F(MapStress, ConcurrentInsertFindEraseFromManyThreads) {
  using Map = unordered_map<std::uint64_t, std::uint64_t>;
  constexpr std::uint64_t kPerThread = 20000;
  auto m = Map::create(*heap.alloc, kThreads * kPerThread).value();
  run_together([&](int t) {
    // each thread owns keys t, t + kThreads, ...; probes everyone's; erases its odd ones
    for (std::uint64_t i = 0; i < kPerThread; ++i) {
      const std::uint64_t k = i * kThreads + t;
      auto r = m.emplace(k, k + 1);
      ASSERT_TRUE(r.second) << k;
      const std::uint64_t other = (i * kThreads + (t + 1) % kThreads);
      auto it = m.find(other);
      if (it != m.end()) ASSERT_EQ(it->second, other + 1) << "a published pair is complete";
    }
    for (std::uint64_t i = 1; i < kPerThread; i += 2) ASSERT_EQ(m.erase(i * kThreads + t), 1u);
  });
  EXPECT_EQ(m.size(), kThreads * kPerThread / 2);
  for (std::uint64_t k = 0; k < kThreads * kPerThread; ++k) {
    const bool even = (k / kThreads) % 2 == 0;
    ASSERT_EQ(m.contains(k), even) << k;
  }
  m.destroy();
}

TEST_F(MapStress, RacingInsertsOfOneKeyHaveOneWinner) {
  using Map = unordered_map<std::uint64_t, std::uint64_t>;
  auto m = Map::create(*heap.alloc, 4096).value();
  SlabAllocatorRef ref = heap.alloc->ref();
  for (int round = 0; round < 200; ++round) {
    std::atomic<int> winners{0};
    run_together([&](int t) {
      auto k = m.rebind(ref);  // kernel-style handle
      for (std::uint64_t key = round * 10; key < round * 10 + 10; ++key) {
        if (k.emplace(key, t).second) winners.fetch_add(1);
      }
    });
    ASSERT_EQ(winners.load(), 10) << "round " << round;
  }
  EXPECT_EQ(m.size(), 2000u);
  m.destroy();
}

// Every key in one probe chain: the threads claim, publish, lock and erase bytes of the same group
// words at once, so a lost update between neighbouring lanes would lose or resurrect a key.
TEST_F(MapStress, InsertsAndErasesInSharedGroupWordsFromManyThreads) {
  struct OneHash {
    std::uint64_t operator()(std::uint64_t) const noexcept { return 12345; }
  };
  using Map = unordered_map<std::uint64_t, std::uint64_t, ThreadLocalAllocator, OneHash>;
  constexpr std::uint64_t kPerThread = 64;
  auto m = Map::create(*heap.alloc, 4 * kThreads * kPerThread).value();
  for (int round = 0; round < 100; ++round) {  // many rounds: one is shorter than a time slice
    m.clear();
    run_together([&](int t) {
      for (std::uint64_t i = 0; i < kPerThread; ++i) ASSERT_TRUE(m.emplace(i * kThreads + t, t).second);
      for (std::uint64_t i = 0; i < kPerThread; i += 2) ASSERT_EQ(m.erase(i * kThreads + t), 1u);
      for (std::uint64_t i = 1; i < kPerThread; i += 2) m.insert_or_assign(i * kThreads + t, t + 100);
    });
    ASSERT_EQ(m.size(), kThreads * kPerThread / 2) << "round " << round;
    for (std::uint64_t k = 0; k < kThreads * kPerThread; ++k) {
      std::uint64_t v = 0;
      const bool odd = (k / kThreads) % 2 == 1;
      ASSERT_EQ(m.get(k, v), odd) << k << " round " << round;
      if (odd) ASSERT_EQ(v, k % kThreads + 100) << k;
    }
  }
  m.destroy();
}

// Eight slots and a limit of seven, filled by racing threads: an insert that checked the count
// before claiming could take the eighth byte beside another, and then a lookup of an absent key,
// which ends at a group with an empty byte, would never end.
TEST_F(MapStress, RacingInsertsStopAtTheLoadLimit) {
  using Map = unordered_map<std::uint64_t, std::uint64_t>;
  auto m = Map::create(*heap.alloc, 6, MapGrowth::fixed, 95).value();
  ASSERT_EQ(m.capacity(), 8u);
  for (int round = 0; round < 300; ++round) {
    m.clear();
    run_together([&](int t) {
      for (std::uint64_t k = t * 100; k < t * 100 + 8; ++k) m.emplace(k, k);
    });
    ASSERT_EQ(m.size(), 7u) << "round " << round;
    ASSERT_FALSE(m.contains(1000));
  }
  m.destroy();
}

TEST_F(MapStress, GetIsConsistentWhileAnotherThreadAssigns) {
  struct Pair {
    std::uint64_t a, b;
  };
  using Map = unordered_map<std::uint32_t, Pair>;
  auto m = Map::create(*heap.alloc, 64).value();
  ASSERT_TRUE(m.emplace(1, Pair{0, 0}).second);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (std::uint64_t i = 1; !stop.load(); ++i) m.insert_or_assign(1, Pair{i, i});
  });
  for (int r = 0; r < 20000; ++r) {  // the writer assigns for as long as the reader reads
    Pair p{};
    const bool found = m.get(1, p);
    if (!found || p.a != p.b) {  // no ASSERT: the writer must be stopped first
      ADD_FAILURE() << "get() must copy under the slot lock: found " << found << ", " << p.a << " != " << p.b;
      break;
    }
  }
  stop = true;
  writer.join();
  m.destroy();
}

// Two threads erase a key while two copy it with get(): a get that takes the slot's lock after the
// erase must see the key gone (and give the lock back), one before it a whole value.
TEST_F(MapStress, GetRacingEraseOfOneKeySeesItWholeOrGone) {
  struct Pair {
    std::uint64_t a, b;
  };
  using Map = unordered_map<std::uint64_t, Pair>;
  auto m = Map::create(*heap.alloc, 4096).value();
  for (std::uint64_t k = 0; k < 1000; ++k) {
    ASSERT_TRUE(m.emplace(k, Pair{k, k}).second);
    std::atomic<int> erased{0};
    run_together([&](int t) {
      if (t % 2 == 0) {
        erased.fetch_add(static_cast<int>(m.erase(k)));
        return;
      }
      for (int r = 0; r < 50; ++r) {
        Pair p{};
        if (m.get(k, p)) ASSERT_TRUE(p.a == k && p.b == k) << k;
      }
    });
    ASSERT_EQ(erased.load(), 1) << k;
    ASSERT_FALSE(m.contains(k));
  }
  m.destroy();
}

// Racing inserts of one key may each reserve a byte of the load limit before one of them wins; the
// losers must give theirs back, or the table refuses keys below its limit. The threads insert the
// same keys in the same order, so they often meet at the same empty byte.
TEST_F(MapStress, LosersOfARacingInsertGiveTheirReservationBack) {
  using Map = unordered_map<std::uint64_t, std::uint64_t>;
  auto m = Map::create(*heap.alloc, 700, MapGrowth::fixed, 95).value();
  const std::uint64_t limit = m.capacity() * 95 / 100;
  for (int round = 0; round < 20; ++round) {
    m.clear();
    run_together([&](int t) {
      for (std::uint64_t k = 0; k < 900; ++k) m.emplace(k, t);
    });
    ASSERT_EQ(m.size(), 900u) << "round " << round;
    std::uint64_t more = 0;
    while (m.emplace(1000 + more, 0).second) ++more;
    ASSERT_EQ(900 + more, limit) << "round " << round;
  }
  m.destroy();
}

TEST_F(MapStress, ConcurrentEraseOfOneKeyErasesOnce) {
  using Map = unordered_map<std::uint64_t, std::uint64_t>;
  auto m = Map::create(*heap.alloc, 20000).value();
  for (std::uint64_t k = 0; k < 10000; ++k) ASSERT_TRUE(m.emplace(k, k).second);
  std::atomic<std::uint64_t> erased{0};
  run_together([&](int) {
    for (std::uint64_t k = 0; k < 10000; ++k) erased.fetch_add(m.erase(k));
  });
  EXPECT_EQ(erased.load(), 10000u);
  EXPECT_TRUE(m.empty());
  m.destroy();
}

}  // namespace
}  // namespace unimem
