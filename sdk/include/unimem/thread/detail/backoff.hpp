// Spin-wait backoff shared by the locks: pause, then yield, then sleep, so a waiter on a long-held
// lock does not burn a core (host) or starve the holder's warp (device).
#pragma once

#include <cstdint>

#include "unimem/core/config.hpp"
#include "unimem/thread/this_thread.hpp"

namespace unimem::detail {

UNIMEM_HOST_DEVICE inline void cpu_relax() noexcept {
#if defined(UNIMEM_DEVICE_PASS)
  this_thread::yield();
#elif defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

UNIMEM_HOST_DEVICE inline void backoff(std::uint32_t attempt) noexcept {
  if (attempt < 64) {
    cpu_relax();
  } else if (attempt < 256) {
    this_thread::yield();
  } else {
    this_thread::sleep_for_us(50);
  }
}

}  // namespace unimem::detail
