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
