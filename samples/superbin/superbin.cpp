// superbin: the GPI-Space Superbin use case. Input points on a 2-D grid each carry a time series,
// kept in a GlobalMemory segment spread over the ranks; every output point is predicted from the
// time series of its 3x3 neighbourhood, so each input point is read by up to 9 tasks. The tasks of
// a rank run twice: loading every neighbour from the global memory, and through the rank's
// WorkerCache (each point a data id, with the remaining-uses hint its task list gives). Both runs
// must predict the same values; the program prints the loads avoided, the bytes saved and the time.
//   superbin [grid side = 96] [series length = 256] [cache budget in % of the input = 10]
// Runs on one process or under mpirun (each rank a worker with its own cache).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include "unimem/cache/global_memory.hpp"
#include "unimem/cache/mpi_session.hpp"

using namespace unimem;
using namespace unimem::cache;

namespace {

struct Setup {
  int side, length;
  std::uint64_t series_bytes() const { return static_cast<std::uint64_t>(length) * sizeof(float); }
  GlobalRange point(SegmentHandle seg, int p) const {
    return {seg, static_cast<std::uint64_t>(p) * series_bytes(), series_bytes()};
  }
  // The rows [first, last) of output points a rank predicts.
  std::pair<int, int> band(int rank, int ranks) const {
    const int rows = (side + ranks - 1) / ranks;
    return {std::min(side, rank * rows), std::min(side, (rank + 1) * rows)};
  }
  // The input points output point (i, j) reads: its 3x3 neighbourhood inside the grid, with weights.
  std::vector<std::pair<int, double>> stencil(int i, int j) const {
    std::vector<std::pair<int, double>> points;
    for (int y = std::max(0, i - 1); y <= std::min(side - 1, i + 1); ++y)
      for (int x = std::max(0, j - 1); x <= std::min(side - 1, j + 1); ++x)
        points.emplace_back(y * side + x, 1.0 / (1 + (y - i) * (y - i) + (x - j) * (x - j)));
    return points;
  }
};

// The measurement of input point p at time t: a smooth field drifting over time, plus a ripple.
float sample(int p, int t, int side) {
  const float y = static_cast<float>(p / side), x = static_cast<float>(p % side);
  return std::sin(0.11f * x + 0.01f * static_cast<float>(t)) + std::cos(0.07f * y - 0.02f * static_cast<float>(t)) +
         0.001f * static_cast<float>((p * 7 + t) % 13);
}

using Inputs = std::vector<std::pair<double, const float *>>;  // (weight, series) of each neighbour

// One output point: each neighbour extrapolates its series one step; nearer ones weigh more.
double predict(const Inputs &neighbours, int length) {
  double sum = 0, weights = 0;
  for (const auto &[w, s] : neighbours) {
    sum += w * (2.0 * s[length - 1] - s[length - 2]);
    weights += w;
  }
  return sum / weights;
}

struct Run {
  double checksum = 0, seconds = 0;
  std::uint64_t gets = 0;
};

// The rank's tasks, each reading its stencil's points with `load(point, weight, inputs)` (false: an
// error, reported by load).
template <class Load>
Run run_tasks(GlobalMemory &gm, const Setup &s, Load &&load) {
  const auto before = gm.stats().gets;
  const auto t0 = std::chrono::steady_clock::now();
  double checksum = 0;
  const auto [first, last] = s.band(gm.rank(), gm.ranks());
  Inputs inputs;
  for (int i = first; i < last; ++i) {
    for (int j = 0; j < s.side; ++j) {
      inputs.clear();
      for (const auto &[p, w] : s.stencil(i, j)) {
        if (!load(p, w, inputs)) return {};
      }
      checksum += predict(inputs, s.length);
    }
  }
  Run r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.gets = gm.stats().gets - before;
  MPI_Allreduce(&checksum, &r.checksum, 1, MPI_DOUBLE, MPI_SUM, gm.communicator());
  return r;
}

// How many tasks of a band read each point: the hint a worker can give its cache.
std::map<int, std::uint32_t> uses_of_band(const Setup &s, std::pair<int, int> band) {
  std::map<int, std::uint32_t> uses;
  for (int i = band.first; i < band.second; ++i)
    for (int j = 0; j < s.side; ++j)
      for (const auto &[p, w] : s.stencil(i, j)) ++uses[p];
  return uses;
}

}  // namespace

int main(int argc, char **argv) {
  auto mpi = MpiSession::init(&argc, &argv);
  if (!mpi) return std::fprintf(stderr, "superbin: %s\n", mpi.error().what().c_str()), 1;
  const Setup s{argc > 1 ? std::atoi(argv[1]) : 96, argc > 2 ? std::atoi(argv[2]) : 256};
  const double budget_percent = argc > 3 ? std::atof(argv[3]) : 10.0;
  if (s.side < 3 || s.length < 2 || budget_percent <= 0) {
    return std::fprintf(stderr, "usage: superbin [grid side >= 3] [series length >= 2] [budget %% > 0]\n"), 2;
  }
  auto gm = GlobalMemory::create();
  if (!gm) return std::fprintf(stderr, "superbin: %s\n", gm.error().what().c_str()), 1;
  const std::uint64_t input = static_cast<std::uint64_t>(s.side) * s.side * s.series_bytes();
  auto seg = gm->allocate(input);
  if (!seg) return std::fprintf(stderr, "superbin: %s\n", seg.error().what().c_str()), 1;

  // Every rank writes the part of the input it holds, in place.
  auto local = gm->local(*seg).value();
  const auto offset = gm->local_offset(*seg).value();
  auto *values = reinterpret_cast<float *>(local.data());
  for (std::size_t k = 0; k < local.size() / sizeof(float); ++k) {
    const auto idx = static_cast<int>(offset / sizeof(float) + k);
    values[k] = sample(idx / s.length, idx % s.length, s.side);
  }
  if (!gm->barrier()) return 1;

  // Without the cache: every task loads its neighbours.
  std::vector<std::vector<float>> buffers(9, std::vector<float>(static_cast<std::size_t>(s.length)));
  auto plain = run_tasks(*gm, s, [&](int p, double w, Inputs &inputs) {
    auto &b = buffers[inputs.size()];
    if (auto ok = gm->memory_get(s.point(*seg, p), b.data()); !ok) {
      return std::fprintf(stderr, "superbin: %s\n", ok.error().what().c_str()), false;
    }
    inputs.emplace_back(w, b.data());
    return true;
  });

  // With the cache: a hit skips the transfer; the hint frees a point once its last task has read it.
  auto uses = uses_of_band(s, s.band(gm->rank(), gm->ranks()));
  const auto budget = static_cast<std::size_t>(static_cast<double>(input) * budget_percent / 100.0);
  auto cache = WorkerCache::create({.budget = std::max<std::size_t>(budget, s.series_bytes())});
  if (!cache) return std::fprintf(stderr, "superbin: %s\n", cache.error().what().c_str()), 1;
  std::vector<CacheHandle> held;  // the current task's buffers
  auto cached = run_tasks(*gm, s, [&](int p, double w, Inputs &inputs) {
    if (inputs.empty()) held.clear();  // a new task: the previous one's buffers are free to go
    const Transfer get{s.point(*seg, p), 0};
    auto h = gm->cached_get(*cache, DataId(static_cast<std::uint64_t>(p)), s.series_bytes(), {&get, 1},
                            {.remaining_uses = --uses[p]});
    if (!h) return std::fprintf(stderr, "superbin: %s\n", h.error().what().c_str()), false;
    inputs.emplace_back(w, h->as<const float>().data());
    held.push_back(std::move(h).value());
    return true;
  });
  held.clear();
  (void)gm->barrier();

  const auto st = cache->stats();
  std::uint64_t mine[3] = {plain.gets, cached.gets, st.bytes_saved}, all[3];
  MPI_Allreduce(mine, all, 3, MPI_UINT64_T, MPI_SUM, gm->communicator());
  const bool same = plain.checksum == cached.checksum;
  if (gm->rank() == 0) {
    std::printf("superbin: %dx%d input points x %d samples (%.1f MiB) on %d rank(s), 3x3 stencil, cache budget "
                "%.0f%% of the input per worker (%s)\n",
                s.side, s.side, s.length, static_cast<double>(input) / (1 << 20), gm->ranks(), budget_percent,
                policy_name(cache->options().policy));
    std::printf("  without cache: %8llu loads  %7.1f ms\n", static_cast<unsigned long long>(all[0]), plain.seconds * 1e3);
    std::printf("  with cache:    %8llu loads  %7.1f ms   (rank 0: hit ratio %.3f, %llu evictions)\n",
                static_cast<unsigned long long>(all[1]), cached.seconds * 1e3, st.hit_ratio(),
                static_cast<unsigned long long>(st.evictions));
    std::printf("  loads avoided: %llu (%.1f%%), bytes saved: %.1f MiB; predictions %s (checksum %.6f)\n",
                static_cast<unsigned long long>(all[0] - all[1]),
                100.0 * static_cast<double>(all[0] - all[1]) / static_cast<double>(all[0]),
                static_cast<double>(all[2]) / (1 << 20), same ? "identical" : "DIFFER", cached.checksum);
  }
  (void)gm->free(*seg);
  return same && all[1] < all[0] ? 0 : 1;
}
