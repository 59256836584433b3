// The worker cache: hit-path latency and throughput at 1 and 2 threads against the baseline a
// worker would otherwise write (one mutex, std::unordered_map, a std::list in LRU order, entries
// pinned by a reference count), target: median hit under 100 ns; and the hit ratio on Superbin
// traces (every output point of a G x G grid reads its 3x3 or 5x5 neighbourhood of input points,
// tasks in row-major, tiled or random order) at budgets of 5, 10, 25 and 50% of the input, for
// S3-FIFO (the cache's default, run through WorkerCache itself) against LRU, FIFO and Belady's MIN
// computed offline on the same trace. Target: at least 0.95x MIN, never below LRU. The cache runs
// three times: plain (S3-FIFO), with the remaining-uses hint a Superbin worker can give (it knows
// its tasks), which switches those entries to the hinted policy, and with the schedule hint (when
// each id is read next), which switches them to the scheduled policy.
//   superbin/unimem/<order>/<stencil>/<budget %>: hit ratios s3fifo, hinted, scheduled, lru, fifo,
//   min and the ratios <cache run>_vs_min/lru; timing is not the point there (one iteration).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <list>
#include <mutex>
#include <numeric>
#include <random>
#include <unordered_map>
#include <vector>

#include "support/reference_cache.hpp"
#include "unimem/cache/worker_cache.hpp"

using namespace unimem;
using namespace unimem::cache;

namespace {

constexpr std::size_t kIds = 4096;
constexpr std::size_t kItem = 256;

// The baseline: every operation under one mutex; the reference count keeps a used entry in place.
class MutexLru {
 public:
  struct Entry {
    DataId id;
    std::vector<std::byte> data;
    std::atomic<int> refs{0};
  };
  explicit MutexLru(std::size_t capacity) : capacity_(capacity) {}

  Entry *acquire(DataId id) {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(id); it != index_.end()) {
      order_.splice(order_.begin(), order_, it->second);
      it->second->refs.fetch_add(1, std::memory_order_relaxed);
      return &*it->second;
    }
    if (order_.size() == capacity_) {
      for (auto v = order_.rbegin(); v != order_.rend(); ++v) {
        if (v->refs.load(std::memory_order_acquire) == 0) {
          index_.erase(v->id);
          order_.erase(std::next(v).base());
          break;
        }
      }
    }
    order_.emplace_front();
    auto &e = order_.front();
    e.id = id;
    e.data.resize(kItem);
    e.refs.store(1, std::memory_order_relaxed);
    index_.emplace(id, order_.begin());
    return &e;
  }
  static void release(Entry *e) { e->refs.fetch_sub(1, std::memory_order_release); }

 private:
  std::mutex mutex_;
  std::size_t capacity_;
  std::list<Entry> order_;
  std::unordered_map<DataId, std::list<Entry>::iterator> index_;
};

// Every thread draws ids of the (fully cached) hot set in its own random order.
struct Draw {
  std::uint64_t x;
  explicit Draw(int thread) : x(0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(thread + 1)) {}
  DataId next() {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return DataId(x % kIds);
  }
};

WorkerCache &hot_cache() {
  static WorkerCache cache = [] {
    auto c = WorkerCache::create({.budget = 2 * kIds * kItem}).value();
    for (std::size_t k = 0; k < kIds; ++k) {
      (void)c.acquire(DataId(k), kItem, [](std::span<std::byte> b) { std::fill(b.begin(), b.end(), std::byte{1}); });
    }
    return c;
  }();
  return cache;
}

MutexLru &hot_baseline() {
  static MutexLru lru(2 * kIds);
  static const bool filled = [] {
    for (std::size_t k = 0; k < kIds; ++k) MutexLru::release(lru.acquire(DataId(k)));
    return true;
  }();
  (void)filled;
  return lru;
}

void hit_unimem(benchmark::State &st) {
  auto &cache = hot_cache();
  Draw draw(st.thread_index());
  auto fill = [](std::span<std::byte>) {};
  for (auto _ : st) {
    auto h = cache.acquire(draw.next(), kItem, fill);
    benchmark::DoNotOptimize(h->data());
  }
  st.SetItemsProcessed(st.iterations());
  if (st.thread_index() == 0 && cache.stats().fills() != kIds) st.SkipWithError("a hit-path acquire filled");
}

void hit_mutex_lru(benchmark::State &st) {
  auto &lru = hot_baseline();
  Draw draw(st.thread_index());
  for (auto _ : st) {
    auto *e = lru.acquire(draw.next());
    benchmark::DoNotOptimize(e->data.data());
    MutexLru::release(e);
  }
  st.SetItemsProcessed(st.iterations());
}

// --- Superbin traces ---

enum class Order { row_major, tiled, random };
constexpr int kGrid = 64;  // 4096 input points
constexpr int kTile = 8;

std::vector<std::uint64_t> superbin_trace(Order order, int stencil) {
  std::vector<std::pair<int, int>> tasks;
  if (order == Order::tiled) {
    for (int ti = 0; ti < kGrid; ti += kTile)
      for (int tj = 0; tj < kGrid; tj += kTile)
        for (int i = ti; i < ti + kTile; ++i)
          for (int j = tj; j < tj + kTile; ++j) tasks.emplace_back(i, j);
  } else {
    for (int i = 0; i < kGrid; ++i)
      for (int j = 0; j < kGrid; ++j) tasks.emplace_back(i, j);
    if (order == Order::random) std::shuffle(tasks.begin(), tasks.end(), std::mt19937(12345));
  }
  const int r = stencil / 2;
  std::vector<std::uint64_t> trace;
  for (auto [i, j] : tasks) {
    for (int di = -r; di <= r; ++di)
      for (int dj = -r; dj <= r; ++dj) {
        const int y = i + di, x = j + dj;
        if (y >= 0 && y < kGrid && x >= 0 && x < kGrid) trace.push_back(static_cast<std::uint64_t>(y * kGrid + x));
      }
  }
  return trace;
}

double reference_ratio(const std::vector<std::uint64_t> &trace, std::size_t slots, bool lru) {
  return static_cast<double>(test::reference_hits(trace, slots, lru)) / static_cast<double>(trace.size());
}

double min_ratio(const std::vector<std::uint64_t> &trace, std::size_t slots) {
  return static_cast<double>(test::reference_min_hits(trace, slots)) / static_cast<double>(trace.size());
}

enum class Hints { none, remaining_uses, schedule };

// WorkerCache with its default policy, and with the hints a Superbin worker can give from its task
// list: how many more times it reads the id, or when it reads it next (positions = acquire numbers).
double cache_ratio(const std::vector<std::uint64_t> &trace, std::size_t slots, Hints hints) {
  std::vector<std::uint32_t> remaining(trace.size());
  std::unordered_map<std::uint64_t, std::uint32_t> later;
  for (std::size_t t = trace.size(); t-- > 0;) remaining[t] = later[trace[t]]++;
  const auto next = test::next_uses(trace);
  auto cache = WorkerCache::create({.budget = slots * 64}).value();
  auto fill = [](std::span<std::byte>) {};
  for (std::size_t t = 0; t < trace.size(); ++t) {
    AcquireOptions o;
    if (hints == Hints::remaining_uses) o.remaining_uses = remaining[t];
    if (hints == Hints::schedule) o.schedule = Schedule{t, next[t]};
    (void)cache.acquire(DataId(trace[t]), 64, fill, o);
  }
  return cache.stats().hit_ratio();
}

void superbin(benchmark::State &st, Order order) {
  const int stencil = static_cast<int>(st.range(0));
  const auto trace = superbin_trace(order, stencil);
  const std::size_t slots = static_cast<std::size_t>(kGrid * kGrid) * static_cast<std::size_t>(st.range(1)) / 100;
  double s3 = 0, hinted = 0, scheduled = 0;
  for (auto _ : st) {
    s3 = cache_ratio(trace, slots, Hints::none);
    hinted = cache_ratio(trace, slots, Hints::remaining_uses);
    scheduled = cache_ratio(trace, slots, Hints::schedule);
  }
  const double lru = reference_ratio(trace, slots, true), fifo = reference_ratio(trace, slots, false);
  const double min = min_ratio(trace, slots);
  st.counters["s3fifo"] = s3;
  st.counters["lru"] = lru;
  st.counters["fifo"] = fifo;
  st.counters["min"] = min;
  st.counters["hinted"] = hinted;
  st.counters["s3fifo_vs_min"] = s3 / min;
  st.counters["s3fifo_vs_lru"] = s3 / lru;
  st.counters["hinted_vs_min"] = hinted / min;
  st.counters["hinted_vs_lru"] = hinted / lru;
  st.counters["scheduled"] = scheduled;
  st.counters["scheduled_vs_min"] = scheduled / min;
  st.counters["scheduled_vs_lru"] = scheduled / lru;
}

}  // namespace

BENCHMARK(hit_unimem)->Name("hit/unimem")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(hit_mutex_lru)->Name("hit/mutex_lru")->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK_CAPTURE(superbin, row_major, Order::row_major)
    ->Name("superbin/unimem/row_major")->ArgsProduct({{3, 5}, {5, 10, 25, 50}})->Iterations(1);
BENCHMARK_CAPTURE(superbin, tiled, Order::tiled)
    ->Name("superbin/unimem/tiled")->ArgsProduct({{3, 5}, {5, 10, 25, 50}})->Iterations(1);
BENCHMARK_CAPTURE(superbin, random, Order::random)
    ->Name("superbin/unimem/random")->ArgsProduct({{3, 5}, {5, 10, 25, 50}})->Iterations(1);
