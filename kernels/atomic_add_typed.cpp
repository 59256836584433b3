// Typed memory of the atomic kind in a kernel: a MemoryRef and a 2-d ArrayView, each element
// updated by many threads at once with system-scope atomics.
#include "kernel_build.hpp"

namespace unimem::kernels {

namespace {

struct AtomicAdd {
  AtomicCounts counts;
  AtomicGrid grid;

  UNIMEM_HOST_DEVICE void operator()() const {
    const auto t = this_kernel::global_rank();
    const auto c = counts.at(t % counts.memory_size());
    if (!c.is_null()) c.fetch_add(1, std::memory_order_relaxed);
    const std::size_t rows = grid.dims[0], cols = grid.dims[1];
    grid.ref(t % rows * cols + t / rows % cols).fetch_add(1, std::memory_order_relaxed);
  }
};

}  // namespace

template <>
Result<void> atomic_add_typed<kBuild>(const Stream &stream, const LaunchConfig &config, AtomicCounts counts,
                                      AtomicGrid grid) {
  if (counts.memory_size() == 0 || grid.size() == 0) {
    return Error(Errc::invalid_argument, "atomic_add_typed: empty memory or array");
  }
  return launch(stream, config, AtomicAdd{counts, grid});
}

}  // namespace unimem::kernels
