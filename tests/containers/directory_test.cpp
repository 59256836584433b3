// Directory: naming containers in a region, kind checks, and in-place use of named containers by a
// second process (fork + exec of the helper), including a queue shared while both sides run.
#include <gtest/gtest.h>

#include <thread>

#include "container_heap.hpp"
#include "memory/allocator/allocator_fixtures.hpp"
#include "support/shared_containers.hpp"
#include "support/test_support.hpp"
#include "unimem/containers/directory.hpp"
#include "unimem/containers/spsc_queue.hpp"

namespace unimem {
namespace {

using DirectoryTest = test::HeapTest<ThreadLocalAllocator>;

TEST_F(DirectoryTest, NamesFindAndCheckTheKind) {
  auto dir = Directory<>::open(*heap.alloc).value();
  auto v = dir.create<vector<int>>("v", 16).value();
  ASSERT_TRUE(v.push_back(7));
  auto again = dir.find<vector<int>>("v");
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)[0], 7);

  EXPECT_EQ(dir.create<vector<int>>("v").error().code(), Errc::already_exists);
  EXPECT_EQ(dir.find<vector<int>>("nope").error().code(), Errc::not_found);
  EXPECT_EQ(dir.find<vector<long>>("v").error().code(), Errc::invalid_argument) << "element size differs";
  EXPECT_EQ(dir.find<vector<float>>("v").error().code(), Errc::invalid_argument) << "floating point, same size";
  EXPECT_EQ(dir.find<vector<unsigned>>("v").error().code(), Errc::invalid_argument) << "unsigned, same size";
  EXPECT_EQ(dir.find<list<int>>("v").error().code(), Errc::invalid_argument) << "kind differs";
  EXPECT_EQ(dir.create<vector<int>>("").error().code(), Errc::invalid_argument);
  EXPECT_EQ(dir.create<vector<int>>(std::string(64, 'x')).error().code(), Errc::invalid_argument);
  EXPECT_TRUE(dir.create<vector<int>>(std::string(63, 'x')));

  auto q = dir.find_or_create<spsc_queue<int>>("q", 8);
  ASSERT_TRUE(q);
  auto q2 = dir.find_or_create<spsc_queue<int>>("q", 8);
  ASSERT_TRUE(q2);
  EXPECT_EQ(q->offset(), q2->offset());
  EXPECT_EQ(dir.names().size(), 3u);

  ASSERT_TRUE(dir.destroy<vector<int>>("v"));
  EXPECT_EQ(dir.find<vector<int>>("v").error().code(), Errc::not_found);
  ASSERT_TRUE(dir.remove("q"));
  EXPECT_EQ(dir.remove("q").error().code(), Errc::not_found);
  EXPECT_EQ(dir.names(), std::vector<std::string>{std::string(63, 'x')});
}

TEST_F(DirectoryTest, OpenTwiceGivesTheSameDirectory) {
  auto a = Directory<>::open(*heap.alloc).value();
  ASSERT_TRUE(a.create<vector<int>>("shared"));
  auto b = Directory<>::open(*heap.alloc).value();
  EXPECT_TRUE(b.find<vector<int>>("shared"));
}

TEST_F(DirectoryTest, ConcurrentFindOrCreateMakesOneContainer) {
  auto dir = Directory<>::open(*heap.alloc).value();
  std::vector<std::thread> threads;
  std::vector<std::uint64_t> offsets(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto d = Directory<>::open(*heap.alloc).value();
      for (int i = 0; i < 50; ++i) {
        auto v = d.find_or_create<vector<int>>("name" + std::to_string(i));
        ASSERT_TRUE(v);
        if (i == 49) offsets[static_cast<std::size_t>(t)] = v->offset().offset();
      }
    });
  }
  for (auto &th : threads) th.join();
  EXPECT_EQ(dir.names().size(), 50u);
  for (std::uint64_t o : offsets) EXPECT_EQ(o, offsets[0]);
}

TEST(DirectoryMultiProcess, SecondProcessUsesNamedContainersInPlace) {
  test::TlaFixture<CheckLevel::cheap> f(std::size_t{64} << 20);
  ASSERT_EQ(test::write_parent_containers(*f.alloc), "");
  const auto child = test::run_helper({"containers-child", f.name, std::to_string(test::kTestAlloc.value)});
  ASSERT_EQ(child.exit_code, 0) << child.out;
  EXPECT_EQ(test::check_child_extension(*f.alloc), "");
  EXPECT_TRUE(f.alloc->check().problems.empty());
}

TEST(DirectoryMultiProcess, HostProducerAndConsumerProcessShareAQueue) {
  test::TlaFixture<CheckLevel::cheap> f(std::size_t{64} << 20);
  auto dir = Directory<>::open(*f.alloc).value();
  auto q = dir.create<test::SharedQueue>("jobs", 64).value();
  constexpr std::uint64_t kCount = 100000;
  int out_fd = -1;
  const pid_t pid = test::spawn_helper({"queue-consume", f.name, std::to_string(test::kTestAlloc.value),
                                        std::to_string(kCount)},
                                       &out_fd);
  for (std::uint64_t i = 1; i <= kCount; ++i) q.push(i);  // the queue is smaller: both run at once
  const auto child = test::wait_helper(pid, out_fd);
  ASSERT_EQ(child.exit_code, 0) << child.out;
  EXPECT_EQ(std::stoull(child.out), kCount * (kCount + 1) / 2);
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace unimem
