// Mutex: a one-word spin lock for shared regions, usable by host threads of any process and by GPU
// threads (system-scope atomics), e.g. a kernel and a host thread guarding the same data.
//
// Layout: owner_ (32 bits) = 0 when free, else the owner's tag:
//   host owner:   its pid (1 .. 2^31-1)
//   device owner: 0x8000'0000 | low 31 bits of its global thread id
// Invariant: owner_ != 0  <=>  some thread is inside the critical section.
// Ordering: lock is an acquire CAS 0 -> tag, unlock a release store of 0, so everything written in
// the critical section is visible to the next owner, in any process or on the device.
// Progress: blocking. Robust on the host: a waiter that finds the owner's process gone (pid no
// longer exists) takes the lock over and is told so (LockState::recovered), like EOWNERDEAD, so that
// a process killed inside a critical section never deadlocks the others. A pid reused by a new
// process hides the death (the lock then waits, it never admits two owners). Processes must share a
// pid namespace. Device owners are not checked: a kernel cannot die alone.
// On AMD GPUs lanes of a wavefront run in lock step: take the lock from one lane per wavefront.
#pragma once

#include <cstdint>

#include "unimem/core/config.hpp"
#include "unimem/thread/atomic.hpp"
#include "unimem/thread/detail/backoff.hpp"
#include "unimem/thread/detail/process.hpp"

namespace unimem {

enum class LockState : std::uint8_t {
  acquired,   ///< the lock was free or released normally
  recovered,  ///< the previous owner's process died holding it; the guarded data may be inconsistent
};

class Mutex {
 public:
  static constexpr std::uint32_t kDeviceOwnerBit = 0x8000'0000u;

  UNIMEM_HOST_DEVICE constexpr Mutex() noexcept : owner_(0) {}
  Mutex(const Mutex &) = delete;
  Mutex &operator=(const Mutex &) = delete;

  UNIMEM_HOST_DEVICE bool try_lock() noexcept {
    std::uint32_t expected = 0;
    return owner_.compare_exchange_strong(expected, my_tag(), std::memory_order_acquire);
  }

  UNIMEM_HOST_DEVICE LockState lock() noexcept {
    const std::uint32_t me = my_tag();
    for (std::uint32_t attempt = 0;; ++attempt) {
      std::uint32_t seen = 0;
      if (owner_.compare_exchange_strong(seen, me, std::memory_order_acquire)) return LockState::acquired;
#if !defined(UNIMEM_DEVICE_PASS)
      if (attempt >= 64 && attempt % 16 == 0 && (seen & kDeviceOwnerBit) == 0 && !detail::process_alive(seen) &&
          owner_.compare_exchange_strong(seen, me, std::memory_order_acquire)) {
        return LockState::recovered;
      }
#endif
      detail::backoff(attempt);
    }
  }

  UNIMEM_HOST_DEVICE void unlock() noexcept { owner_.store(0, std::memory_order_release); }

#if !defined(UNIMEM_DEVICE_PASS)
  /// @brief Takes the lock over from @p dead_owner (a tag seen by owner()) if it still holds it and
  /// its process no longer exists; never waits. @return whether the caller now holds the lock.
  bool try_take_over(std::uint32_t dead_owner) noexcept {
    if (dead_owner == 0 || (dead_owner & kDeviceOwnerBit) || detail::process_alive(dead_owner)) return false;
    return owner_.compare_exchange_strong(dead_owner, my_tag(), std::memory_order_acquire);
  }
#endif

  /// @brief The current owner's tag (0 when free); for diagnostics such as `unimem shm inspect`.
  UNIMEM_HOST_DEVICE std::uint32_t owner() const noexcept { return owner_.load(std::memory_order_relaxed); }

 private:
  UNIMEM_HOST_DEVICE static std::uint32_t my_tag() noexcept {
#if defined(UNIMEM_DEVICE_PASS)
    return kDeviceOwnerBit | static_cast<std::uint32_t>(this_thread::id().value & 0x7fff'ffffu);
#else
    return detail::current_pid();
#endif
  }

  Atomic<std::uint32_t> owner_;
};

/// RAII guard for Mutex and the RwLock write side; usable in kernels (std::lock_guard is not).
template <class Lockable>
class ScopedLock {
 public:
  UNIMEM_HOST_DEVICE explicit ScopedLock(Lockable &l) noexcept : lock_(l), state_(l.lock()) {}
  UNIMEM_HOST_DEVICE ~ScopedLock() { lock_.unlock(); }
  ScopedLock(const ScopedLock &) = delete;
  ScopedLock &operator=(const ScopedLock &) = delete;
  /// @brief Whether the lock was taken over from a dead process.
  UNIMEM_HOST_DEVICE bool recovered() const noexcept { return state_ == LockState::recovered; }

 private:
  Lockable &lock_;
  LockState state_;
};

}  // namespace unimem
