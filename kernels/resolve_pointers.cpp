// ShmPtrs resolved inside a kernel through a PointerTable: the manager's host table for the host
// emulation, the DevicePointerTable's copy on a GPU.
#include "kernel_build.hpp"

namespace unimem::kernels {

namespace {

struct Resolve {
  PointerTable table;
  const ShmPtr<int> *ptrs;
  int n;

  UNIMEM_HOST_DEVICE void operator()() const {
    const auto i = this_kernel::global_rank();
    if (i >= static_cast<unsigned long long>(n)) return;
    if (int *p = table.resolve(ptrs[i])) *p = 1000 + static_cast<int>(i);
  }
};

}  // namespace

template <>
Result<void> resolve_pointers<kBuild>(const Stream &stream, PointerTable table, const ShmPtr<int> *ptrs, int n) {
  if (n <= 0) return Error(Errc::invalid_argument, "resolve_pointers: n = " + std::to_string(n));
  return launch(stream, LaunchConfig::cover(static_cast<std::uint64_t>(n)), Resolve{table, ptrs, n});
}

}  // namespace unimem::kernels
