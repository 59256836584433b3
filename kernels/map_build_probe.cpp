// Concurrent unordered_map use from kernel threads: every thread inserts its key while the others
// insert theirs, then finds it, and reads a neighbour's key that may or may not be there yet.
#include "kernel_build.hpp"

namespace unimem::kernels {

namespace {

struct BuildProbe {
  DeviceMap map;
  unsigned long long key_base;
  Counter *failures;

  UNIMEM_HOST_DEVICE void operator()() const {
    DeviceMap m = map;  // handles are values; the call operator is const
    const unsigned long long k = key_base + this_kernel::global_rank();
    if (!m.emplace(k, 3 * k).second) failures->fetch_add(1, std::memory_order_relaxed);
    auto it = m.find(k);
    if (it == m.end() || it->second != 3 * k) failures->fetch_add(1, std::memory_order_relaxed);
    unsigned long long next = 0;
    if (m.get(k + 1, next) && next != 3 * (k + 1)) failures->fetch_add(1, std::memory_order_relaxed);
  }
};

struct Insert {
  DeviceMap map;
  unsigned long long key_base;
  Counter *failures;

  UNIMEM_HOST_DEVICE void operator()() const {
    DeviceMap m = map;
    const unsigned long long k = key_base + this_kernel::global_rank();
    if (!m.emplace(k, 3 * k).second) failures->fetch_add(1, std::memory_order_relaxed);
  }
};

struct Probe {
  DeviceMap map;
  unsigned long long key_base;
  Counter *failures;

  UNIMEM_HOST_DEVICE void operator()() const {
    const unsigned long long k = key_base + this_kernel::global_rank();
    auto it = map.find(k);
    if (it == map.end() || it->second != 3 * k) failures->fetch_add(1, std::memory_order_relaxed);
  }
};

// A kernel's threads insert together; automatic growth is for one writer (unordered_map.hpp). The
// host emulation reads the state here; a GPU build's handle holds a device address, and its kernels
// never grow a map (the device pass has no growth).
Result<void> check_fixed(const DeviceMap &map) {
  if (kBuild == KernelBuild::host && map.growth() == MapGrowth::automatic) {
    return Error(Errc::invalid_argument, "map kernels: the map grows automatically, which needs a single writer; "
                                         "create it with MapGrowth::fixed and room for every key");
  }
  return success();
}

}  // namespace

template <>
Result<void> map_build_probe<kBuild>(const Stream &stream, const LaunchConfig &config, DeviceMap map,
                                     unsigned long long key_base, Counter *failures) {
  if (auto ok = check_fixed(map); !ok) return ok;
  return launch(stream, config, BuildProbe{map, key_base, failures});
}

template <>
Result<void> map_insert<kBuild>(const Stream &stream, const LaunchConfig &config, DeviceMap map,
                                unsigned long long key_base, Counter *failures) {
  if (auto ok = check_fixed(map); !ok) return ok;
  return launch(stream, config, Insert{map, key_base, failures});
}

template <>
Result<void> map_probe<kBuild>(const Stream &stream, const LaunchConfig &config, DeviceMap map,
                               unsigned long long key_base, Counter *failures) {
  return launch(stream, config, Probe{map, key_base, failures});
}

}  // namespace unimem::kernels
