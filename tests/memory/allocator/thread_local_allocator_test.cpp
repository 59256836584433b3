// ThreadLocalAllocator under concurrency: threads, explicit thread ids (the device path run by host
// threads), processes, and processes that die.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "allocator_fixtures.hpp"
#include "support/block_stamp.hpp"
#include "unimem/memory/memory_manager.hpp"

using namespace unimem;

namespace {

// Threads share a board of block offsets: each allocates a stamped block, swaps it into a random
// entry, and checks and frees the block it displaced (usually another thread's: a remote free).
template <class Alloc>
void board_stress(Alloc &a, char *base, int threads, int iters, bool explicit_ids) {
  std::vector<std::atomic<std::uint64_t>> board(512);
  std::atomic<int> damaged{0}, refused{0}, oom{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      std::mt19937_64 rng(1000 + t);
      for (int i = 0; i < iters; ++i) {
        // Explicit ids emulate GPU threads: many ids per OS thread, each mapped onto a shared cache.
        const MemContext ctx{explicit_ids ? ThreadId{rng() % 4096} : ThreadId{}};
        const std::uint64_t size = test::kStampHeader + (rng() % 16 == 0 ? rng() % 100000 : rng() % 512);
        const OffsetPtr<void> p = a.allocate_offset(ctx, size);
        if (p.is_null()) {
          ++oom;
          continue;
        }
        test::stamp_block(base + p.offset(), size, rng());
        // Swap it in for whatever the entry held (often another thread's block: a remote free).
        const std::uint64_t old = board[rng() % board.size()].exchange(p.offset(), std::memory_order_acq_rel);
        if (old != 0) {
          if (!test::check_block(base + old, test::stamped_size(base + old))) ++damaged;
          if (a.free_offset(ctx, OffsetPtr<void>(old)) != Errc::ok) ++refused;
        }
      }
    });
  }
  for (auto &t : ts) t.join();
  EXPECT_EQ(damaged.load(), 0);
  EXPECT_EQ(refused.load(), 0);
  EXPECT_EQ(oom.load(), 0);
  for (auto &e : board) {
    if (const std::uint64_t off = e.load()) {
      EXPECT_TRUE(test::check_block(base + off, test::stamped_size(base + off)));
      EXPECT_EQ(a.free_offset(MemContext{}, OffsetPtr<void>(off)), Errc::ok);
    }
  }
}

using Tla = test::TlaFixture<CheckLevel::full>;

std::uint32_t bound_slots(const MemoryBackend &b) {
  auto v = detail::HeapView::at(b.base(), RegionHeader::kHeaderBytes);
  std::uint32_t n = 0;
  for (std::uint32_t s = 0; s < v.h->host_slots + v.h->shared_slots; ++s) n += v.slots[s].owner.owner() != 0;
  return n;
}

}  // namespace

TEST(ThreadLocalAllocatorStress, CrossThreadFrees) {
  Tla f;
  board_stress(*f.alloc, f.backend->base(), 4, 20000, false);
  EXPECT_EQ(f.alloc->stats().bytes_in_use, 0u);
}

TEST(ThreadLocalAllocatorStress, ExplicitThreadIdsThroughTheDeviceRef) {
  Tla f;
  SlabAllocatorRef ref = f.alloc->ref();  // what a kernel gets; here run by host threads
  board_stress(ref, f.backend->base(), 4, 20000, true);
  EXPECT_EQ(f.alloc->stats().bytes_in_use, 0u);
}

TEST(ScalablePageAllocatorStress, CrossThreadFrees) {
  test::SpaFixture<CheckLevel::full> f;
  board_stress(*f.alloc, f.backend->base(), 4, 10000, false);
  EXPECT_EQ(f.alloc->stats().bytes_in_use, 0u);
}

TEST(ThreadLocalAllocator, ThreadExitReleasesItsCache) {
  Tla f;
  // More threads than host caches, one after another: each exit must free its cache for the next.
  for (int t = 0; t < 150; ++t) {
    std::thread([&] {
      std::vector<OffsetPtr<void>> keep;
      for (int i = 0; i < 100; ++i) keep.push_back(f.alloc->allocate_offset({}, 48));
      for (std::size_t i = 0; i < keep.size(); i += 2) ASSERT_EQ(f.alloc->free_offset({}, keep[i]), Errc::ok);
    }).join();
  }
  EXPECT_EQ(bound_slots(*f.backend), 0u);
  EXPECT_EQ(f.alloc->stats().classes[size_classes::class_of(48)].live_blocks, 150u * 50);
  EXPECT_EQ(f.alloc->stats().bytes_in_use, 150u * 50 * 48);
  MemContext ctx;
  f.alloc->create_tls(ctx);
  EXPECT_EQ(bound_slots(*f.backend), 1u);
  f.alloc->free_tls(ctx);
  EXPECT_EQ(bound_slots(*f.backend), 0u);
}

TEST(ThreadLocalAllocator, OutOfMemoryIsNullAndEmptySpansServeOtherSizes) {
  Tla f(4u << 20);
  auto &a = *f.alloc;
  const std::uint64_t capacity = a.stats().capacity_bytes;
  std::vector<OffsetPtr<void>> small;
  for (;;) {
    const OffsetPtr<void> p = a.allocate_offset({}, 1000);
    if (p.is_null()) break;
    small.push_back(p);
  }
  EXPECT_GT(small.size() * 1024, capacity * 3 / 4);
  auto r = a.try_allocate({}, 1000);
  EXPECT_EQ(r.code(), Errc::out_of_memory);
  EXPECT_NE(r.error().message().find("no room for 1000 bytes"), std::string::npos) << r.error().what();
  std::thread other([&] {  // remote frees: the spans end up on the central stacks, all empty
    for (auto p : small) ASSERT_EQ(a.free_offset({}, p), Errc::ok);
  });
  other.join();
  // One run nearly as large as the heap: only possible if the empty spans went back to the pages.
  const OffsetPtr<void> big = a.allocate_offset({}, capacity - (128u << 10));
  ASSERT_FALSE(big.is_null()) << "reserved " << a.stats().bytes_reserved << " of " << capacity;
  EXPECT_EQ(a.free_offset({}, big), Errc::ok);
  EXPECT_TRUE(a.allocate_offset({}, capacity + 1).is_null());
  EXPECT_TRUE(a.allocate_offset({}, ~std::size_t{0}).is_null());
}

TEST(ThreadLocalAllocator, CreateAndAttachRejectWhatDoesNotFit) {
  const std::string name = test::unique_name("tla-errors");
  test::ShmNameGuard guard(name);
  auto tiny = PosixShmBackend::create(name, 8192);
  ASSERT_TRUE(tiny);
  auto r = ThreadLocalAllocator::create(**tiny, AllocatorId{1});
  EXPECT_EQ(r.code(), Errc::invalid_argument);
  EXPECT_NE(r.error().message().find("too small"), std::string::npos);
  EXPECT_EQ(ThreadLocalAllocator::attach(**tiny, AllocatorId{1}).code(), Errc::not_found);

  Tla f(8u << 20);
  EXPECT_EQ(ThreadLocalAllocator::attach(*f.backend, AllocatorId{99}).code(), Errc::invalid_argument);
  EXPECT_EQ(ScalablePageAllocator::attach(*f.backend, test::kTestAlloc).code(), Errc::invalid_argument);
  auto again = ThreadLocalAllocator::attach(*f.backend, test::kTestAlloc);
  ASSERT_TRUE(again) << again.error().what();
  EXPECT_EQ(f.alloc->device_ref().code(), Errc::invalid_argument);  // posix shm: no device view
  SlabAllocatorOptions none;
  none.shared_slots = 0;
  EXPECT_EQ(ThreadLocalAllocator::create(*f.backend, AllocatorId{2}, none).code(), Errc::invalid_argument);
  SlabAllocatorOptions wraps;  // the slot count wrapped to 0 in 32 bits before
  wraps.host_slots = 0xFFFFFFFFu;
  wraps.shared_slots = 1;
  EXPECT_EQ(ThreadLocalAllocator::create(*f.backend, AllocatorId{2}, wraps).code(), Errc::invalid_argument);
  // A region that holds a heap is never formatted again (that wiped every live block).
  auto live = f.alloc->allocate<int>({});
  ASSERT_FALSE(live.is_null());
  *live.ptr = 42;
  const auto in_use = f.alloc->stats().bytes_in_use;
  auto over = ThreadLocalAllocator::create(*f.backend, test::kTestAlloc);
  EXPECT_EQ(over.code(), Errc::already_exists);
  EXPECT_EQ(ScalablePageAllocator::create(*f.backend, AllocatorId{5}).code(), Errc::already_exists);
  EXPECT_EQ(f.alloc->stats().bytes_in_use, in_use);
  EXPECT_EQ(*live.ptr, 42);
  EXPECT_TRUE(f.alloc->free({}, live));
}

TEST(ThreadLocalAllocator, BackendDestroyedBeforeTheHandleIsHarmless) {
  Tla f(8u << 20);
  std::thread([&] { ASSERT_FALSE(f.alloc->allocate_offset({}, 64).is_null()); }).join();  // a released cache
  ASSERT_FALSE(f.alloc->allocate_offset({}, 64).is_null());  // this thread's cache, still bound
  ASSERT_TRUE(f.backend->destroy());  // unmaps the heap under the live handle
  f.alloc.reset();                    // must not touch the unmapped memory
  SUCCEED();
}

TEST(ThreadLocalAllocator, ManagerOwnsAllocatorsAndResolvesTheirPointers) {
  MemoryManager mm;
  const std::string name = test::unique_name("tla-mm");
  test::ShmNameGuard guard(name);
  ASSERT_TRUE(mm.create_backend<PosixShmBackend>(BackendId{0}, name, 16u << 20));
  auto a = mm.create_allocator<ThreadLocalAllocator>(AllocatorId{4}, BackendId{0});
  ASSERT_TRUE(a) << a.error().what();
  EXPECT_EQ(mm.allocator<ThreadLocalAllocator>(AllocatorId{4}), *a);
  EXPECT_EQ(mm.allocator<ScalablePageAllocator>(AllocatorId{4}), nullptr);
  EXPECT_EQ(mm.create_allocator<ThreadLocalAllocator>(AllocatorId{4}, BackendId{0}).code(), Errc::already_exists);
  EXPECT_EQ(mm.create_allocator<ThreadLocalAllocator>(AllocatorId{5}, BackendId{3}).code(), Errc::not_found);
  FullPtr<int> p = (*a)->allocate<int>({}, 10);
  ASSERT_FALSE(p.is_null());
  EXPECT_EQ(mm.to_address(p.shm), p.ptr);
  EXPECT_EQ(*mm.to_shm(AllocatorId{4}, p.ptr), p.shm);
  auto m = mm.adopt_allocator(BackendId{}, MallocAllocator::create(AllocatorId{6}));
  ASSERT_TRUE(m);
  // A region allocator must come with the backend of its region (detaching it unregisters the
  // allocator; without it the allocator's pointers outlived the mapping).
  {
    const std::string other = test::unique_name("tla-mm-other");
    test::ShmNameGuard other_guard(other);
    ASSERT_TRUE(mm.create_backend<PosixShmBackend>(BackendId{1}, other, 8u << 20));
    auto elsewhere = ThreadLocalAllocator::create(*mm.backend(BackendId{1}), AllocatorId{7});
    ASSERT_TRUE(elsewhere);
    EXPECT_EQ(mm.adopt_allocator(BackendId{}, std::move(*elsewhere)).code(), Errc::invalid_argument);
    auto again = ThreadLocalAllocator::attach(*mm.backend(BackendId{1}), AllocatorId{7});
    ASSERT_TRUE(again);
    EXPECT_EQ(mm.adopt_allocator(BackendId{0}, std::move(*again)).code(), Errc::invalid_argument);
    auto right = ThreadLocalAllocator::attach(*mm.backend(BackendId{1}), AllocatorId{7});
    ASSERT_TRUE(right);
    EXPECT_TRUE(mm.adopt_allocator(BackendId{1}, std::move(*right)));
    ASSERT_TRUE(mm.detach_backend(BackendId{1}));
    EXPECT_EQ(mm.allocator<ThreadLocalAllocator>(AllocatorId{7}), nullptr);
  }
  FullPtr<int> q = mm.allocator<MallocAllocator>(AllocatorId{6})->allocate<int>({}, 3);
  EXPECT_EQ(mm.to_address(q.shm), q.ptr);  // MallocAllocator: offsets are addresses
  ASSERT_TRUE(mm.detach_backend(BackendId{0}));
  EXPECT_EQ(mm.allocator<ThreadLocalAllocator>(AllocatorId{4}), nullptr);
  EXPECT_EQ(mm.to_address(p.shm), nullptr);
  EXPECT_TRUE(mm.allocator<MallocAllocator>(AllocatorId{6})->free({}, q));
}

// ---- processes ----

namespace {

struct SharedHeap {
  Tla f{256u << 20};
  std::uint64_t board = 0;
  SharedHeap() {
    auto b = f.alloc->allocate<Atomic<std::uint64_t>>({}, 1024);
    for (int i = 0; i < 1024; ++i) new (&b.ptr[i]) Atomic<std::uint64_t>(0);
    board = b.shm.off.offset();
  }
  pid_t spawn(long iters, int seed) {
    return test::spawn_helper({"tla-stress", f.name, std::to_string(test::kTestAlloc.value), std::to_string(board),
                               std::to_string(iters), std::to_string(seed)});
  }
  // Checks and frees what the processes left on the board. @return blocks found.
  int drain() {
    auto *entries = reinterpret_cast<Atomic<std::uint64_t> *>(f.backend->base() + board);
    int n = 0;
    for (int i = 0; i < 1024; ++i) {
      if (const std::uint64_t off = entries[i].exchange(0, std::memory_order_acq_rel)) {
        EXPECT_TRUE(test::check_block(f.backend->base() + off, test::stamped_size(f.backend->base() + off)));
        EXPECT_EQ(f.alloc->free_offset({}, OffsetPtr<void>(off)), Errc::ok);
        ++n;
      }
    }
    return n;
  }
};

// Waits for @p pid at most @p seconds; kills it if it does not finish. @return its exit code.
int wait_with_deadline(pid_t pid, int seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > end) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;  // deadlocked or far too slow
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST(ThreadLocalAllocatorProcesses, FourProcessesChecksumEveryBlock) {
  SharedHeap h;
  std::vector<pid_t> kids;
  for (int p = 0; p < 4; ++p) kids.push_back(h.spawn(20000, p + 1));
  for (pid_t k : kids) EXPECT_EQ(wait_with_deadline(k, 120), 0);
  EXPECT_GT(h.drain(), 0);
  EXPECT_EQ(h.f.alloc->reclaim_dead_processes(), 0u);  // they exited cleanly and released their caches
  EXPECT_EQ(h.f.alloc->stats().bytes_in_use, 1024u * 8);  // only the board is left
}

TEST(ThreadLocalAllocatorProcesses, KilledProcessBlocksNoOne) {
  SharedHeap h;
  std::vector<pid_t> kids;
  for (int p = 0; p < 4; ++p) kids.push_back(h.spawn(p == 0 ? 100000000 : 30000, p + 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(kids[0], SIGKILL);  // mid-run, wherever it is
  EXPECT_EQ(wait_with_deadline(kids[0], 10), 128 + SIGKILL);
  for (std::size_t k = 1; k < kids.size(); ++k) EXPECT_EQ(wait_with_deadline(kids[k], 120), 0);
  EXPECT_EQ(h.f.alloc->reclaim_dead_processes(), 1u);  // its cache goes back to the heap
  h.drain();
  // The heap keeps working for everyone.
  auto again = h.spawn(5000, 99);
  EXPECT_EQ(wait_with_deadline(again, 60), 0);
  h.drain();
}

TEST(ThreadLocalAllocatorProcesses, HeapLockHolderKilledIsRecovered) {
  SharedHeap h;
  auto child = test::run_helper({"heap-lock-die", h.f.name});
  ASSERT_EQ(child.exit_code, 128 + SIGKILL);
  ASSERT_EQ(child.out, "LOCKED\n");
  // A page run needs the lock: it is taken over and the run lists rebuilt.
  const OffsetPtr<void> big = h.f.alloc->allocate_offset({}, 10u << 20);
  ASSERT_FALSE(big.is_null());
  EXPECT_EQ(h.f.alloc->lock_recoveries(), 1u);
  std::memset(h.f.alloc->to_address(big), 1, 10u << 20);
  EXPECT_EQ(h.f.alloc->free_offset({}, big), Errc::ok);
}

TEST(ThreadLocalAllocator, SmallBlocksCarryNoHeader) {
  test::TlaFixture<CheckLevel::cheap> f(64u << 20);
  for (std::size_t size : {16, 48, 64, 256}) {
    std::vector<std::uint64_t> offs;
    for (int i = 0; i < 64; ++i) offs.push_back(f.alloc->allocate_offset({}, size).offset());
    // Blocks of a fresh span are handed out back to back: exactly `size` apart, nothing in between.
    for (std::size_t i = 1; i < offs.size(); ++i) ASSERT_EQ(offs[i] - offs[i - 1], size) << size;
  }
  // 4096 blocks of 16 B fill exactly one 64 KiB page.
  test::TlaFixture<CheckLevel::cheap> g(64u << 20);
  for (int i = 0; i < 4096; ++i) ASSERT_FALSE(g.alloc->allocate_offset({}, 16).is_null());
  EXPECT_EQ(g.alloc->stats().bytes_reserved, size_classes::kPageSize);
  EXPECT_EQ(g.alloc->stats().bytes_in_use, 4096u * 16);
}

TEST(ThreadLocalAllocator, CheckFindsDamagedStructures) {
  test::TlaFixture<CheckLevel::cheap> f(32u << 20);
  std::vector<OffsetPtr<void>> keep;
  for (int i = 0; i < 200; ++i) keep.push_back(f.alloc->allocate_offset({}, 16 + (i % 40) * 100));
  const OffsetPtr<void> big = f.alloc->allocate_offset({}, 3u << 20);
  for (int i = 0; i < 200; i += 3) ASSERT_EQ(f.alloc->free_offset({}, keep[i]), Errc::ok);
  HeapReport ok = f.alloc->check();
  EXPECT_TRUE(ok.problems.empty()) << ok.problems.front();
  EXPECT_GT(ok.pages_in_use, 48u);
  // Damage a boundary tag, as a stray write would: the check names the page.
  auto v = detail::HeapView::at(f.backend->base(), RegionHeader::kHeaderBytes);
  const std::uint32_t head = v.page_of(big.offset());
  v.desc[head + 1].first = head + 7;
  HeapReport bad = f.alloc->check();
  ASSERT_FALSE(bad.problems.empty());
  EXPECT_NE(bad.problems.front().find("page " + std::to_string(head + 1)), std::string::npos) << bad.problems.front();
  v.desc[head + 1].first = head;
  EXPECT_TRUE(f.alloc->check().problems.empty());
}

TEST(ThreadLocalAllocator, HandlesOfOneRegionKeepTheirOwnCaches) {
  Tla f(16u << 20);
  auto second = ThreadLocalAllocator::attach(*f.backend, test::kTestAlloc);
  ASSERT_TRUE(second);
  std::atomic<int> step{0};
  std::thread t([&] {
    ASSERT_FALSE((*second)->allocate_offset({}, 64).is_null());  // binds a cache through the second handle
    step = 1;
    while (step != 2) std::this_thread::yield();
    ASSERT_FALSE((*second)->allocate_offset({}, 64).is_null());  // still its own cache
  });
  while (step != 1) std::this_thread::yield();
  f.alloc.reset();  // destroying the first handle must leave the second handle's caches alone
  EXPECT_EQ(bound_slots(*f.backend), 1u);
  step = 2;
  t.join();
  EXPECT_EQ(bound_slots(*f.backend), 0u);
}

namespace {
// Allocates in its destructor, which runs at thread exit after the thread's caches were released.
struct FreesAtExit {
  ThreadLocalAllocator *a = nullptr;
  ~FreesAtExit() {
    if (!a) return;
    const OffsetPtr<void> p = a->allocate_offset({}, 32);
    if (p.is_null() || a->free_offset({}, p) != Errc::ok) std::abort();
  }
};
thread_local FreesAtExit t_frees_at_exit;
}  // namespace

TEST(ThreadLocalAllocator, AllocationDuringThreadExitUsesASharedCache) {
  Tla f(16u << 20);
  std::thread([&] {
    t_frees_at_exit.a = f.alloc.get();  // constructed before the thread binds a cache: destroyed after
    ASSERT_FALSE(f.alloc->allocate_offset({}, 64).is_null());
  }).join();
  EXPECT_EQ(bound_slots(*f.backend), 0u);
  EXPECT_EQ(f.alloc->stats().bytes_in_use, 64u);
}
