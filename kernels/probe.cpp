// The probe kernel, for the vendor UNIMEM_KERNEL_VENDOR names (cuda or hip).
#include "probe.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "unimem/thread/atomic.hpp"
#include "unimem/thread/this_thread.hpp"

namespace unimem::kernels {

namespace {

constexpr GpuVendor kVendor = GpuVendor::UNIMEM_KERNEL_VENDOR;
using Rt = detail::GpuRuntime<kVendor>;

// Every thread writes its bytes; one word at the start is a counter every thread adds to.
UNIMEM_GLOBAL void probe_kernel(unsigned char *p, std::size_t bytes) {
  const auto tid = this_thread::id().value;
  const std::size_t threads = std::size_t{gridDim.x} * blockDim.x;
  for (std::size_t i = 8 + tid; i < bytes; i += threads) p[i] = static_cast<unsigned char>(i * 7 + 1);
  reinterpret_cast<Atomic<unsigned long long> *>(p)->fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

template <>
Result<void> probe_mapping<kVendor>(char *device_ptr, char *host_ptr, std::size_t bytes) {
  if (!device_ptr || !host_ptr || bytes < 64) return Error(Errc::invalid_argument, "probe_mapping: bad arguments");
  if (auto n = Rt::device_count(); !n) return n.error();
  std::vector<char> saved(host_ptr, host_ptr + bytes);
  std::memset(host_ptr, 0, 8);
  constexpr unsigned kBlocks = 4, kThreads = 128;
  const auto run = [&]() -> Result<void> {
    probe_kernel<<<kBlocks, kThreads>>>(reinterpret_cast<unsigned char *>(device_ptr), bytes);
    if (auto launched = Rt::last_launch_error(); !launched) return launched;
    if (auto done = Rt::synchronize(); !done) return done;
    const auto *h = reinterpret_cast<const unsigned char *>(host_ptr);
    unsigned long long count = 0;
    std::memcpy(&count, h, 8);
    if (count != kBlocks * kThreads) {
      return Error(Errc::device_error, "probe: the host saw " + std::to_string(count) + " of " +
                                           std::to_string(kBlocks * kThreads) + " kernel increments");
    }
    for (std::size_t i = 8; i < bytes; ++i) {
      if (h[i] != static_cast<unsigned char>(i * 7 + 1)) {
        return Error(Errc::device_error, "probe: byte " + std::to_string(i) + " written by the kernel is not seen by the host");
      }
    }
    return success();
  };
  Result<void> ok = run();
  std::memcpy(host_ptr, saved.data(), bytes);
  return ok;
}

}  // namespace unimem::kernels
