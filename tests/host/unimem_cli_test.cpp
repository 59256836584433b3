// The `unimem` command, run as users run it.
#include <gtest/gtest.h>

#include "support/test_support.hpp"
#include <signal.h>

#include "unimem/gmem/topology.hpp"
#include "unimem/pmem/memcpy_nt.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"

using namespace unimem;

namespace {
test::ChildResult unimem_cmd(const std::vector<std::string> &args) { return test::run(UNIMEM_TOOL_PATH, args); }
}  // namespace

TEST(UnimemCli, InfoDescribesTheMachine) {
  auto r = unimem_cmd({"info"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("isa:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("posix_shm   compiled in, works here: yes"), std::string::npos) << r.out;
  // Every hnid of gmem's topology is listed, and the current one.
  for (const auto &n : gmem::topology()) {
    EXPECT_NE(r.out.find("  " + std::to_string(n.hnid) + " "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(n.name), std::string::npos) << r.out;
  }
  EXPECT_NE(r.out.find("current:    hnid "), std::string::npos) << r.out;
  // The copy ISA memcpy_nt chose, and /dev/shm as a PMEM directory where pools work.
  EXPECT_NE(r.out.find(std::string("memcpy_nt:  ") + pmem::copy_isa_name(pmem::copy_isa())), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/dev/shm                 dax=no pool=yes, page granularity"), std::string::npos) << r.out;
}

TEST(UnimemCli, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(unimem_cmd({}).exit_code, 2);
  EXPECT_EQ(unimem_cmd({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(unimem_cmd({"shm", "remove"}).exit_code, 2);
  EXPECT_EQ(unimem_cmd({"shm", "remove", "x", "--forse"}).exit_code, 2);
  EXPECT_EQ(unimem_cmd({"--help"}).exit_code, 0);
}

TEST(UnimemCli, ListInspectCheckRemove) {
  const std::string name = test::unique_name("cli");
  test::ShmNameGuard guard(name);
  auto b = PosixShmBackend::create(name, 4096);
  ASSERT_TRUE(b);
  auto list = unimem_cmd({"shm", "list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("/" + name), std::string::npos) << list.out;
  auto inspect = unimem_cmd({"shm", "inspect", name});
  EXPECT_EQ(inspect.exit_code, 0);
  EXPECT_NE(inspect.out.find("header:        valid"), std::string::npos) << inspect.out;
  EXPECT_EQ(unimem_cmd({"shm", "check", name}).exit_code, 0);
  // This process maps it: remove refuses without --force, and the region stays.
  EXPECT_EQ(unimem_cmd({"shm", "remove", name}).exit_code, 1);
  EXPECT_TRUE(test::shm_exists(name));
  EXPECT_EQ(unimem_cmd({"shm", "remove", name, "--force"}).exit_code, 0);
  EXPECT_FALSE(test::shm_exists(name));
  EXPECT_EQ(unimem_cmd({"shm", "inspect", name}).exit_code, 1);
}

TEST(UnimemCli, CheckReportsAndReclaimsCachesOfDeadProcesses) {
  const std::string name = test::unique_name("cli-dead");
  test::ShmNameGuard guard(name);
  auto b = PosixShmBackend::create(name, 16u << 20);
  ASSERT_TRUE(b);
  auto a = ThreadLocalAllocator::create(**b, AllocatorId{3});
  ASSERT_TRUE(a);
  auto clean = unimem_cmd({"shm", "check", name});
  EXPECT_EQ(clean.exit_code, 0) << clean.out;
  EXPECT_NE(clean.out.find("ThreadLocalAllocator, id 3"), std::string::npos) << clean.out;
  EXPECT_NE(clean.out.find("structure:     consistent"), std::string::npos) << clean.out;
  EXPECT_NE(clean.out.find("dead processes: none"), std::string::npos) << clean.out;

  auto dead = test::run_helper({"tla-die", name, "3"});
  ASSERT_EQ(dead.exit_code, 128 + SIGKILL);
  const std::string pid = dead.out.substr(4, dead.out.size() - 5);  // "PID <n>\n"
  auto report = unimem_cmd({"shm", "check", name});
  EXPECT_EQ(report.exit_code, 0) << report.out;
  EXPECT_NE(report.out.find("dead process:  pid " + pid + " holds cache"), std::string::npos) << report.out;
  auto fixed = unimem_cmd({"shm", "check", name, "--reclaim"});
  EXPECT_NE(fixed.out.find("reclaimed:     1 cache(s)"), std::string::npos) << fixed.out;
  EXPECT_NE(unimem_cmd({"shm", "check", name}).out.find("dead processes: none"), std::string::npos);
}
