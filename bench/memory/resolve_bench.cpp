// Cost of turning a position-independent pointer into an address: unimem's ShmPtr (through the
// manager's table) and OffsetPtr, against a raw pointer and Boost.Interprocess's offset_ptr.
// Each iteration walks a shuffled array of 4096 pointers into one region and sums the targets.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <boost/interprocess/offset_ptr.hpp>
#include <numeric>
#include <random>
#include <vector>

#include "unimem/memory/backend/malloc_backend.hpp"
#include "unimem/memory/memory_manager.hpp"

using namespace unimem;

namespace {

constexpr int kPointers = 4096;

struct Fixture {
  MemoryManager mm;
  MallocBackend *region = nullptr;
  std::vector<int *> raw;
  std::vector<ShmPtr<int>> shm;
  std::vector<OffsetPtr<int>> off;

  Fixture() {
    region = *mm.create_backend<MallocBackend>(BackendId{0}, kPointers * sizeof(int));
    (void)mm.register_allocator(AllocatorId{1}, BackendId{0});
    auto *ints = reinterpret_cast<int *>(region->data());
    std::vector<int> order(kPointers);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937(42));
    for (int i : order) {
      ints[i] = i;
      raw.push_back(ints + i);
      shm.push_back(*mm.to_shm(AllocatorId{1}, ints + i));
      off.push_back(OffsetPtr<int>::from(region->base(), ints + i));
    }
  }
};

Fixture &fixture() {
  static Fixture f;
  return f;
}

void resolve_unimem_shm_ptr(benchmark::State &state) {
  auto &f = fixture();
  const PointerTable table = f.mm.table();
  for (auto _ : state) {
    long sum = 0;
    for (const auto &p : f.shm) sum += *table.resolve(p);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kPointers);
}

void resolve_unimem_offset_ptr(benchmark::State &state) {
  auto &f = fixture();
  const char *base = f.region->base();
  for (auto _ : state) {
    long sum = 0;
    for (const auto &p : f.off) sum += *p.get_unchecked(base);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kPointers);
}

void resolve_raw_pointer(benchmark::State &state) {
  auto &f = fixture();
  for (auto _ : state) {
    long sum = 0;
    for (int *p : f.raw) sum += *p;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kPointers);
}

// boost offset_ptr is self-relative, so each one must live in its own place (here, a vector).
void resolve_boost_offset_ptr(benchmark::State &state) {
  auto &f = fixture();
  std::vector<boost::interprocess::offset_ptr<int>> ptrs(f.raw.begin(), f.raw.end());
  for (auto _ : state) {
    long sum = 0;
    for (const auto &p : ptrs) sum += *p;
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kPointers);
}

}  // namespace

BENCHMARK(resolve_unimem_shm_ptr)->Name("resolve/unimem_shm_ptr");
BENCHMARK(resolve_unimem_offset_ptr)->Name("resolve/unimem_offset_ptr");
BENCHMARK(resolve_raw_pointer)->Name("resolve/raw_pointer");
BENCHMARK(resolve_boost_offset_ptr)->Name("resolve/boost_offset_ptr");
