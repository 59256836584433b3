#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

// A process that maps the region but whose maps the inspector may not read (it made itself
// non-dumpable) is reported as a possible mapper. As root, both drop to an unprivileged user
// first, since root reads every process's maps.
TEST(ShmRegionInfo, MappersWhoseMapsCannotBeReadAreReportedAsPossible) {
  const std::string name = test::unique_name("hidden");
  test::ShmNameGuard guard(name);
  auto b = PosixShmBackend::create(name, 8192);
  ASSERT_TRUE(b);
  ASSERT_EQ(chmod(("/dev/shm/" + name).c_str(), 0644), 0);
  const bool root = geteuid() == 0;
  const auto drop = [&] { return !root || (setgid(65534) == 0 && setuid(65534) == 0); };
  const test::UnreadableMapper mapper_process(name, root ? std::optional<uid_t>(65534) : std::nullopt);
  const pid_t mapper = mapper_process.pid();
  ASSERT_GT(mapper, 0) << "the mapper could not drop to uid 65534 or map the region";
  const pid_t inspector = fork();
  ASSERT_GE(inspector, 0);
  if (inspector == 0) {
    if (!drop()) _exit(2);
    auto r = inspect_shm_region(name);
    if (!r) _exit(3);
    const auto has = [&](const std::vector<pid_t> &v) { return std::find(v.begin(), v.end(), mapper) != v.end(); };
    _exit(has(r->unknown_mappers) && !has(r->mapped_by) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(inspector, &status, 0), inspector);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "exit " << WEXITSTATUS(status) << " (2: could not drop to uid 65534, 3: inspect failed, 1: not reported)";
}
