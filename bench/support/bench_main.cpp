// The main of every unimem benchmark program. Benchmarks are named "<op>/<impl>", where one impl
// of each op starts with "unimem"; after the run, this prints for every other impl of the op the
// throughput ratio unimem / impl (above 1: unimem is faster), and writes all results as JSON to
// --benchmark_out (default: <program>.json in the working directory).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace {

struct Collector : benchmark::ConsoleReporter {
  std::map<std::string, std::map<std::string, double>> ns;  // op -> impl -> ns per iteration
  void ReportRuns(const std::vector<Run> &runs) override {
    for (const Run &r : runs) {
      if (r.error_occurred || r.run_type != Run::RT_Iteration || r.iterations == 0) continue;
      const std::string name = r.benchmark_name();
      const auto slash = name.find('/');
      if (slash == std::string::npos) continue;
      const auto rest = name.substr(slash + 1);
      ns[name.substr(0, slash)][rest] = r.GetAdjustedRealTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char **argv) {
  std::vector<char *> args(argv, argv + argc);
  std::string out_flag;
  bool has_out = false;
  for (int i = 1; i < argc; ++i) has_out |= std::string(argv[i]).rfind("--benchmark_out=", 0) == 0;
  if (!has_out) {
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
  std::printf("\n%-40s %-28s %10s\n", "op", "peer", "unimem/peer");
  for (const auto &[op, impls] : console.ns) {
    for (const auto &[impl, t] : impls) {
      if (impl.rfind("unimem", 0) == 0) continue;
      for (const auto &[u, ut] : impls) {
        if (u.rfind("unimem", 0) == 0) std::printf("%-40s %-28s %10.2f  (%s)\n", op.c_str(), impl.c_str(), t / ut, u.c_str());
      }
    }
  }
  benchmark::Shutdown();
  return 0;
}
