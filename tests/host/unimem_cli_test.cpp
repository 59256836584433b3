// The `unimem` command, run as users run it.
#include <gtest/gtest.h>

#include "support/test_support.hpp"
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

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
  // The GPUs with memory and compute capability, or "none" with the reason.
  bool gpu = false;
  for (const auto &n : gmem::topology()) {
    if (n.kind == gmem::NodeKind::cpu) continue;
    gpu = true;
    EXPECT_NE(r.out.find("compute capability " + n.compute_capability + " (hnid " + std::to_string(n.hnid) + ")"),
              std::string::npos)
        << r.out;
  }
  if (!gpu) EXPECT_NE(r.out.find("gpus:       none ("), std::string::npos) << r.out;
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
  // Its row names the owner (this user) and the creator (this process, alive).
  const std::string me = getpwuid(getuid())->pw_name;
  EXPECT_TRUE(std::regex_search(list.out, std::regex("/" + name + R"(\s+[0-9]+\s+posix_shm\s+)" + me + R"(\s+)" +
                                                         std::to_string(getpid()) + R"(\s+alive)")))
      << list.out;
  auto inspect = unimem_cmd({"shm", "inspect", name});
  EXPECT_EQ(inspect.exit_code, 0);
  EXPECT_NE(inspect.out.find("owner " + me + " (uid " + std::to_string(getuid()) + ")"), std::string::npos) << inspect.out;
  EXPECT_NE(inspect.out.find("header:        valid"), std::string::npos) << inspect.out;
  EXPECT_EQ(unimem_cmd({"shm", "check", name}).exit_code, 0);
  // This process maps it: remove refuses without --force, and the region stays.
  EXPECT_EQ(unimem_cmd({"shm", "remove", name}).exit_code, 1);
  EXPECT_TRUE(test::shm_exists(name));
  EXPECT_EQ(unimem_cmd({"shm", "remove", name, "--force"}).exit_code, 0);
  EXPECT_FALSE(test::shm_exists(name));
  EXPECT_EQ(unimem_cmd({"shm", "inspect", name}).exit_code, 1);
}

// A process that maps the region but hides its maps (non-dumpable) is no proof of "nobody": remove
// refuses without --force. As root, the region is given to uid 65534, and the mapper and the
// command run as that user (root reads every process's maps).
TEST(UnimemCli, RemoveRefusesWhileAProcessWhoseMapsItCannotReadMayMapIt) {
  const std::string name = test::unique_name("cli-hidden");
  test::ShmNameGuard guard(name);
  auto b = PosixShmBackend::create(name, 4096);
  ASSERT_TRUE(b);
  b->reset();  // this process no longer maps it
  const std::optional<uid_t> user = geteuid() == 0 ? std::optional<uid_t>(65534) : std::nullopt;
  if (user) ASSERT_EQ(chown(("/dev/shm/" + name).c_str(), *user, *user), 0);  // still 0600: only its owner opens it
  const test::UnreadableMapper mapper(name, user);
  ASSERT_GT(mapper.pid(), 0) << "the mapper could not drop to uid 65534 or map the region";
  const auto as_user = [&](std::vector<std::string> args) { return test::run(UNIMEM_TOOL_PATH, args, user); };
  auto inspect = as_user({"shm", "inspect", name});
  EXPECT_NE(inspect.out.find("and maybe "), std::string::npos) << inspect.out;
  EXPECT_EQ(as_user({"shm", "remove", name}).exit_code, 1);
  EXPECT_TRUE(test::shm_exists(name));
  EXPECT_EQ(as_user({"shm", "remove", name, "--force"}).exit_code, 0);
  EXPECT_FALSE(test::shm_exists(name));
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

#if UNIMEM_TEST_BENCH
namespace {
namespace fs = std::filesystem;

std::string file_text(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The tool with stderr (its progress) merged into stdout, under a shell for the redirection;
// with @p bench_dir, it takes its benchmark programs from there.
test::ChildResult unimem_shell(const std::string &args, const fs::path &bench_dir = {}) {
  const std::string env = bench_dir.empty() ? "" : "UNIMEM_BENCH_DIR=" + bench_dir.string() + " ";
  return test::run("/bin/sh", {"-c", env + UNIMEM_TOOL_PATH + " " + args + " 2>&1"});
}

struct TempDir {
  fs::path path = fs::temp_directory_path() / test::unique_name("bench");
  ~TempDir() { fs::remove_all(path); }
};

// A stand-in benchmark program: an executable shell @p script named @p name in @p dir.
void write_program(const fs::path &dir, const char *name, const std::string &script) {
  fs::create_directories(dir);
  std::ofstream(dir / name) << "#!/bin/sh\n" << script;
  fs::permissions(dir / name, fs::perms::owner_all);
}
}  // namespace

// `unimem bench` over cache_bench of this build tree: progress, the comparison table, the program's
// JSON and log, comparison.json with every pair, and the PNG plots.
TEST(UnimemCli, BenchRunsTheProgramsAndWritesTableJsonAndPlots) {
  TempDir out;
  auto r = unimem_shell("bench cache --filter '^hit/' --min-time 0.01 --out " + out.path.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("cache_bench        [  0/4] starting"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cache_bench        4/4 benchmarks in"), std::string::npos) << r.out;
  for (const char *threads : {"1", "2"}) {
    const std::regex row(std::string("hit/real_time/threads:") + threads +
                         R"(\s+unimem\s+mutex_lru\s+[0-9.]+ [num]?s\s+[0-9.]+ [num]?s\s+[0-9]+\.[0-9]{2}\n)");
    EXPECT_TRUE(std::regex_search(r.out, row)) << r.out;
  }
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(cache\s+cache_bench\s+4\s+2\s+[0-9]+\.[0-9]{2}\s+[0-2] of 2)")))
      << r.out;

  const std::string raw = file_text(out.path / "cache_bench.json");
  EXPECT_NE(raw.find("\"benchmarks\""), std::string::npos) << raw;
  EXPECT_NE(raw.find("hit/mutex_lru/real_time/threads:2"), std::string::npos) << raw;
  EXPECT_NE(file_text(out.path / "cache_bench.log").find("hit/unimem/real_time/threads:1"), std::string::npos);
  const std::string summary = file_text(out.path / "comparison.json");
  EXPECT_NE(summary.find("\"op\": \"hit/real_time/threads:1\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"op\": \"hit/real_time/threads:2\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"peer\": \"mutex_lru\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"outcome\": \"ok\""), std::string::npos) << summary;
  for (const char *png : {"cache_bench.png", "summary.png"}) {
    EXPECT_EQ(file_text(out.path / png).substr(0, 8), "\x89PNG\r\n\x1a\n") << png;
    EXPECT_NE(r.out.find("plot: " + (out.path / png).string()), std::string::npos) << r.out;
  }
}

TEST(UnimemCli, BenchRejectsBadArgumentsAndReportsWhatDidNotRun) {
  TempDir out;
  for (const std::vector<std::string> &bad :
       {std::vector<std::string>{"bench", "frobnicate"}, {"bench", "--min-time", "0"}, {"bench", "--min-time", "x"},
        {"bench", "--repetitions", "1.5"}, {"bench", "--out"}}) {
    EXPECT_EQ(unimem_cmd(bad).exit_code, 2) << bad.back();
  }
  auto listed = unimem_cmd({"bench", "--list"});
  EXPECT_EQ(listed.exit_code, 0);
  EXPECT_NE(listed.out.find("  cache_bench        built"), std::string::npos) << listed.out;

  auto none = unimem_shell("bench cache --filter '^no-such-benchmark$' --out " + out.path.string());
  EXPECT_EQ(none.exit_code, 1) << none.out;
  EXPECT_NE(none.out.find("unimem: no benchmark matches"), std::string::npos) << none.out;

  // A program that fails, and a suite whose program was not built: each reported, exit status 1.
  write_program(out.path / "bin", "cache_bench",
                "case \"$*\" in *list_tests*) echo hit/unimem; exit 0;; esac\n"
                "echo 'out of memory'; exit 3\n");
  auto failed = unimem_shell("bench cache gmem --no-plots --out " + out.path.string(), out.path / "bin");
  EXPECT_EQ(failed.exit_code, 1) << failed.out;
  EXPECT_NE(failed.out.find("failed (exit 3)"), std::string::npos) << failed.out;
  EXPECT_NE(failed.out.find("| out of memory"), std::string::npos) << failed.out;
  EXPECT_NE(failed.out.find("missing: " + (out.path / "bin" / "gmem_bench").string()), std::string::npos) << failed.out;
}

// Google Benchmark writes non-finite counters as bare NaN / Infinity (not JSON), and a run may
// report a zero time: the program's other results are still compared, and plotted.
TEST(UnimemCli, BenchComparesWhatIsComparableInOddResults) {
  TempDir out;
  write_program(out.path / "bin", "cache_bench",
                "case \"$*\" in *list_tests*) printf 'hit/unimem/x\\nhit/peer/x\\nmiss/unimem/x\\nmiss/peer/x\\n'; exit 0;; esac\n"
                "for a; do case $a in --benchmark_out=*) json=${a#--benchmark_out=};; esac; done\n"
                "cat > \"$json\" <<EOF\n"
                "{\"context\": {\"host_name\": \"fake\"}, \"benchmarks\": [\n"
                " {\"name\": \"hit/unimem/x\", \"run_name\": \"hit/unimem/x\", \"run_type\": \"iteration\", \"real_time\": 10,"
                " \"time_unit\": \"ns\", \"ratio\": NaN, \"top\": -Infinity},\n"
                " {\"name\": \"hit/peer/x\", \"run_name\": \"hit/peer/x\", \"run_type\": \"iteration\", \"real_time\": 0.02,"
                " \"time_unit\": \"us\", \"ratio\": Infinity},\n"
                " {\"name\": \"miss/unimem/x\", \"run_name\": \"miss/unimem/x\", \"run_type\": \"iteration\", \"real_time\": 0,"
                " \"time_unit\": \"ns\"},\n"
                " {\"name\": \"miss/peer/x\", \"run_name\": \"miss/peer/x\", \"run_type\": \"iteration\", \"real_time\": 5,"
                " \"time_unit\": \"ns\"}]}\n"
                "EOF\n"
                "echo hit/unimem/x 10 ns; echo hit/peer/x 20 ns; echo miss/unimem/x 0 ns; echo miss/peer/x 5 ns\n");
  auto r = unimem_shell("bench cache --out " + out.path.string(), out.path / "bin");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("cache_bench        4/4 benchmarks in"), std::string::npos) << r.out;
  // 20 ns (0.02 us) against 10 ns; the zero-time pair is left out, not a division by zero.
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(hit/x\s+unimem\s+peer\s+10\.0 ns\s+20\.0 ns\s+2\.00\n)"))) << r.out;
  EXPECT_EQ(r.out.find("miss/x"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(cache\s+cache_bench\s+4\s+1\s+2\.00\s+1 of 1)"))) << r.out;
  EXPECT_EQ(file_text(out.path / "cache_bench.png").substr(0, 4), "\x89PNG");
}
#endif
