// Container throughput, unimem against its peers in one run (names and ratios: support/bench_main.cpp):
//   vector_push_back/<impl>/N        create a vector, push_back N = 1<<16 uint64, destroy it
//   vector_push_back_reused/<impl>/N clear a vector reserved once for N, push_back N uint64
//   map_insert/<impl>/N              insert N random keys into a map reserved for N (its creation
//                                    and destruction are not timed)
//   map_find_hit/<impl>/N            find each of the N keys, in another random order, and sum values
//   map_find_miss/<impl>/N           find N keys that are absent
//   queue_pair/<impl>/threads:T      each thread pushes one element then pops one, on one shared queue
// Impls:
//   unimem           unimem::vector / unordered_map (MapGrowth::fixed) / mpmc_queue, in a POSIX shm
//                    region through ThreadLocalAllocator
//   std              std::vector, std::unordered_map (reserved)
//   absl             absl::flat_hash_map (reserved)
//   boost_ipc_map    boost::interprocess::map (a red-black tree) in Boost.Interprocess
//                    managed_shared_memory
//   boost_ipc_unordered boost::unordered_map in the same segment (the faster shared-memory map)
//   boost_lockfree   boost::lockfree::queue, fixed_sized, capacity 1024
// Items are elements pushed, keys inserted or looked up, or push/pop pairs.
#include <benchmark/benchmark.h>

#include <absl/container/flat_hash_map.h>
#include <boost/interprocess/allocators/allocator.hpp>
#include <boost/interprocess/containers/map.hpp>
#include <boost/interprocess/managed_shared_memory.hpp>
#include <boost/lockfree/queue.hpp>
#include <boost/unordered_map.hpp>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "unimem/containers/mpmc_queue.hpp"
#include "unimem/containers/unordered_map.hpp"
#include "unimem/containers/vector.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"

namespace bip = boost::interprocess;
using u64 = std::uint64_t;

namespace {

constexpr std::int64_t kVectorElements = 1 << 16;
constexpr std::int64_t kMapSizes[] = {1 << 16, 1 << 20};
constexpr std::size_t kQueueCapacity = 1024;
constexpr std::size_t kRegionBytes = std::size_t{1} << 30;

// ---- the two shared memory regions ----
// Created on first use, not at start-up: main re-executes the program (see bench_main.cpp), and a
// region made before that would outlive it under the same pid-based name.

std::string region_name(const char *tag) {
  return std::string("unimem-bench-containers-") + tag + "-" + std::to_string(getpid());
}

unimem::ThreadLocalAllocator &unimem_alloc() {
  struct Heap {
    std::unique_ptr<unimem::PosixShmBackend> backend =
        unimem::PosixShmBackend::create(region_name("unimem"), kRegionBytes).value();
    std::unique_ptr<unimem::ThreadLocalAllocator> alloc =
        unimem::ThreadLocalAllocator::create(*backend, unimem::AllocatorId{1}).value();
    ~Heap() {
      alloc.reset();
      (void)backend->destroy();
    }
  };
  static Heap heap;
  return *heap.alloc;
}

bip::managed_shared_memory &boost_segment() {
  struct Segment {
    std::string name = region_name("boost");
    bip::managed_shared_memory seg{bip::create_only, name.c_str(), kRegionBytes};
    ~Segment() { bip::shared_memory_object::remove(name.c_str()); }
  };
  static Segment segment;
  return segment.seg;
}

// ---- impls: each owns one container, built for n elements; -> and * reach it ----

template <class C>
class Held {
 public:
  C *operator->() { return &c_; }
  C &operator*() { return c_; }
  Held(const Held &) = delete;
  Held &operator=(const Held &) = delete;

 protected:
  template <class... Args>
  explicit Held(Args &&...args) : c_(std::forward<Args>(args)...) {}
  C c_;
};

// A unimem container in the shm region. Its constructor brings the region up first, so a static
// local that holds one (the queue) is destroyed before the region.
template <class C, auto... CreateArgs>
class InRegion : public Held<C> {
 public:
  static constexpr const char *kName = "unimem";
  explicit InRegion(std::size_t n) : Held<C>(C::create(unimem_alloc(), n, CreateArgs...).value()) {}
  ~InRegion() { this->c_.destroy(); }
};

// A container on the process heap, reserved for n as its users would.
template <class C, const char *Name>
class OnHeap : public Held<C> {
 public:
  static constexpr const char *kName = Name;
  explicit OnHeap(std::size_t n) { this->c_.reserve(n); }
};

// A Boost container whose object and nodes are in the Boost segment, reserved for n where it can be.
template <class C, const char *Name>
class InBoostSegment {
 public:
  static constexpr const char *kName = Name;
  explicit InBoostSegment(std::size_t n)
      : c_(boost_segment().construct<C>(bip::anonymous_instance)(boost_segment().get_segment_manager())) {
    if constexpr (requires { c_->reserve(n); }) c_->reserve(n);
  }
  ~InBoostSegment() { boost_segment().destroy_ptr(c_); }
  InBoostSegment(const InBoostSegment &) = delete;
  InBoostSegment &operator=(const InBoostSegment &) = delete;
  C *operator->() { return c_; }

 private:
  C *c_;
};

using BoostQueue = boost::lockfree::queue<u64, boost::lockfree::fixed_sized<true>>;
struct BoostLockfreeQueue : Held<BoostQueue> {
  static constexpr const char *kName = "boost_lockfree";
  explicit BoostLockfreeQueue(std::size_t n) : Held(n) {}
};

constexpr char kStd[] = "std";
constexpr char kAbsl[] = "absl";
constexpr char kBoostIpcMap[] = "boost_ipc_map";
constexpr char kBoostIpcUnordered[] = "boost_ipc_unordered";

using UnimemVector = InRegion<unimem::vector<u64>>;
using StdVector = OnHeap<std::vector<u64>, kStd>;
using UnimemMap = InRegion<unimem::unordered_map<u64, u64>, unimem::MapGrowth::fixed>;
using StdMap = OnHeap<std::unordered_map<u64, u64>, kStd>;
using AbslMap = OnHeap<absl::flat_hash_map<u64, u64>, kAbsl>;
using UnimemQueue = InRegion<unimem::mpmc_queue<u64>>;

using BoostSegmentAllocator =
    bip::allocator<std::pair<const u64, u64>, bip::managed_shared_memory::segment_manager>;
// Boost.Interprocess's own map (a red-black tree; the library has no hash map) and the hash map its
// documentation pairs with it (boost::unordered_map with the segment's allocator).
using BoostIpcTree = bip::map<u64, u64, std::less<u64>, BoostSegmentAllocator>;
using BoostIpcHash = boost::unordered_map<u64, u64, boost::hash<u64>, std::equal_to<u64>, BoostSegmentAllocator>;
using BoostIpcMap = InBoostSegment<BoostIpcTree, kBoostIpcMap>;
using BoostIpcUnordered = InBoostSegment<BoostIpcHash, kBoostIpcUnordered>;

// The queues' non-blocking operations under one name.
bool push(unimem::mpmc_queue<u64> &q, u64 v) { return q.try_push(v); }
bool pop(unimem::mpmc_queue<u64> &q, u64 &v) { return q.try_pop(v); }
bool push(BoostQueue &q, u64 v) { return q.push(v); }  // fixed_sized: fails when full, never allocates
bool pop(BoostQueue &q, u64 &v) { return q.pop(v); }

// ---- vector ----

template <class Vec>
void vector_push_back(benchmark::State &st) {
  const u64 n = st.range(0);
  for (auto _ : st) {
    Vec v(0);
    for (u64 i = 0; i < n; ++i) v->push_back(i);
    benchmark::DoNotOptimize(v->data());
  }
  st.SetItemsProcessed(st.iterations() * n);
}

template <class Vec>
void vector_push_back_reused(benchmark::State &st) {
  const u64 n = st.range(0);
  Vec v(n);
  for (auto _ : st) {
    v->clear();
    for (u64 i = 0; i < n; ++i) v->push_back(i);
    benchmark::DoNotOptimize(v->data());
    benchmark::ClobberMemory();
  }
  st.SetItemsProcessed(st.iterations() * n);
}

// ---- hash map ----

struct Keys {
  std::vector<u64> inserted;  ///< in insertion order
  std::vector<u64> present;   ///< the same keys shuffled: looking them up in insertion order would
                              ///< walk std's nodes in allocation order, which the prefetcher follows
  std::vector<u64> absent;
};

// Random 64-bit keys from a fixed seed; inserts and finds check that no two collided.
const Keys &keys(std::size_t n) {
  static std::map<std::size_t, Keys> made;
  Keys &k = made[n];
  if (k.inserted.empty()) {
    std::mt19937_64 rng(n);
    for (std::vector<u64> *v : {&k.inserted, &k.absent}) {
      v->resize(n);
      for (u64 &x : *v) x = rng();
    }
    k.present = k.inserted;
    std::shuffle(k.present.begin(), k.present.end(), rng);
  }
  return k;
}

template <class Map>
std::size_t insert_all(Map &m, const std::vector<u64> &keys) {
  std::size_t inserted = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) inserted += m->emplace(keys[i], i).second;
  return inserted;
}

// Only the inserts are timed: creating and destroying a map (freeing 1<<20 nodes for std and Boost)
// is not what this measures.
template <class Map>
void map_insert(benchmark::State &st) {
  const std::size_t n = st.range(0);
  const Keys &k = keys(n);
  std::size_t inserted = 0;
  for (auto _ : st) {
    st.PauseTiming();
    {
      Map m(n);
      st.ResumeTiming();
      inserted = insert_all(m, k.inserted);
      st.PauseTiming();
    }
    st.ResumeTiming();
  }
  if (inserted != n) st.SkipWithError("not every key was inserted (map full, or duplicate keys)");
  st.SetItemsProcessed(st.iterations() * n);
}

// The map is filled before the timed loop, once per run.
template <class Map>
void map_find(benchmark::State &st, bool hit) {
  const std::size_t n = st.range(0);
  const Keys &k = keys(n);
  Map m(n);
  if (insert_all(m, k.inserted) != n) st.SkipWithError("not every key was inserted");
  const std::vector<u64> &probes = hit ? k.present : k.absent;
  u64 found = 0, sum = 0;
  for (auto _ : st) {
    for (u64 key : probes) {
      const auto it = m->find(key);
      if (it != m->end()) {
        ++found;
        sum += it->second;
      }
    }
  }
  benchmark::DoNotOptimize(sum);
  if (found != (hit ? n * st.iterations() : 0)) st.SkipWithError("a lookup gave the wrong answer");
  st.SetItemsProcessed(st.iterations() * n);
}

// ---- MPMC queue ----

// One queue for all threads, built by the first thread that arrives (a static local: the others
// wait for it, and Google Benchmark starts the timed loop only when every thread is there).
// A pop spins only while the queue looks empty, and its own thread pushed first, so an element is
// queued or being published by a push already in progress: it cannot wait for a thread that left.
// The queue is empty again when the run ends, ready for the next one.
template <class Queue>
void queue_pair(benchmark::State &st) {
  static Queue q(kQueueCapacity);
  const u64 mine = st.thread_index();
  u64 got = 0;
  for (auto _ : st) {
    while (!push(*q, mine)) {
    }
    while (!pop(*q, got)) {
    }
  }
  benchmark::DoNotOptimize(got);
  st.SetItemsProcessed(st.iterations());
}

// ---- registration ----

template <class... Impls>
struct ImplList {
  // f.operator()<Impl>() for each impl in turn, so that one op's rows print together.
  template <class F>
  static void each(F f) {
    (f.template operator()<Impls>(), ...);
  }
};
using Vectors = ImplList<UnimemVector, StdVector>;
using Maps = ImplList<UnimemMap, StdMap, AbslMap, BoostIpcMap, BoostIpcUnordered>;
using Queues = ImplList<UnimemQueue, BoostLockfreeQueue>;

template <class Impl, class... Args>
benchmark::internal::Benchmark *add(const char *op, Args &&...args) {
  return benchmark::RegisterBenchmark((std::string(op) + "/" + Impl::kName).c_str(), std::forward<Args>(args)...);
}

const bool registered = [] {
  using benchmark::kMicrosecond;
  Vectors::each([]<class V> { add<V>("vector_push_back", vector_push_back<V>)->Arg(kVectorElements)->Unit(kMicrosecond); });
  Vectors::each([]<class V> {
    add<V>("vector_push_back_reused", vector_push_back_reused<V>)->Arg(kVectorElements)->Unit(kMicrosecond);
  });
  for (std::int64_t n : kMapSizes) {
    Maps::each([n]<class M> { add<M>("map_insert", map_insert<M>)->Arg(n)->Unit(kMicrosecond); });
    Maps::each([n]<class M> { add<M>("map_find_hit", map_find<M>, true)->Arg(n)->Unit(kMicrosecond); });
    Maps::each([n]<class M> { add<M>("map_find_miss", map_find<M>, false)->Arg(n)->Unit(kMicrosecond); });
  }
  Queues::each([]<class Q> { add<Q>("queue_pair", queue_pair<Q>)->Threads(1)->Threads(2)->UseRealTime(); });
  return true;
}();

}  // namespace
