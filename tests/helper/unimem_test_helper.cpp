// The second process of the multi-process tests. Each sub-command attaches to a region the test
// created, does one thing, prints what the test needs on stdout, and exits 0 on success.
#include <signal.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "block_stamp.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/memory/memory_manager.hpp"
#include "unimem/pmem/memcpy_nt.hpp"
#include "unimem/pmem/pmem_pool.hpp"
#include "unimem/thread/atomic.hpp"
#include "unimem/thread/mutex.hpp"
#include "unimem/thread/rw_lock.hpp"
#include "unimem/thread/this_thread.hpp"
#include "pattern.hpp"
#include "shared_containers.hpp"

using namespace unimem;

namespace {

int fail(const std::string &why) {
  std::printf("FAIL %s\n", why.c_str());
  return 1;
}

std::unique_ptr<PosixShmBackend> attach_or_die(const char *name) {
  auto b = PosixShmBackend::attach(name);
  if (!b) {
    std::printf("FAIL attach: %s\n", b.error().what().c_str());
    std::exit(2);
  }
  return std::move(*b);
}

// shm-verify NAME SEED: the data must hold pattern(SEED); answer with pattern(SEED + 1).
int shm_verify(const char *name, std::uint64_t seed) {
  auto b = attach_or_die(name);
  if (auto bad = test::find_pattern_mismatch(b->data(), b->data_size(), seed)) {
    return fail("byte " + std::to_string(*bad) + " differs from the pattern");
  }
  test::fill_pattern(b->data(), b->data_size(), seed + 1);
  std::printf("OK %zu\n", b->data_size());
  return 0;
}

// atomic-add NAME N: N relaxed fetch_adds on the counter at data().
int atomic_add(const char *name, long n) {
  auto b = attach_or_die(name);
  auto *counter = reinterpret_cast<Atomic<std::uint64_t> *>(b->data());
  for (long i = 0; i < n; ++i) counter->fetch_add(1, std::memory_order_relaxed);
  return 0;
}

// mutex-add NAME N: N increments of a plain counter under the Mutex at data(); the read and the
// write are split by a yield now and then, so a broken lock loses updates.
int mutex_add(const char *name, long n) {
  auto b = attach_or_die(name);
  auto *m = reinterpret_cast<Mutex *>(b->data());
  auto *counter = reinterpret_cast<volatile std::uint64_t *>(b->data() + 64);
  for (long i = 0; i < n; ++i) {
    m->lock();
    const std::uint64_t v = *counter;
    if (i % 64 == 0) this_thread::yield();
    *counter = v + 1;
    m->unlock();
  }
  return 0;
}

// rwlock-add NAME N: N times, under the RwLock at data(), adds 1 to two plain counters (data() + 64
// and + 128) with a yield now and then between them, so a reader without exclusion sees them differ.
int rwlock_add(const char *name, long n) {
  auto b = attach_or_die(name);
  auto *l = reinterpret_cast<RwLock *>(b->data());
  auto *x = reinterpret_cast<volatile std::uint64_t *>(b->data() + 64);
  auto *y = reinterpret_cast<volatile std::uint64_t *>(b->data() + 128);
  for (long i = 0; i < n; ++i) {
    ScopedLock guard(*l);
    *x = *x + 1;
    if (i % 64 == 0) this_thread::yield();
    *y = *y + 1;
  }
  return 0;
}

// mutex-die NAME: take the Mutex at data(), mark the counter, and die by SIGKILL holding it.
int mutex_die(const char *name) {
  auto b = attach_or_die(name);
  auto *m = reinterpret_cast<Mutex *>(b->data());
  m->lock();
  *reinterpret_cast<volatile std::uint64_t *>(b->data() + 64) = 0xdead;
  std::fflush(stdout);
  raise(SIGKILL);
  return 3;
}

// resolve NAME ALLOC: maps other memory first so the region lands elsewhere than in the parent,
// registers allocator ALLOC over it, resolves the ShmPtr the parent stored at data(), checks the
// string there, stores the ShmPtr of a reply it writes, and prints its base address.
int resolve(const char *name, std::uint32_t alloc) {
  void *shift = mmap(nullptr, 64 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  (void)shift;
  MemoryManager mm;
  auto b = mm.attach_backend<PosixShmBackend>(BackendId{0}, name);
  if (!b) return fail(b.error().what());
  if (auto ok = mm.register_allocator(AllocatorId{alloc}, BackendId{0}); !ok) return fail(ok.error().what());
  auto *slot = reinterpret_cast<ShmPtr<char> *>((*b)->data());
  const char *msg = mm.to_address(slot[0]);
  if (!msg || std::strcmp(msg, "hello from the parent") != 0) return fail("parent's ShmPtr did not resolve");
  char *reply = (*b)->data() + 1024;
  std::strcpy(reply, "hello from the child");
  auto back = mm.to_shm(AllocatorId{alloc}, reply);
  if (!back) return fail(back.error().what());
  auto again = mm.to_shm(AllocatorId{alloc}, msg);  // address -> ShmPtr must give the parent's pointer
  if (!again || !(*again == slot[0])) return fail("round trip of the parent's pointer changed it");
  slot[1] = *back;
  std::printf("BASE %p\n", static_cast<void *>((*b)->base()));
  return 0;
}

// attach-expect NAME CODE: attach must fail with error code CODE (e.g. permission_denied).
int attach_expect(const char *name, const char *code) {
  auto b = PosixShmBackend::attach(name);
  if (b) return fail("attach succeeded");
  std::printf("%s\n", std::string(errc_name(b.code())).c_str());
  return std::string(errc_name(b.code())) == code ? 0 : 1;
}

// tla-stress NAME ALLOC BOARD ITERS SEED: attaches the ThreadLocalAllocator in region NAME and, ITERS
// times, allocates a stamped block, swaps it into a random entry of the board (1024 block offsets at
// offset BOARD), and checks and frees the block it displaced (often another process's).
int tla_stress(const char *name, std::uint32_t alloc_id, std::uint64_t board_off, long iters, std::uint64_t seed) {
  auto b = attach_or_die(name);
  auto a = ThreadLocalAllocator::attach(*b, AllocatorId{alloc_id});
  if (!a) return fail(a.error().what());
  auto *board = reinterpret_cast<Atomic<std::uint64_t> *>(b->base() + board_off);
  std::mt19937_64 rng(seed);
  for (long i = 0; i < iters; ++i) {
    const std::uint64_t size = test::kStampHeader + (rng() % 8 == 0 ? rng() % 300000 : rng() % 2000);
    const OffsetPtr<void> p = (*a)->allocate_offset({}, size);
    if (p.is_null()) return fail("out of memory");
    test::stamp_block(b->base() + p.offset(), size, rng());
    const std::uint64_t old = board[rng() % 1024].exchange(p.offset(), std::memory_order_acq_rel);
    if (old != 0) {
      char *q = b->base() + old;
      if (!test::check_block(q, test::stamped_size(q))) return fail("damaged block at offset " + std::to_string(old));
      if ((*a)->free_offset({}, OffsetPtr<void>(old)) != Errc::ok) return fail("free refused a live block");
    }
  }
  return 0;
}

// containers-child NAME ALLOC: checks the containers the test named in region NAME, extends them in place.
int containers_child(const char *name, std::uint32_t alloc_id) {
  auto b = attach_or_die(name);
  auto a = ThreadLocalAllocator::attach(*b, AllocatorId{alloc_id});
  if (!a) return fail(a.error().what());
  const std::string why = test::check_parent_extend_as_child(**a);
  if (!why.empty()) return fail(why);
  std::printf("OK\n");
  return 0;
}

// pmem-write-die PATH ALLOC: creates a PMEM pool at PATH with a heap and the shared containers,
// persists the pool, prints OK and dies by SIGKILL: whatever the test finds was made durable.
int pmem_write_die(const char *path, std::uint32_t alloc_id) {
  auto pool = pmem::PmemPool::create(path, std::size_t{32} << 20);
  if (!pool) return fail(pool.error().what());
  auto a = ThreadLocalAllocator::create(**pool, AllocatorId{alloc_id});
  if (!a) return fail(a.error().what());
  if (std::string why = test::write_parent_containers(**a); !why.empty()) return fail(why);
  if (auto ok = (*pool)->persist((*pool)->base(), (*pool)->size()); !ok) return fail(ok.error().what());
  std::printf("OK\n");
  std::fflush(stdout);
  raise(SIGKILL);
  return fail("still alive after SIGKILL");
}

// queue-consume NAME ALLOC COUNT: pops COUNT elements from the mpmc_queue "jobs" while the test
// pushes; prints their sum.
int queue_consume(const char *name, std::uint32_t alloc_id, std::uint64_t count) {
  auto b = attach_or_die(name);
  auto a = ThreadLocalAllocator::attach(*b, AllocatorId{alloc_id});
  if (!a) return fail(a.error().what());
  auto dir = Directory<>::open(**a);
  if (!dir) return fail(dir.error().what());
  auto q = dir->find<test::SharedQueue>("jobs");
  if (!q) return fail(q.error().what());
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i < count; ++i) sum += q->pop();
  std::printf("%llu\n", static_cast<unsigned long long>(sum));
  return 0;
}

// tla-die NAME ALLOC: binds a cache of the ThreadLocalAllocator in region NAME, then dies holding it.
int tla_die(const char *name, std::uint32_t alloc_id) {
  auto b = attach_or_die(name);
  auto a = ThreadLocalAllocator::attach(*b, AllocatorId{alloc_id});
  if (!a) return fail(a.error().what());
  if ((*a)->allocate_offset({}, 100).is_null()) return fail("out of memory");
  std::printf("PID %d\n", getpid());
  std::fflush(stdout);
  raise(SIGKILL);
  return 3;
}

// heap-lock-die NAME: takes the page-run lock of the allocator in region NAME and dies holding it.
int heap_lock_die(const char *name) {
  auto b = attach_or_die(name);
  auto v = detail::HeapView::at(b->base(), RegionHeader::kHeaderBytes);
  v.h->lock.lock();
  std::printf("LOCKED\n");
  std::fflush(stdout);
  raise(SIGKILL);
  return 3;
}

}  // namespace

int main(int argc, char **argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "shm-verify" && argc == 4) return shm_verify(argv[2], std::strtoull(argv[3], nullptr, 10));
  if (cmd == "atomic-add" && argc == 4) return atomic_add(argv[2], std::strtol(argv[3], nullptr, 10));
  if (cmd == "mutex-add" && argc == 4) return mutex_add(argv[2], std::strtol(argv[3], nullptr, 10));
  if (cmd == "mutex-die" && argc == 3) return mutex_die(argv[2]);
  if (cmd == "rwlock-add" && argc == 4) return rwlock_add(argv[2], std::strtol(argv[3], nullptr, 10));
  if (cmd == "resolve" && argc == 4) return resolve(argv[2], static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10)));
  if (cmd == "attach-expect" && argc == 4) return attach_expect(argv[2], argv[3]);
  if (cmd == "tla-stress" && argc == 7) {
    return tla_stress(argv[2], static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10)),
                      std::strtoull(argv[4], nullptr, 10), std::strtol(argv[5], nullptr, 10),
                      std::strtoull(argv[6], nullptr, 10));
  }
  if (cmd == "containers-child" && argc == 4) return containers_child(argv[2], static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10)));
  if (cmd == "queue-consume" && argc == 5) {
    return queue_consume(argv[2], static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10)), std::strtoull(argv[4], nullptr, 10));
  }
  if (cmd == "copy-isa") return std::printf("%s\n", pmem::copy_isa_name(pmem::copy_isa())) < 0;
  if (cmd == "pmem-write-die" && argc == 4) return pmem_write_die(argv[2], static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10)));
  if (cmd == "heap-lock-die" && argc == 3) return heap_lock_die(argv[2]);
  if (cmd == "tla-die" && argc == 4) return tla_die(argv[2], static_cast<std::uint32_t>(std::strtoul(argv[3], nullptr, 10)));
  std::fprintf(stderr, "unimem_test_helper: unknown command '%s'\n", cmd.c_str());
  return 64;
}
