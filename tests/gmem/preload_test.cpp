// libunimem_preload.so under real programs: ls, sort and Python run with the heap as their malloc
// (its statistics, written at exit, prove it served them) and print exactly what they print without.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "support/test_support.hpp"

namespace {

struct Output {
  int status = -1;
  std::string out;
};

Output run(const std::string &command) {
  Output r;
  FILE *p = popen(command.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  r.status = pclose(p);
  return r;
}

// Runs @p command (a shell pipeline) twice, plain and with every process of it preloaded.
void expect_same_output(const std::string &command) {
  const std::string stats = "/tmp/unimem-preload-test-" + std::to_string(getpid());
  std::remove(stats.c_str());
  const Output plain = run(command);
  const Output with_heap =
      run("export UNIMEM_PRELOAD_STATS=" + stats + " LD_PRELOAD=" UNIMEM_PRELOAD_PATH "; " + command);
  ASSERT_EQ(plain.status, 0) << command;
  ASSERT_EQ(with_heap.status, 0) << with_heap.out;
  EXPECT_EQ(with_heap.out, plain.out);

  std::ifstream in(stats);
  std::string line;
  std::size_t processes = 0, allocated_max = 0;
  while (std::getline(in, line)) {
    int pid = 0;
    std::size_t allocated = 0, mapped = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "unimem-preload: pid %d allocated %zu mapped %zu", &pid, &allocated, &mapped), 3)
        << line;
    ++processes;
    allocated_max = std::max(allocated_max, allocated);
  }
  std::remove(stats.c_str());
  EXPECT_GT(processes, 0u) << "no preloaded process reported: the heap did not run";
  EXPECT_GT(allocated_max, 0u) << "the heap served no allocation";
}

}  // namespace

TEST(GmemPreload, Ls) { expect_same_output("ls -la /usr/include"); }

TEST(GmemPreload, Sort) { expect_same_output("seq 1 200000 | sort -R --random-source=/dev/zero | sort -n | tail -n 3"); }

TEST(GmemPreload, Python) {
  if (access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3 on this machine";
  expect_same_output(
      "/usr/bin/python3 -c \"d = {i: str(i) * 3 for i in range(300000)}; "
      "print(sum(map(len, d.values())), sorted(d, key=str)[-1], len(bytearray(50 << 20)))\"");
}
