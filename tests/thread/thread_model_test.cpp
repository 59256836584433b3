#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "unimem/thread/pthreads.hpp"
#include "unimem/thread/this_thread.hpp"

using namespace unimem;

TEST(ThreadModel, IdsAreDistinctPerThreadAndStable) {
  constexpr int kThreads = 8;
  std::vector<ThreadId> ids(kThreads);
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      ids[t] = this_thread::id();
      EXPECT_EQ(ids[t], this_thread::id());
    });
  }
  for (auto &t : ts) t.join();
  std::set<std::uint64_t> distinct;
  for (auto id : ids) {
    EXPECT_FALSE(id.is_null());
    distinct.insert(id.value);
  }
  distinct.insert(this_thread::id().value);
  EXPECT_EQ(distinct.size(), kThreads + 1u);
}

TEST(ThreadModel, AForkedChildHasItsOwnId) {
  const ThreadId parent = this_thread::id();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const ThreadId mine = this_thread::id();
    _exit(mine != parent && mine.value == static_cast<std::uint64_t>(syscall(SYS_gettid)) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child reported its parent's thread id";
  EXPECT_EQ(this_thread::id(), parent);
}

TEST(ThreadModel, TlsIsPerThread) {
  ThreadLocalKey key;
  int main_value = 1;
  ASSERT_TRUE(Pthreads::create_tls(key, &main_value));
  EXPECT_EQ(this_thread::get_tls<int>(key), &main_value);
  int other_value = 2;
  std::thread t([&] {
    EXPECT_EQ(this_thread::get_tls<int>(key), nullptr);  // a new thread starts empty
    EXPECT_TRUE(this_thread::set_tls(key, &other_value));
    EXPECT_EQ(this_thread::get_tls<int>(key), &other_value);
  });
  t.join();
  EXPECT_EQ(this_thread::get_tls<int>(key), &main_value);
  Pthreads::free_tls(key);
  EXPECT_EQ(key.host_key, ThreadLocalKey::kNoHostKey);
  EXPECT_EQ(this_thread::get_tls<int>(key), nullptr);
  EXPECT_FALSE(this_thread::set_tls(key, &main_value));
}

TEST(ThreadModel, SleepWaitsAtLeastTheDuration) {
  const auto t0 = std::chrono::steady_clock::now();
  this_thread::sleep_for_us(5000);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::microseconds(5000));
  this_thread::yield();
}
