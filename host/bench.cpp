// `unimem bench`: runs the benchmark programs of the chosen suites, shows their progress, prints the
// comparison of unimem with each peer (support/comparison.hpp, the rule every program prints by)
// and writes into the output folder, per program, its Google Benchmark JSON and console log, then
// comparison.json (every pair, with the machine and the options) and PNG plots (plot_bench.py,
// python3-matplotlib).
//
// The programs are looked up in $UNIMEM_BENCH_DIR, else next to the tool: <prefix>/libexec/unimem
// when installed, ../bench in a build tree.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <charconv>
#include <string>
#include <vector>

#include "commands.hpp"
#include "support/comparison.hpp"

extern char **environ;

namespace unimem::tool {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Program {
  const char *name;
  bool optional;  // built only in some configurations (CUDA): skipped when absent
};

struct Suite {
  const char *name;
  const char *what;
  std::vector<Program> programs;
};

const std::vector<Suite> &suites() {
  static const std::vector<Suite> all = {
      {"memcpy", "memcpy_nt, its parallel form and staging vs memcpy, PMDK's pmem_memcpy, a STREAM loop",
       {{"memcpy_bench", false}}},
      {"alloc", "allocators vs glibc, jemalloc, mimalloc, Boost.Interprocess; pointer resolution",
       {{"alloc_bench", false}, {"resolve_bench", false}}},
      {"containers", "containers vs the std containers, absl and Boost", {{"container_bench", false}}},
      {"cache", "the worker cache's hit path and hit ratios vs a mutex + LRU map", {{"cache_bench", false}}},
      {"gmem", "free_eager, prefetch and the jemalloc heap vs madvise and jemalloc", {{"gmem_bench", false}}},
      {"device", "device-side allocation and maps on the host emulation, and on the GPU when built with CUDA",
       {{"device_bench", false}, {"device_bench_cuda", true}}},
  };
  return all;
}

struct Options {
  std::vector<const Suite *> suites;
  fs::path out = "unimem-bench";
  std::string filter;
  std::string min_time;
  std::string repetitions;
  bool plots = true;
  bool list = false;
  bool help = false;
  std::vector<std::string> passthrough;  // after "--", given to every program
};

bool positive_seconds(const std::string &s) {
  char *end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0' && v > 0 && std::isfinite(v);
}

// As Google Benchmark's own parser takes it: a decimal int, nothing else.
bool positive_count(const std::string &s) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && end == s.data() + s.size() && v > 0;
}

// @return empty on success, else why the arguments are wrong.
std::string parse(const std::vector<std::string> &args, Options &o) {
  std::set<const Suite *> chosen;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string &a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--") {
      o.passthrough.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    } else if (a == "--no-plots") {
      o.plots = false;
    } else if (a == "--list") {
      o.list = true;
    } else if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (a == "--out" || a == "--filter" || a == "--min-time" || a == "--repetitions") {
      if (!has_value) return a + " needs a value";
      const std::string &v = args[++i];
      if (a == "--out") o.out = v;
      if (a == "--filter") o.filter = v;
      if (a == "--min-time" && !positive_seconds(o.min_time = v)) return "--min-time wants seconds > 0, not '" + v + "'";
      if (a == "--repetitions" && !positive_count(o.repetitions = v)) {
        return "--repetitions wants a whole number > 0, not '" + v + "'";
      }
    } else if (a == "all") {
      for (const Suite &s : suites()) chosen.insert(&s);
    } else {
      const auto s = std::find_if(suites().begin(), suites().end(), [&](const Suite &s) { return a == s.name; });
      if (s == suites().end()) return "unknown benchmark suite or option '" + a + "'";
      chosen.insert(&*s);
    }
  }
  for (const Suite &s : suites()) {
    if (chosen.empty() || chosen.count(&s) != 0) o.suites.push_back(&s);
  }
  return {};
}

const fs::path &tool_dir() {
  static const fs::path dir = fs::read_symlink("/proc/self/exe").parent_path();
  return dir;
}

bool executable(const fs::path &p) { return ::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p); }

// The folder of the benchmark programs: the first candidate that holds one of them.
std::vector<fs::path> bench_dir_candidates() {
  if (const char *env = std::getenv("UNIMEM_BENCH_DIR"); env != nullptr && *env != '\0') return {env};
  return {tool_dir() / UNIMEM_INSTALLED_BENCH_DIR, tool_dir() / ".." / "bench"};
}

std::optional<fs::path> find_bench_dir() {
  for (const fs::path &dir : bench_dir_candidates()) {
    for (const Suite &s : suites()) {
      for (const Program &p : s.programs) {
        if (executable(dir / p.name)) return dir.lexically_normal();
      }
    }
  }
  return std::nullopt;
}

// Runs `exe args...` with stdout and stderr merged into one pipe, handing on each line.
// @return the exit status, 128 + the signal when killed, -1 when it could not start.
int run_child(const std::string &exe, const std::vector<std::string> &args,
              const std::function<void(const std::string &)> &on_line) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<char *> argv{const_cast<char *>(exe.c_str())};
  for (const std::string &a : args) argv.push_back(const_cast<char *>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int spawned = ::posix_spawnp(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  std::string pending;
  char buf[4096];
  for (ssize_t n; spawned == 0 && (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    pending.append(buf, static_cast<std::size_t>(n));
    for (std::size_t eol; (eol = pending.find('\n')) != std::string::npos; pending.erase(0, eol + 1)) {
      on_line(pending.substr(0, eol));
    }
  }
  if (!pending.empty()) on_line(pending);
  ::close(fds[0]);
  if (spawned != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string status_text(int status) {
  if (status < 0) return "could not start";
  if (status > 128) return "killed by signal " + std::to_string(status - 128);
  return "exit " + std::to_string(status);
}

std::string clock_text(std::chrono::steady_clock::duration d) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return text;
}

// Progress of one program, on stderr: rewritten in place on a terminal, else a line every 10 s.
class Progress {
 public:
  Progress(std::string program, std::set<std::string> names) : program_(std::move(program)), names_(std::move(names)) {
    std::fprintf(stderr, "  %-18s [%3d/%zu] starting%s", program_.c_str(), 0, names_.size(), tty_ ? "" : "\n");
  }

  // A console line of the program: its first word is a benchmark's name when that one finished
  // (aggregates add _mean, _median, ...).
  void line(const std::string &l) {
    std::string name = l.substr(0, l.find_first_of(" \t"));
    for (const char *suffix : {"_mean", "_median", "_stddev", "_cv"}) {
      if (names_.count(name) == 0 && name.size() > std::strlen(suffix) && name.ends_with(suffix)) {
        name.resize(name.size() - std::strlen(suffix));
      }
    }
    if (names_.count(name) == 0 || !done_.insert(name).second) return;
    const auto now = std::chrono::steady_clock::now();
    if (tty_ || now - shown_ >= std::chrono::seconds(10) || done_.size() == names_.size()) {
      shown_ = now;
      std::fprintf(stderr, "%s  %-18s [%3zu/%zu] %s  %s%s", tty_ ? "\r\033[K" : "", program_.c_str(), done_.size(),
                   names_.size(), clock_text(now - start_).c_str(), name.c_str(), tty_ ? "" : "\n");
    }
  }

  void finish(const std::string &outcome) {
    std::fprintf(stderr, "%s  %-18s %zu/%zu benchmarks in %s: %s\n", tty_ ? "\r\033[K" : "", program_.c_str(),
                 done_.size(), names_.size(), clock_text(std::chrono::steady_clock::now() - start_).c_str(),
                 outcome.c_str());
  }

 private:
  std::string program_;
  std::set<std::string> names_, done_;
  bool tty_ = ::isatty(2) != 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point shown_{};
};

std::string time_text(double ns) {
  char text[32];
  if (ns < 1e3) {
    std::snprintf(text, sizeof text, "%.1f ns", ns);
  } else if (ns < 1e6) {
    std::snprintf(text, sizeof text, "%.2f us", ns / 1e3);
  } else if (ns < 1e9) {
    std::snprintf(text, sizeof text, "%.2f ms", ns / 1e6);
  } else {
    std::snprintf(text, sizeof text, "%.2f s", ns / 1e9);
  }
  return text;
}

enum class Outcome { ok, no_match, failed };

struct ProgramRun {
  ProgramRun(const Suite *s, std::string program) : suite(s), name(std::move(program)) {}

  const Suite *suite;
  std::string name;
  Outcome state = Outcome::failed;
  std::string outcome;  // what happened, in words
  std::size_t benchmarks = 0;
  std::vector<bench::Comparison> comparisons;

  // The geometric mean of the pairs' ratios (0 without pairs) and how many favour unimem.
  double geomean() const {
    double log_sum = 0;
    for (const bench::Comparison &c : comparisons) log_sum += std::log(c.ratio());
    return comparisons.empty() ? 0.0 : std::exp(log_sum / static_cast<double>(comparisons.size()));
  }
  std::size_t unimem_faster() const {
    return static_cast<std::size_t>(
        std::count_if(comparisons.begin(), comparisons.end(), [](const bench::Comparison &c) { return c.ratio() >= 1.0; }));
  }
};

// Google Benchmark writes a counter that is not finite (a ratio over 0, a cv of zeros) as a bare
// NaN or Infinity, which is not JSON: such values become null.
std::string json_text(const fs::path &file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string null = ": null";
  for (const std::string bare : {": -Infinity", ": Infinity", ": -NaN", ": NaN"}) {
    for (std::size_t at = 0; (at = text.find(bare, at)) != std::string::npos; at += null.size()) {
      text.replace(at, bare.size(), null);
    }
  }
  return text;
}

// A program's JSON: the machine it describes (kept once) and the comparisons of its runs.
bool read_results(const fs::path &file, ProgramRun &run, json &machine, std::string &why) {
  const json j = json::parse(json_text(file), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("benchmarks") || !j["benchmarks"].is_array()) {
    return why = file.string() + " is not Google Benchmark JSON", false;
  }
  if (machine.is_null() && j.contains("context")) machine = j["context"];
  bench::RunTimes times;
  for (const json &b : j["benchmarks"]) {
    const auto text = [&](const char *key, const char *otherwise) {
      return b.contains(key) && b[key].is_string() ? b[key].get<std::string>() : std::string(otherwise);
    };
    if (!b.is_object() || !b.contains("real_time") || !b["real_time"].is_number()) continue;
    const bool error = b.contains("error_occurred") && b["error_occurred"].is_boolean() && b["error_occurred"].get<bool>();
    if (!bench::counted_run(text("run_type", "iteration") == "aggregate", text("aggregate_name", ""), error)) continue;
    bench::record_run(times, text("run_name", text("name", "").c_str()),
                      bench::to_ns(b["real_time"].get<double>(), text("time_unit", "ns")));
  }
  run.comparisons = bench::compare(times);
  return true;
}

// The last lines a program printed, shown when it fails.
class Tail {
 public:
  void add(const std::string &l) {
    lines_.push_back(l);
    if (lines_.size() > 6) lines_.pop_front();
  }
  void print() const {
    for (const std::string &l : lines_) std::fprintf(stderr, "    | %s\n", l.c_str());
  }

 private:
  std::deque<std::string> lines_;
};

void run_program(const Options &o, const fs::path &exe, ProgramRun &run, json &machine) {
  std::error_code ignored;
  fs::remove(o.out / (run.name + ".png"), ignored);  // a plot of an earlier run would pass for this one's
  std::vector<std::string> selection;  // what picks the benchmarks: the filter and the user's arguments
  if (!o.filter.empty()) selection.push_back("--benchmark_filter=" + o.filter);
  selection.insert(selection.end(), o.passthrough.begin(), o.passthrough.end());

  // Listing first, for the progress count.
  std::set<std::string> names;
  std::vector<std::string> list_args = selection;
  list_args.push_back("--benchmark_list_tests=true");
  Tail list_tail;
  const int listed = run_child(exe, list_args, [&](const std::string &l) {
    list_tail.add(l);
    if (!l.empty() && l.find_first_of(" \t") == std::string::npos) names.insert(l);
  });
  if (listed != 0) {
    run.outcome = "failed to list its benchmarks (" + status_text(listed) + ")";
    std::fprintf(stderr, "  %-18s %s\n", run.name.c_str(), run.outcome.c_str());
    list_tail.print();
    return;
  }
  if (names.empty()) {
    run.state = Outcome::no_match;
    run.outcome = "no benchmark matches the filter";
    return;
  }
  run.benchmarks = names.size();

  const fs::path json_file = o.out / (run.name + ".json");
  std::vector<std::string> args{"--benchmark_out=" + json_file.string(), "--benchmark_out_format=json"};
  if (!o.min_time.empty()) args.push_back("--benchmark_min_time=" + o.min_time);
  if (!o.repetitions.empty()) {
    args.push_back("--benchmark_repetitions=" + o.repetitions);
    args.push_back("--benchmark_report_aggregates_only=true");
  }
  args.insert(args.end(), selection.begin(), selection.end());  // last: the user's arguments win
  const fs::path log_file = o.out / (run.name + ".log");
  std::unique_ptr<FILE, int (*)(FILE *)> log(std::fopen(log_file.c_str(), "we"), &std::fclose);  // e: not inherited
  if (!log) {
    run.outcome = "failed: cannot write " + log_file.string() + ": " + std::strerror(errno);
    return;
  }
  Tail tail;
  Progress progress(run.name, std::move(names));
  const int status = run_child(exe, args, [&](const std::string &l) {
    std::fprintf(log.get(), "%s\n", l.c_str());
    tail.add(l);
    progress.line(l);
  });
  log.reset();
  std::string why;
  if (status != 0) {
    run.outcome = "failed (" + status_text(status) + "), log " + log_file.string();
  } else if (!read_results(json_file, run, machine, why)) {
    run.outcome = "failed: " + why;
  } else {
    run.state = Outcome::ok;
    run.outcome = "ok";
  }
  progress.finish(run.outcome);
  if (status != 0) tail.print();
}

void print_tables(const std::vector<ProgramRun> &runs) {
  std::printf("\nunimem/peer = time(peer) / time(unimem): above 1, unimem is faster\n");
  for (const ProgramRun &r : runs) {
    if (r.comparisons.empty()) continue;
    std::printf("\n%s (%s)\n  %-46s %-18s %-18s %11s %11s %11s\n", r.name.c_str(), r.suite->name, "op", "unimem", "peer",
                "unimem", "peer", "unimem/peer");
    for (const bench::Comparison &c : r.comparisons) {
      std::printf("  %-46s %-18s %-18s %11s %11s %11.2f\n", c.op.c_str(), c.unimem.c_str(), c.peer.c_str(),
                  time_text(c.unimem_ns).c_str(), time_text(c.peer_ns).c_str(), c.ratio());
    }
  }
  std::printf("\n%-10s %-18s %10s %10s %14s  %s\n", "suite", "program", "benchmarks", "pairs", "geomean ratio",
              "unimem faster in");
  for (const ProgramRun &r : runs) {
    const std::size_t n = r.comparisons.size();
    char geomean[32] = "-";
    if (n != 0) std::snprintf(geomean, sizeof geomean, "%.2f", r.geomean());
    const std::string note =
        r.state == Outcome::ok ? std::to_string(r.unimem_faster()) + " of " + std::to_string(n) : r.outcome;
    std::printf("%-10s %-18s %10zu %10zu %14s  %s\n", r.suite->name, r.name.c_str(), r.benchmarks, n, geomean,
                note.c_str());
  }
}

void write_summary(const Options &o, const std::vector<ProgramRun> &runs, const json &machine) {
  json programs = json::array(), pairs = json::array();
  for (const ProgramRun &r : runs) {
    programs.push_back({{"program", r.name},
                        {"suite", r.suite->name},
                        {"outcome", r.outcome},
                        {"benchmarks", r.benchmarks},
                        {"pairs", r.comparisons.size()},
                        {"geomean_ratio", r.geomean()},
                        {"json", r.name + ".json"},
                        {"log", r.name + ".log"}});
    for (const bench::Comparison &c : r.comparisons) {
      pairs.push_back({{"suite", r.suite->name},
                       {"program", r.name},
                       {"op", c.op},
                       {"unimem", c.unimem},
                       {"peer", c.peer},
                       {"unimem_ns", c.unimem_ns},
                       {"peer_ns", c.peer_ns},
                       {"ratio", c.ratio()}});
    }
  }
  const json summary = {{"machine", machine},
                        {"options",
                         {{"filter", o.filter},
                          {"min_time", o.min_time},
                          {"repetitions", o.repetitions},
                          {"benchmark_args", o.passthrough}}},
                        {"programs", programs},
                        {"comparisons", pairs}};
  std::ofstream(o.out / "comparison.json") << summary.dump(2) << '\n';
}

// Debian's interpreter is the one python3-matplotlib installs into; UNIMEM_PYTHON overrides it.
std::string python() {
  if (const char *env = std::getenv("UNIMEM_PYTHON"); env != nullptr && *env != '\0') return env;
  return executable("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

bool plot(const Options &o) {
  const fs::path installed = tool_dir() / UNIMEM_INSTALLED_DATA_DIR / "plot_bench.py";
  const fs::path script = fs::exists(installed) ? installed : tool_dir() / "plot_bench.py";
  std::error_code ignored;
  fs::remove(o.out / "summary.png", ignored);
  std::string last;
  const std::string py = python();
  const int status = run_child(py, {script.string(), o.out.string()}, [&](const std::string &l) {
    std::printf("%s\n", l.c_str());
    last = l;
  });
  if (status < 0) std::fprintf(stderr, "unimem: plotting failed: cannot run %s (--no-plots skips the plots)\n", py.c_str());
  if (status > 0) {
    std::fprintf(stderr, "unimem: plotting failed: %s (python3-matplotlib from Debian's packages draws them; --no-plots skips them)\n",
                 last.c_str());
  }
  return status == 0;
}

int list(const std::optional<fs::path> &dir) {
  std::printf("benchmark programs: %s\n", dir ? dir->c_str() : "none found (build with UNIMEM_BUILD_BENCHMARKS=ON or set UNIMEM_BENCH_DIR)");
  for (const Suite &s : suites()) {
    std::printf("%-11s %s\n", s.name, s.what);
    for (const Program &p : s.programs) {
      std::printf("  %-18s %s\n", p.name, dir && executable(*dir / p.name) ? "built" : p.optional ? "not built (CUDA builds only)" : "not built");
    }
  }
  return 0;
}

}  // namespace

int bench(const std::vector<std::string> &args) {
  Options o;
  if (std::string why = parse(args, o); !why.empty()) return usage_error("bench: " + why);
  if (o.help) return std::fputs(kUsage, stdout), 0;
  const std::optional<fs::path> dir = find_bench_dir();
  if (o.list) return list(dir);
  if (!dir) {
    std::string looked;
    for (const fs::path &c : bench_dir_candidates()) looked += " " + c.lexically_normal().string();
    std::fprintf(stderr,
                 "unimem: no benchmark programs in%s; build them (UNIMEM_BUILD_BENCHMARKS=ON, the default) or set "
                 "UNIMEM_BENCH_DIR\n",
                 looked.c_str());
    return 1;
  }
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) return std::fprintf(stderr, "unimem: cannot create %s: %s\n", o.out.c_str(), ec.message().c_str()), 1;

  std::vector<ProgramRun> runs;
  json machine;
  for (const Suite *s : o.suites) {
    for (const Program &p : s->programs) {
      const fs::path exe = *dir / p.name;
      if (executable(exe)) {
        run_program(o, exe, runs.emplace_back(s, p.name), machine);
      } else if (!p.optional) {
        runs.emplace_back(s, p.name).outcome = "missing: " + exe.string() + " was not built";
      }
    }
  }
  bool ok = std::none_of(runs.begin(), runs.end(), [](const ProgramRun &r) { return r.state == Outcome::failed; });
  const bool any = std::any_of(runs.begin(), runs.end(), [](const ProgramRun &r) { return r.benchmarks != 0; });
  if (!any && ok) return std::fprintf(stderr, "unimem: no benchmark matches '%s'\n", o.filter.c_str()), 1;
  print_tables(runs);
  write_summary(o, runs, machine);
  std::printf("\nresults: %s (comparison.json, <program>.json, <program>.log)\n", o.out.c_str());
  if (o.plots && any) ok &= plot(o);
  return ok ? 0 : 1;
}

}  // namespace unimem::tool
