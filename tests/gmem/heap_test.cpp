// gmem's jemalloc heap: the malloc contract on the host heap, a heap over a counted extent source
// (where every block must come from), threads, and the heap's memory under free_eager / prefetch.
#include "unimem/gmem/heap.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/test_support.hpp"
#include "unimem/core/align.hpp"
#include "unimem/gmem/gmem.hpp"
#include "unimem/gmem/residency.hpp"

using namespace unimem;
using namespace unimem::gmem;

namespace {

// An mmap source that records what it handed out, so a test can ask where a block lives.
struct CountingSource {
  std::mutex m;
  std::map<std::uintptr_t, std::size_t> live;
  std::size_t maps = 0, unmaps = 0;

  static void *map(std::size_t size, std::size_t alignment, void *ctx) {
    auto *self = static_cast<CountingSource *>(ctx);
    void *p = unimem_mmap_extent_source().map(size, alignment, nullptr);
    if (p == nullptr) return nullptr;
    std::lock_guard lock(self->m);
    self->live[reinterpret_cast<std::uintptr_t>(p)] = size;
    ++self->maps;
    return p;
  }
  static void unmap(void *p, std::size_t size, void *ctx) {
    auto *self = static_cast<CountingSource *>(ctx);
    {
      std::lock_guard lock(self->m);
      self->live.erase(reinterpret_cast<std::uintptr_t>(p));
      ++self->unmaps;
    }
    unimem_mmap_extent_source().unmap(p, size, nullptr);
  }
  bool owns(const void *block, std::size_t n) {
    std::lock_guard lock(m);
    const auto a = reinterpret_cast<std::uintptr_t>(block);
    auto it = live.upper_bound(a);
    if (it == live.begin()) return false;
    --it;
    return a + n <= it->first + it->second;
  }
  unimem_extent_source source() { return {&map, &unmap, this, 1}; }
};

void check_malloc_contract(Heap &heap) {
  void *z1 = heap.malloc(0), *z2 = heap.malloc(0);
  ASSERT_NE(z1, nullptr);
  EXPECT_NE(z1, z2) << "malloc(0) gives unique blocks";
  heap.free(z1);
  heap.free(z2);
  heap.free(nullptr);

  auto *c = static_cast<unsigned char *>(heap.calloc(1000, 3));
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(std::all_of(c, c + 3000, [](unsigned char x) { return x == 0; }));
  EXPECT_GE(heap.usable_size(c), 3000u);
  std::memset(c, 0xab, 3000);
  c = static_cast<unsigned char *>(heap.realloc(c, 1 << 20));
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(std::all_of(c, c + 3000, [](unsigned char x) { return x == 0xab; })) << "realloc keeps contents";
  EXPECT_EQ(heap.realloc(c, 0), nullptr) << "realloc(p, 0) frees, as glibc";

  for (std::size_t align = 1; align <= (std::size_t{1} << 21); align <<= 1) {
    void *a = heap.aligned_alloc(align, 24);
    ASSERT_NE(a, nullptr) << align;
    EXPECT_TRUE(is_aligned(a, align)) << align;
    heap.free(a);
  }
  errno = 0;
  EXPECT_EQ(heap.aligned_alloc(24, 64), nullptr);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(heap.calloc(~std::size_t{0} / 2, 4), nullptr) << "count * size overflows";
  EXPECT_EQ(errno, ENOMEM);
  errno = 0;
  EXPECT_EQ(heap.malloc(~std::size_t{0} - 4096), nullptr);
  EXPECT_EQ(errno, ENOMEM);
}

}  // namespace

TEST(GmemHeap, HostHeapKeepsTheMallocContract) {
  auto heap = Heap::host();
  check_malloc_contract(heap);
}

TEST(GmemHeap, LinkingTheHeapDoesNotReplaceTheProcessMalloc) {
  // jemalloc is the heap's private dependency: the malloc every other caller gets is not its.
  void *heap_block = Heap::host().malloc(100);
  ASSERT_NE(heap_block, nullptr);
  Dl_info info{};
  ASSERT_NE(dladdr(dlsym(RTLD_DEFAULT, "malloc"), &info), 0);
  ASSERT_NE(info.dli_fname, nullptr);
  EXPECT_EQ(std::string(info.dli_fname).find("jemalloc"), std::string::npos) << info.dli_fname;
  Heap::host().free(heap_block);
}

TEST(GmemHeap, HostFastPathIsJemallocsOwnAndSharesItsBlocks) {
  const unimem_heap_fast_path fast = unimem_heap_host_fast_path();
#if UNIMEM_TSAN
  EXPECT_EQ(fast.malloc, nullptr) << "TSan builds keep the annotated path";
  EXPECT_EQ(fast.free, nullptr);
#else
  ASSERT_NE(fast.malloc, nullptr) << "the library's constructor looks the fast path up";
  ASSERT_NE(fast.free, nullptr);
  for (void *fn : {reinterpret_cast<void *>(fast.malloc), reinterpret_cast<void *>(fast.free)}) {
    Dl_info info{};
    ASSERT_NE(dladdr(fn, &info), 0);
    EXPECT_NE(std::string(info.dli_fname).find("jemalloc"), std::string::npos) << info.dli_fname;
  }
#endif
  // Blocks cross between the direct path and the library's: both are the host heap's.
  auto heap = Heap::host();
  void *direct = heap.malloc(200);
  void *through_library = unimem_heap_malloc(unimem_heap_host(), 200);
  ASSERT_NE(direct, nullptr);
  ASSERT_NE(through_library, nullptr);
  EXPECT_GE(unimem_heap_usable_size(unimem_heap_host(), direct), 200u);
  unimem_heap_free(unimem_heap_host(), direct);
  heap.free(through_library);
}

TEST(GmemHeap, CreatedHeapTakesAllMemoryFromItsSource) {
  CountingSource counting;
  const auto source = counting.source();
  auto heap = Heap::create(source);
  UNIMEM_ASSERT_OK(heap);
  check_malloc_contract(*heap);
  std::mt19937 rng(7);
  std::vector<std::pair<void *, std::size_t>> blocks;
  for (int i = 0; i < 2000; ++i) {
    const std::size_t n = 1 + rng() % (i % 50 == 0 ? (4 << 20) : 4096);
    void *b = heap->malloc(n);
    ASSERT_NE(b, nullptr);
    ASSERT_TRUE(counting.owns(b, n)) << "block of " << n << " bytes outside the source's mappings";
    std::memset(b, i & 0xff, n);
    blocks.emplace_back(b, n);
  }
  const auto stats = heap->stats();
  EXPECT_GT(stats.allocated, 0u);
  EXPECT_GE(stats.mapped, stats.allocated);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    auto *p = static_cast<unsigned char *>(blocks[i].first);
    ASSERT_TRUE(std::all_of(p, p + blocks[i].second, [&](unsigned char x) { return x == (i & 0xff); }));
    heap->free(p);
  }
  *heap = Heap::host();  // destroys the created heap
  EXPECT_GT(counting.maps, 0u);
  EXPECT_EQ(counting.unmaps, counting.maps) << "destroy returns every mapping to the source";
}

TEST(GmemHeap, NullAndMovedFromHeapsAllocateNothing) {
  errno = 0;
  EXPECT_EQ(unimem_heap_malloc(nullptr, 8), nullptr);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(unimem_heap_calloc(nullptr, 1, 8), nullptr);
  EXPECT_EQ(unimem_heap_realloc(nullptr, nullptr, 8), nullptr);
  EXPECT_EQ(unimem_heap_aligned_alloc(nullptr, 64, 8), nullptr);
  int x = 0;
  unimem_heap_free(nullptr, &x);  // nothing to free through no heap
  EXPECT_EQ(unimem_heap_usable_size(nullptr, &x), 0u);
  EXPECT_EQ(unimem_heap_get_stats(nullptr).allocated, 0u);

  auto expect_moved_from_is_empty = [&](Heap &heap) {
    Heap taken = std::move(heap);
    errno = 0;
    EXPECT_EQ(heap.malloc(8), nullptr);  // the host heap's fast path goes with the new owner
    EXPECT_EQ(errno, EINVAL);
    EXPECT_EQ(heap.calloc(1, 8), nullptr);
    heap.free(&x);
    void *p = taken.malloc(8);
    ASSERT_NE(p, nullptr);
    taken.free(p);
  };
  Heap host = Heap::host();
  expect_moved_from_is_empty(host);
  CountingSource counting;
  const auto source = counting.source();
  auto created = Heap::create(source);
  UNIMEM_ASSERT_OK(created);
  expect_moved_from_is_empty(*created);
}

TEST(GmemHeap, CreatedHeapFromManyThreads) {
  CountingSource counting;
  const auto source = counting.source();
  auto heap = Heap::create(source);
  UNIMEM_ASSERT_OK(heap);
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      std::vector<std::pair<unsigned char *, std::size_t>> mine;
      for (int i = 0; i < 4000; ++i) {
        if (mine.empty() || rng() % 3 != 0) {
          const std::size_t n = 1 + rng() % 2048;
          auto *b = static_cast<unsigned char *>(heap->malloc(n));
          if (b == nullptr || !counting.owns(b, n)) ++bad;
          if (b != nullptr) std::memset(b, t, n);
          mine.emplace_back(b, n);
        } else {
          auto [b, n] = mine.back();
          mine.pop_back();
          if (!std::all_of(b, b + n, [&](unsigned char x) { return x == t; })) ++bad;
          heap->free(b);
        }
      }
      for (auto [b, n] : mine) heap->free(b);
    });
  }
  for (auto &th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(GmemHeap, DifferentialAgainstStdAllocations) {
  // Random malloc / realloc / free against a shadow copy kept in std::vector.
  auto heap = Heap::host();
  std::mt19937 rng(11);
  std::vector<std::pair<unsigned char *, std::vector<unsigned char>>> live;
  for (int i = 0; i < 20000; ++i) {
    const int op = rng() % 3;
    if (op == 0 || live.empty()) {
      const std::size_t n = rng() % 3000;
      auto *b = static_cast<unsigned char *>(heap.malloc(n));
      ASSERT_NE(b, nullptr);
      std::vector<unsigned char> shadow(n);
      for (auto &x : shadow) x = static_cast<unsigned char>(rng());
      std::copy(shadow.begin(), shadow.end(), b);
      live.emplace_back(b, std::move(shadow));
    } else {
      const std::size_t idx = rng() % live.size();
      auto &[b, shadow] = live[idx];
      ASSERT_TRUE(std::equal(shadow.begin(), shadow.end(), b));
      if (op == 1) {
        const std::size_t n = 1 + rng() % 6000;
        b = static_cast<unsigned char *>(heap.realloc(b, n));
        ASSERT_NE(b, nullptr);
        const std::size_t kept = std::min(n, shadow.size());
        shadow.resize(n);
        for (std::size_t k = kept; k < n; ++k) b[k] = shadow[k] = static_cast<unsigned char>(k);
      } else {
        heap.free(b);
        std::swap(live[idx], live.back());
        live.pop_back();
      }
    }
  }
  for (auto &[b, shadow] : live) {
    ASSERT_TRUE(std::equal(shadow.begin(), shadow.end(), b));
    heap.free(b);
  }
}

TEST(GmemHeap, HeapMemoryCanBePrefetchedAndFreedEagerly) {
  auto heap = Heap::host();
  const std::size_t n = 16 * kDefaultPageSize;
  auto *b = static_cast<char *>(heap.aligned_alloc(kDefaultPageSize, n));
  ASSERT_NE(b, nullptr);
  UNIMEM_ASSERT_OK(free_eager(b, n));
  auto before = residency(b, n);
  UNIMEM_ASSERT_OK(before);
  EXPECT_EQ(before->resident, 0u);
  UNIMEM_ASSERT_OK(prefetch(b, n, 0));
  auto after = residency(b, n);
  UNIMEM_ASSERT_OK(after);
  EXPECT_EQ(after->resident, after->pages);
  heap.free(b);
}
