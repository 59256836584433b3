#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "support/test_support.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/thread/mutex.hpp"
#include "unimem/thread/rw_lock.hpp"
#include "unimem/thread/this_thread.hpp"

using namespace unimem;

TEST(Mutex, TryLockAndOwner) {
  Mutex m;
  EXPECT_EQ(m.owner(), 0u);
  EXPECT_TRUE(m.try_lock());
  EXPECT_EQ(m.owner(), static_cast<std::uint32_t>(getpid()));
  EXPECT_FALSE(m.try_lock());
  m.unlock();
  EXPECT_EQ(m.lock(), LockState::acquired);
  m.unlock();
}

// Split read and write with a yield, so that without mutual exclusion updates are lost.
template <class Lock>
void add_under_lock(Lock &l, std::uint64_t &counter, int iters) {
  for (int i = 0; i < iters; ++i) {
    ScopedLock guard(l);
    const std::uint64_t v = counter;
    if (i % 32 == 0) this_thread::yield();
    counter = v + 1;
  }
}

TEST(MutexStress, ThreadsExcludeEachOther) {
  Mutex m;
  std::uint64_t counter = 0;
  constexpr int kThreads = 4, kIters = 20000;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) ts.emplace_back([&] { add_under_lock(m, counter, kIters); });
  for (auto &t : ts) t.join();
  EXPECT_EQ(counter, std::uint64_t{kThreads} * kIters);
}

struct SharedLockRegion {
  std::string name = test::unique_name("mutex");
  test::ShmNameGuard guard{name};
  std::unique_ptr<PosixShmBackend> shm;
  Mutex *mutex = nullptr;
  volatile std::uint64_t *counter = nullptr;

  SharedLockRegion() {
    auto r = PosixShmBackend::create(name, 4096);
    if (!r) throw BadResultAccess(r.error());
    shm = std::move(*r);
    mutex = new (shm->data()) Mutex;
    counter = reinterpret_cast<volatile std::uint64_t *>(shm->data() + 64);
    *counter = 0;
  }
};

TEST(MutexStress, ProcessesExcludeEachOther) {
  SharedLockRegion r;
  constexpr int kProcs = 4;
  constexpr long kIters = 20000;
  std::vector<pid_t> kids;
  for (int p = 0; p < kProcs; ++p) kids.push_back(test::spawn_helper({"mutex-add", r.name, std::to_string(kIters)}));
  for (pid_t k : kids) EXPECT_EQ(test::wait_helper(k).exit_code, 0);
  EXPECT_EQ(*r.counter, std::uint64_t{kProcs} * kIters);
}

TEST(Mutex, RecoversFromOwnerKilledInCriticalSection) {
  SharedLockRegion r;
  const auto child = test::run_helper({"mutex-die", r.name});
  ASSERT_EQ(child.exit_code, 128 + SIGKILL);  // reaped: the pid no longer exists
  ASSERT_EQ(*r.counter, 0xdeadu);
  EXPECT_NE(r.mutex->owner(), 0u);
  EXPECT_FALSE(r.mutex->try_lock());
  EXPECT_EQ(r.mutex->lock(), LockState::recovered);
  EXPECT_EQ(r.mutex->owner(), static_cast<std::uint32_t>(getpid()));
  r.mutex->unlock();
  EXPECT_EQ(r.mutex->lock(), LockState::acquired);
  r.mutex->unlock();
}

TEST(RwLockStress, ReadersNeverSeeAHalfWrite) {
  RwLock l;
  std::uint64_t a = 0, b = 0;  // writers keep a == b; readers check it
  std::atomic<bool> torn{false};
  std::atomic<int> max_readers{0};
  constexpr int kWriters = 2, kReaders = 3, kIters = 5000;
  std::vector<std::thread> ts;
  for (int w = 0; w < kWriters; ++w) {
    ts.emplace_back([&] {
      for (int i = 0; i < kIters; ++i) {
        ScopedLock guard(l);
        ++a;
        if (i % 16 == 0) this_thread::yield();
        ++b;
      }
    });
  }
  for (int rd = 0; rd < kReaders; ++rd) {
    ts.emplace_back([&] {
      for (int i = 0; i < kIters; ++i) {
        SharedLock guard(l);
        const int n = static_cast<int>(l.readers());
        int m = max_readers.load();
        while (n > m && !max_readers.compare_exchange_weak(m, n)) {
        }
        if (a != b) torn = true;
      }
    });
  }
  for (auto &t : ts) t.join();
  EXPECT_FALSE(torn.load());
  EXPECT_EQ(a, std::uint64_t{kWriters} * kIters);
  EXPECT_EQ(b, a);
  EXPECT_EQ(l.readers(), 0u);
}

TEST(RwLockStress, ProcessesWriteReadersNeverSeeAHalfWrite) {
  const std::string name = test::unique_name("rwlock");
  test::ShmNameGuard guard(name);
  auto shm = PosixShmBackend::create(name, 4096);
  ASSERT_TRUE(shm);
  auto *l = new ((*shm)->data()) RwLock;
  auto *x = reinterpret_cast<volatile std::uint64_t *>((*shm)->data() + 64);
  auto *y = reinterpret_cast<volatile std::uint64_t *>((*shm)->data() + 128);
  *x = 0;
  *y = 0;
  constexpr int kWriters = 3;
  constexpr long kIters = 20000;
  std::vector<pid_t> kids;
  for (int p = 0; p < kWriters; ++p) kids.push_back(test::spawn_helper({"rwlock-add", name, std::to_string(kIters)}));
  long torn = 0, reads = 0;
  for (bool writing = true; writing;) {  // read while the writer processes run
    {
      SharedLock guard(*l);
      torn += *x != *y;
      writing = *x < kWriters * kIters;
    }
    ++reads;
  }
  for (pid_t k : kids) EXPECT_EQ(test::wait_helper(k).exit_code, 0);
  EXPECT_EQ(torn, 0) << "of " << reads << " reads";
  EXPECT_EQ(*x, std::uint64_t{kWriters} * kIters);
  EXPECT_EQ(*y, *x);
  EXPECT_EQ(l->readers(), 0u);
}

TEST(RwLock, ReadersShareWritersExclude) {
  RwLock l;
  l.lock_shared();
  l.lock_shared();
  EXPECT_EQ(l.readers(), 2u);
  std::atomic<bool> writer_in{false};
  std::thread w([&] {
    ScopedLock guard(l);
    writer_in = true;
  });
  Pthreads::sleep_for_us(20000);
  EXPECT_FALSE(writer_in.load());  // two readers hold it
  l.unlock_shared();
  l.unlock_shared();
  w.join();
  EXPECT_TRUE(writer_in.load());
}
