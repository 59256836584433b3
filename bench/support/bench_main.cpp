// The main of every unimem benchmark program. Benchmarks are named "<op>/<impl>[/<variant>...]"
// (Google Benchmark appends variants such as "threads:2"); the impls whose name starts with
// "unimem" are compared with every other impl of the same op and variant, and the ratio
// time(peer) / time(unimem) is printed (above 1: unimem is faster). All results are also written as
// JSON to --benchmark_out (default: <program>.json in the working directory). With
// --benchmark_repetitions=N the ratios use the medians, which this shared 2-core machine needs.
//
// Peers that are loaded with dlopen (jemalloc) need more static TLS than glibc reserves by
// default, so the program re-executes itself once with glibc.rtld.optional_static_tls raised.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

struct Collector : benchmark::ConsoleReporter {
  std::map<std::string, std::map<std::string, double>> ns;  // "op/variant" -> impl -> time per iteration
  void ReportRuns(const std::vector<Run> &runs) override {
    for (const Run &r : runs) {
      // With --benchmark_repetitions the median is what is compared; without, the single run.
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (r.error_occurred || (r.run_type != Run::RT_Iteration && !median)) continue;
      const std::string name = r.benchmark_name();
      const auto a = name.find('/');
      if (a == std::string::npos) continue;
      const auto b = name.find('/', a + 1);
      const std::string impl = name.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
      const std::string key = name.substr(0, a) + (b == std::string::npos ? "" : name.substr(b));
      ns[key][impl] = r.GetAdjustedRealTime();
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
  std::printf("\n%-44s %-16s %-16s %12s\n", "op", "unimem", "peer", "unimem/peer");
  for (const auto &[op, impls] : console.ns) {
    for (const auto &[impl, t] : impls) {
      if (impl.rfind("unimem", 0) == 0) continue;
      for (const auto &[u, ut] : impls) {
        if (u.rfind("unimem", 0) == 0) {
          std::printf("%-44s %-16s %-16s %12.2f\n", op.c_str(), u.c_str(), impl.c_str(), t / ut);
        }
      }
    }
  }
  benchmark::Shutdown();
  return 0;
}
