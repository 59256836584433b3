// Stream and Event on the host: ordering, the error contract (errors come back from synchronize,
// once), events across streams, and shutdown finishing the queued work. GPU streams are tested by
// the GPU test programs.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "unimem/stream/stream.hpp"

using namespace unimem;

namespace {

Stream host_stream() {
  auto s = Stream::host();
  EXPECT_TRUE(s) << s.error().what();
  return *s;
}

}  // namespace

TEST(NullStream, RunsEachTaskNowAndReturnsItsResult) {
  Stream s;
  EXPECT_TRUE(s.is_null());
  EXPECT_EQ(s.kind(), StreamKind::null);
  int ran = 0;
  EXPECT_TRUE(s.enqueue([&] {
    ++ran;
    return success();
  }));
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(s.enqueue([] { return Result<void>(Error(Errc::io_error, "disk")); }).code(), Errc::io_error);
  EXPECT_TRUE(s.synchronize());  // nothing pending: the error was already returned
  auto e = s.record();
  ASSERT_TRUE(e);
  EXPECT_TRUE(*e->query());
  EXPECT_TRUE(s.wait(*e));
  EXPECT_EQ(s.enqueue(nullptr).code(), Errc::invalid_argument);
}

TEST(HostStream, RunsTasksInTheOrderTheyWereEnqueued) {
  Stream s = host_stream();
  EXPECT_EQ(s.kind(), StreamKind::host);
  EXPECT_EQ(s.native_handle(), nullptr);
  std::vector<int> order;  // touched by the worker only until synchronize
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(s.enqueue([&order, i] {
      order.push_back(i);
      return success();
    }));
  }
  ASSERT_TRUE(s.synchronize());
  ASSERT_EQ(order.size(), 5000u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(order[i], i);
}

TEST(HostStream, TheFirstErrorComesBackFromTheNextSynchronizeOnly) {
  Stream s = host_stream();
  std::atomic<int> after{0};
  ASSERT_TRUE(s.enqueue([] { return Result<void>(Error(Errc::io_error, "first")); }));
  ASSERT_TRUE(s.enqueue([] { return Result<void>(Error(Errc::busy, "second")); }));
  ASSERT_TRUE(s.enqueue([&] {
    after.fetch_add(1);
    return success();
  }));
  auto r = s.synchronize();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), Errc::io_error);
  EXPECT_EQ(r.error().message(), "first");
  EXPECT_EQ(after.load(), 1);  // later work still ran
  EXPECT_TRUE(s.synchronize());
}

TEST(HostStream, ATaskThatThrowsIsReportedAsAnError) {
  Stream s = host_stream();
  ASSERT_TRUE(s.enqueue([]() -> Result<void> { throw std::runtime_error("boom"); }));
  auto r = s.synchronize();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.code(), Errc::device_error);
  EXPECT_NE(r.error().message().find("boom"), std::string::npos);
}

TEST(HostStream, SynchronizeFromItsOwnTaskIsRefusedInsteadOfDeadlocking) {
  Stream s = host_stream();
  Result<void> inner;
  ASSERT_TRUE(s.enqueue([&] {
    inner = s.synchronize();
    return success();
  }));
  ASSERT_TRUE(s.synchronize());
  EXPECT_EQ(inner.code(), Errc::invalid_argument);
}

TEST(HostStream, AnEventCompletesWhenTheWorkBeforeItIsDone) {
  Stream s = host_stream();
  std::promise<void> release;
  auto gate = release.get_future().share();
  ASSERT_TRUE(s.enqueue([gate] {
    gate.wait();
    return success();
  }));
  auto e = s.record();
  ASSERT_TRUE(e) << e.error().what();
  EXPECT_FALSE(*e->query());
  release.set_value();
  EXPECT_TRUE(e->synchronize());
  EXPECT_TRUE(*e->query());
}

TEST(HostStream, WaitOrdersOneStreamAfterAnothersEvent) {
  Stream a = host_stream(), b = host_stream();
  std::promise<void> release;
  auto gate = release.get_future().share();
  std::atomic<bool> a_done{false}, b_saw_a{false};
  ASSERT_TRUE(a.enqueue([&, gate] {
    gate.wait();
    a_done.store(true);
    return success();
  }));
  auto e = a.record();
  ASSERT_TRUE(e);
  ASSERT_TRUE(b.wait(*e));
  ASSERT_TRUE(b.enqueue([&] {
    b_saw_a.store(a_done.load());
    return success();
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  release.set_value();
  ASSERT_TRUE(b.synchronize());
  EXPECT_TRUE(b_saw_a.load());
}

TEST(HostStream, DroppingTheLastHandleFinishesTheQueuedWork) {
  std::atomic<int> ran{0};
  {
    Stream s = host_stream();
    Stream copy = s;  // copies name the same stream
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(copy.enqueue([&] {
        ran.fetch_add(1);
        return success();
      }));
    }
  }
  EXPECT_EQ(ran.load(), 200);
}

TEST(HostStream, ManyThreadsEnqueueAtOnce) {
  Stream s = host_stream();
  std::atomic<int> ran{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        (void)s.enqueue([&] {
          ran.fetch_add(1, std::memory_order_relaxed);
          return success();
        });
      }
    });
  }
  for (auto &t : threads) t.join();
  ASSERT_TRUE(s.synchronize());
  EXPECT_EQ(ran.load(), 2000);
}

// A task that holds the last copy of its own stream: the stream dies on its worker thread, which
// must neither wait for itself nor run the tasks queued behind it on freed state.
TEST(HostStream, ALastCopyDroppedByItsOwnTaskFinishesTheQueue) {
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  auto later_ran = std::make_shared<std::promise<void>>();  // the detached worker may outlive this test
  {
    Stream s = host_stream();
    ASSERT_TRUE(s.enqueue([s, gate] {
      gate.wait();
      return success();
    }));
    ASSERT_TRUE(s.enqueue([] { return Result<void>(Error(Errc::io_error, "nobody is left to hear this")); }));
    ASSERT_TRUE(s.enqueue([later_ran] {
      later_ran->set_value();
      return success();
    }));
  }  // the first task's copy is now the last one
  release.set_value();
  EXPECT_EQ(later_ran->get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
}
