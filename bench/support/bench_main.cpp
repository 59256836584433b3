// The main of every unimem benchmark program: runs the benchmarks, prints Google Benchmark's table,
// then the comparison of each unimem impl with its peers (support/comparison.hpp: the names, the
// ratio time(peer) / time(unimem), medians with --benchmark_repetitions=N, which this shared 2-core
// machine needs). All results are also written as JSON to --benchmark_out (default:
// <program>.json in the working directory); `unimem bench` reads them from there.
//
// Peers that are loaded with dlopen (jemalloc) need more static TLS than glibc reserves by
// default, so the program re-executes itself once with glibc.rtld.optional_static_tls raised.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "support/comparison.hpp"

namespace {

struct Collector : benchmark::ConsoleReporter {
  // Colours only on a terminal (the flag --benchmark_color reaches only the library's own reporter).
  Collector() : ConsoleReporter(::isatty(1) != 0 ? OO_ColorTabular : OO_Tabular) {}
  unimem::bench::RunTimes times;
  void ReportRuns(const std::vector<Run> &runs) override {
    for (const Run &r : runs) {
      if (unimem::bench::counted_run(r.run_type == Run::RT_Aggregate, r.aggregate_name, r.error_occurred)) {
        unimem::bench::record_run(times, r.run_name.str(),
                                  unimem::bench::to_ns(r.GetAdjustedRealTime(), benchmark::GetTimeUnitString(r.time_unit)));
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

void ensure_static_tls(char **argv) {
  const char *t = std::getenv("GLIBC_TUNABLES");
  if (t && std::strstr(t, "optional_static_tls")) return;
  std::string v = std::string(t ? t : "") + (t ? ":" : "") + "glibc.rtld.optional_static_tls=65536";
  setenv("GLIBC_TUNABLES", v.c_str(), 1);
  execv("/proc/self/exe", argv);  // on failure, carry on: only dlopen'ed peers are affected
}

}  // namespace

int main(int argc, char **argv) {
  ensure_static_tls(argv);
  std::vector<char *> args(argv, argv + argc);
  std::string out_flag;
  bool no_default_out = false;
  // Listing runs nothing, and Google Benchmark would still empty the default output file.
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    no_default_out |= a.rfind("--benchmark_out=", 0) == 0 || a.rfind("--benchmark_list_tests", 0) == 0;
  }
  if (!no_default_out) {
    std::string prog = argv[0];
    prog = prog.substr(prog.find_last_of('/') + 1);
    out_flag = "--benchmark_out=" + prog + ".json";
    args.push_back(out_flag.data());
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  Collector console;
  benchmark::RunSpecifiedBenchmarks(&console);
  std::printf("\n%-44s %-16s %-16s %12s\n", "op", "unimem", "peer", "unimem/peer");
  for (const auto &c : unimem::bench::compare(console.times)) {
    std::printf("%-44s %-16s %-16s %12.2f\n", c.op.c_str(), c.unimem.c_str(), c.peer.c_str(), c.ratio());
  }
  benchmark::Shutdown();
  return 0;
}
