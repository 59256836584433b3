#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#include "support/test_support.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/memory/shm_region_info.hpp"

using namespace unimem;

TEST(ShmRegionInfo, ListsLiveRegionsWithTheirMappers) {
  const std::string name = test::unique_name("info");
  test::ShmNameGuard guard(name);
  auto b = PosixShmBackend::create(name, 8192);
  ASSERT_TRUE(b);
  auto all = list_shm_regions();
  ASSERT_TRUE(all) << all.error().what();
  auto it = std::find_if(all->begin(), all->end(), [&](const ShmRegionInfo &r) { return r.name == "/" + name; });
  ASSERT_NE(it, all->end());
  EXPECT_FALSE(it->problem.has_value());
  EXPECT_EQ(it->file_bytes, (*b)->region_size());
  EXPECT_TRUE(it->creator_alive);
  EXPECT_EQ(it->mapped_by, std::vector<pid_t>{getpid()});
  b->reset();
  auto after = inspect_shm_region(name);
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->mapped_by.empty());  // detached: nobody maps it
}

TEST(ShmRegionInfo, ReportsDamageAndForeignObjects) {
  const std::string name = test::unique_name("info-damaged");
  test::ShmNameGuard guard(name);
  ASSERT_TRUE(PosixShmBackend::create(name, 8192));
  int fd = shm_open(("/" + name).c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 5000), 0);  // shorter than the header says
  close(fd);
  auto r = inspect_shm_region(name);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->problem.has_value());
  EXPECT_EQ(r->problem->code(), Errc::truncated);

  const std::string foreign = test::unique_name("not-unimem");
  test::ShmNameGuard foreign_guard(foreign);
  fd = shm_open(("/" + foreign).c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 8192), 0);
  close(fd);
  EXPECT_EQ(inspect_shm_region(foreign).code(), Errc::corrupt);
  EXPECT_EQ(inspect_shm_region(test::unique_name("absent")).code(), Errc::not_found);
  EXPECT_EQ(inspect_shm_region("a/b").code(), Errc::invalid_argument);
}

TEST(ShmRegionInfo, FifosAndSymlinksAreNeitherWaitedForNorFollowed) {
  const std::string fifo = test::unique_name("fifo");
  const std::string link = test::unique_name("link");
  const std::string target = test::unique_name("link-target");
  test::ShmNameGuard guards[] = {test::ShmNameGuard(fifo), test::ShmNameGuard(link), test::ShmNameGuard(target)};
  ASSERT_EQ(mkfifo(("/dev/shm/" + fifo).c_str(), 0600), 0);  // opening it for reading would wait for a writer
  auto b = PosixShmBackend::create(target, 8192);
  ASSERT_TRUE(b);
  ASSERT_EQ(symlink(("/dev/shm/" + target).c_str(), ("/dev/shm/" + link).c_str()), 0);
  auto all = list_shm_regions();
  ASSERT_TRUE(all) << all.error().what();
  const auto listed = [&](const std::string &n) {
    return std::any_of(all->begin(), all->end(), [&](const ShmRegionInfo &r) { return r.name == "/" + n; });
  };
  EXPECT_FALSE(listed(fifo));
  EXPECT_FALSE(listed(link));
  EXPECT_TRUE(listed(target));
  EXPECT_EQ(inspect_shm_region(fifo).code(), Errc::corrupt);
  EXPECT_EQ(inspect_shm_region(link).code(), Errc::corrupt);
}
