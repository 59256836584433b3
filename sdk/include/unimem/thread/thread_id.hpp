// ThreadId and ThreadLocalKey: the values a thread model hands out, one layout on host and device.
#pragma once

#include <cstdint>

#include "unimem/core/config.hpp"

namespace unimem {

/// Host: the kernel's thread id (gettid), unique machine-wide while the thread lives.
/// Device: the linear global thread index of the launch.
struct ThreadId {
  static constexpr std::uint64_t kNull = ~std::uint64_t{0};
  std::uint64_t value = kNull;

  UNIMEM_HOST_DEVICE constexpr bool is_null() const noexcept { return value == kNull; }
  UNIMEM_HOST_DEVICE friend constexpr bool operator==(ThreadId a, ThreadId b) noexcept { return a.value == b.value; }
};

/// A thread-local storage key. Host threads use a pthread key; GPU threads use a slot table in
/// device-visible memory with one slot per global thread id, which the host provides (for_device).
struct ThreadLocalKey {
  static constexpr std::uint32_t kNoHostKey = ~std::uint32_t{0};
  std::uint32_t host_key = kNoHostKey;
  std::uint32_t device_slot_count = 0;
  void **device_slots = nullptr;

  /// @brief A key whose device side uses @p slots (zeroed, @p count entries, visible to the kernel).
  static ThreadLocalKey for_device(void **slots, std::uint32_t count) noexcept {
    ThreadLocalKey k;
    k.device_slots = slots;
    k.device_slot_count = count;
    return k;
  }
};

}  // namespace unimem
