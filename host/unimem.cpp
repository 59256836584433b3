// The `unimem` command: facts about this machine, the shared regions on it, and the benchmarks.
// Exit codes: 0 success, 1 the operation failed (e.g. a damaged region), 2 usage error.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.hpp"

namespace unimem::tool {

const char *const kUsage =
    "usage: unimem info\n"
    "       unimem shm list\n"
    "       unimem shm inspect NAME\n"
    "       unimem shm check NAME [--reclaim]\n"
    "       unimem shm remove NAME [--force]\n"
    "       unimem bench [memcpy|alloc|containers|cache|gmem|device|all]... [--out DIR] [--filter REGEX]\n"
    "                    [--min-time SECONDS] [--repetitions N] [--no-plots] [--list] [-- BENCHMARK_ARGS...]\n"
    "  bench looks for the programs in $UNIMEM_BENCH_DIR, else next to the tool; plots use /usr/bin/python3\n"
    "  (or $UNIMEM_PYTHON) with python3-matplotlib.\n"
    "exit status: 0 success, 1 the operation failed (a damaged region, a benchmark program or the plots),\n"
    "             2 usage error\n";

int usage_error(const std::string &why) {
  std::fprintf(stderr, "unimem: %s\n%s", why.c_str(), kUsage);
  return 2;
}

}  // namespace unimem::tool

int main(int argc, char **argv) {
  using namespace unimem::tool;
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.empty() || a[0] == "-h" || a[0] == "--help" || a[0] == "help") {
    std::fputs(kUsage, a.empty() ? stderr : stdout);
    return a.empty() ? 2 : 0;
  }
  if (a[0] == "info" && a.size() == 1) return info();
  if (a[0] == "bench") return bench({a.begin() + 1, a.end()});
  if (a[0] == "shm" && a.size() >= 2) {
    if (a[1] == "list" && a.size() == 2) return shm_list();
    if (a[1] == "inspect" && a.size() == 3) return shm_inspect(argv[3], false, false);
    if (a[1] == "check" && (a.size() == 3 || (a.size() == 4 && a[3] == "--reclaim"))) {
      return shm_inspect(argv[3], true, a.size() == 4);
    }
    if (a[1] == "remove" && (a.size() == 3 || (a.size() == 4 && a[3] == "--force"))) {
      return shm_remove(argv[3], a.size() == 4);
    }
  }
  std::string joined;
  for (const auto &s : a) joined += (joined.empty() ? "" : " ") + s;
  return usage_error("unknown command or arguments: '" + joined + "'");
}
