// How unimem's benchmark results are compared with their peers, shared by every benchmark program
// (bench_main.cpp, from live runs) and by `unimem bench` (from the programs' JSON).
//
// A benchmark is named "<op>/<impl>[/<variant>...]" (Google Benchmark appends variants such as
// "threads:2"). The impls whose name starts with "unimem" are compared with every other impl of the
// same op and variant; the ratio is time(peer) / time(unimem), so above 1 means unimem is faster.
// With repetitions the median is compared, otherwise the single run.
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace unimem::bench {

/// The times of one program's runs: "op[/variant...]" -> impl -> ns per iteration.
using RunTimes = std::map<std::string, std::map<std::string, double>>;

/// Whether a run counts: an iteration run, or the median aggregate of repetitions (which comes after
/// the iteration runs of its benchmark and replaces them).
inline bool counted_run(bool aggregate, std::string_view aggregate_name, bool error) {
  return !error && (!aggregate || aggregate_name == "median");
}

/// A time in Google Benchmark's @p unit ("ns", "us", "ms" or "s") in nanoseconds.
inline double to_ns(double t, std::string_view unit) {
  return unit == "us" ? t * 1e3 : unit == "ms" ? t * 1e6 : unit == "s" ? t * 1e9 : t;
}

/// Records one run under its op key and impl. Names without an impl part are not comparable, nor
/// are times that are not positive and finite (a ratio needs both sides).
inline void record_run(RunTimes &times, std::string_view run_name, double ns) {
  const auto a = run_name.find('/');
  if (a == std::string_view::npos || !(ns > 0) || !std::isfinite(ns)) return;
  const auto b = run_name.find('/', a + 1);
  const std::string_view impl = run_name.substr(a + 1, b == std::string_view::npos ? std::string_view::npos : b - a - 1);
  std::string key(run_name.substr(0, a));
  if (b != std::string_view::npos) key += run_name.substr(b);
  times[key][std::string(impl)] = ns;
}

struct Comparison {
  std::string op;      // "op[/variant...]"
  std::string unimem;  // the unimem impl
  std::string peer;
  double unimem_ns;
  double peer_ns;
  double ratio() const { return peer_ns / unimem_ns; }
};

inline bool is_unimem(std::string_view impl) { return impl.substr(0, 6) == "unimem"; }

/// Every (unimem impl, peer) pair of every op, ordered by op, then peer, then unimem impl.
inline std::vector<Comparison> compare(const RunTimes &times) {
  std::vector<Comparison> out;
  for (const auto &[op, impls] : times) {
    for (const auto &[peer, peer_ns] : impls) {
      if (is_unimem(peer)) continue;
      for (const auto &[u, u_ns] : impls) {
        if (is_unimem(u)) out.push_back({op, u, peer, u_ns, peer_ns});
      }
    }
  }
  return out;
}

}  // namespace unimem::bench
