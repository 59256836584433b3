// Many threads allocating and freeing at once through one region's allocator, each block stamped
// with its owner and checked before it is freed: a block handed to two threads at once fails.
#include "kernel_build.hpp"

namespace unimem::kernels {

namespace {

struct AllocFree {
  SlabAllocatorRef alloc;
  int rounds;
  Counter *failures;

  UNIMEM_HOST_DEVICE void operator()() const {
    const auto tid = this_kernel::global_rank();
    for (int r = 0; r < rounds; ++r) {
      const std::size_t bytes = 16 + ((tid + r) % 16) * 16;
      const OffsetPtr<void> p = alloc.allocate_offset(MemContext{}, bytes);
      if (p.is_null()) {
        failures->fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      auto *words = reinterpret_cast<unsigned long long *>(alloc.base() + p.offset());
      const unsigned long long stamp = tid * 1000 + r;
      for (std::size_t i = 0; i < bytes / 8; ++i) words[i] = stamp;
      for (std::size_t i = 0; i < bytes / 8; ++i) {
        if (words[i] != stamp) failures->fetch_add(1, std::memory_order_relaxed);
      }
      if (alloc.free_offset(MemContext{}, p) != Errc::ok) failures->fetch_add(1, std::memory_order_relaxed);
    }
  }
};

}  // namespace

template <>
Result<void> alloc_free<kBuild>(const Stream &stream, const LaunchConfig &config, SlabAllocatorRef alloc, int rounds,
                                Counter *failures) {
  return launch(stream, config, AllocFree{alloc, rounds, failures});
}

}  // namespace unimem::kernels
