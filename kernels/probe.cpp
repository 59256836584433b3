// The probe kernel, and for a vendor build (UNIMEM_KERNEL_VENDOR) probe_mapping on that vendor's GPU.
#include "probe.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "kernel_build.hpp"

namespace unimem::kernels {

namespace {

// Every thread writes its bytes; one word at the start is a counter every thread adds to.
struct Probe {
  unsigned char *p;
  std::size_t bytes;

  UNIMEM_HOST_DEVICE void operator()() const {
    const auto tid = this_kernel::global_rank();
    const auto threads = this_kernel::global_size();
    for (std::size_t i = 8 + tid; i < bytes; i += threads) p[i] = static_cast<unsigned char>(i * 7 + 1);
    reinterpret_cast<Atomic<unsigned long long> *>(p)->fetch_add(1, std::memory_order_relaxed);
  }
};

}  // namespace

template <>
Result<void> probe_stream<kBuild>(const Stream &stream, char *exec_ptr, char *host_ptr, std::size_t bytes) {
  if (!exec_ptr || !host_ptr || bytes < 64) return Error(Errc::invalid_argument, "probe: bad arguments");
  std::vector<char> saved(host_ptr, host_ptr + bytes);
  std::memset(host_ptr, 0, 8);
  const LaunchConfig config{Dim3(4), Dim3(128), 0};
  const auto run = [&]() -> Result<void> {
    if (auto ok = launch(stream, config, Probe{reinterpret_cast<unsigned char *>(exec_ptr), bytes}); !ok) return ok;
    if (auto ok = stream.synchronize(); !ok) return ok;
    const auto *h = reinterpret_cast<const unsigned char *>(host_ptr);
    unsigned long long count = 0;
    std::memcpy(&count, h, 8);
    if (count != config.thread_count()) {
      return Error(Errc::device_error, "probe: the host saw " + std::to_string(count) + " of " +
                                           std::to_string(config.thread_count()) + " kernel increments");
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

#if defined(UNIMEM_KERNEL_VENDOR)
template <>
Result<void> probe_mapping<GpuVendor::UNIMEM_KERNEL_VENDOR>(char *device_ptr, char *host_ptr, std::size_t bytes) {
  if (!device_ptr || !host_ptr || bytes < 64) return Error(Errc::invalid_argument, "probe_mapping: bad arguments");
  auto stream = Stream::gpu<GpuVendor::UNIMEM_KERNEL_VENDOR>();
  if (!stream) return stream.error();
  return probe_stream<kBuild>(*stream, device_ptr, host_ptr, bytes);
}
#endif

}  // namespace unimem::kernels
