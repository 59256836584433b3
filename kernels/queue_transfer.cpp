// Both directions of an MPMC queue across the host-device boundary: kernel threads pop what host
// threads push, or push what host threads pop. Many kernel threads pop at once, so an element
// handed to two consumers shows up in the sum.
#include "kernel_build.hpp"

namespace unimem::kernels {

namespace {

struct Consume {
  DeviceQueue q;
  unsigned long long per_thread;
  Counter *sum;

  UNIMEM_HOST_DEVICE void operator()() const {
    DeviceQueue queue = q;  // handles are values; the call operator is const
    unsigned long long total = 0;
    for (unsigned long long i = 0; i < per_thread; ++i) total += queue.pop();
    sum->fetch_add(total, std::memory_order_release);
  }
};

struct Produce {
  DeviceQueue q;
  unsigned long long per_thread;

  UNIMEM_HOST_DEVICE void operator()() const {
    DeviceQueue queue = q;
    for (unsigned long long i = 1; i <= per_thread; ++i) queue.push(i);
  }
};

}  // namespace

template <>
Result<void> queue_consume<kBuild>(const Stream &stream, const LaunchConfig &config, DeviceQueue q,
                                   unsigned long long per_thread, Counter *sum) {
  return launch(stream, config, Consume{q, per_thread, sum});
}

template <>
Result<void> queue_produce<kBuild>(const Stream &stream, const LaunchConfig &config, DeviceQueue q,
                                   unsigned long long per_thread) {
  return launch(stream, config, Produce{q, per_thread});
}

}  // namespace unimem::kernels
