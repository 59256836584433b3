// RwLock: a reader-writer spin lock for shared regions (host threads of any process, GPU threads).
//
// Layout: state_ (32 bits) = [31] writer holds | [30] writer waiting | [29..0] reader count.
// Invariants: bit 31 set => reader count == 0; readers enter only while bits 31 and 30 are clear,
// so a waiting writer stops new readers (writer preference: writers cannot starve).
// Ordering: acquisitions are acquire RMWs, releases are release RMWs.
// Progress: blocking. Not robust: a process that dies holding it leaves it held (use Mutex where a
// holder may be killed).
#pragma once

#include <cstdint>

#include "unimem/core/config.hpp"
#include "unimem/thread/atomic.hpp"
#include "unimem/thread/detail/backoff.hpp"
#include "unimem/thread/mutex.hpp"

namespace unimem {

class RwLock {
 public:
  static constexpr std::uint32_t kWriter = 1u << 31;
  static constexpr std::uint32_t kWriterWaiting = 1u << 30;
  static constexpr std::uint32_t kReaderMask = kWriterWaiting - 1;

  UNIMEM_HOST_DEVICE constexpr RwLock() noexcept : state_(0) {}
  RwLock(const RwLock &) = delete;
  RwLock &operator=(const RwLock &) = delete;

  UNIMEM_HOST_DEVICE void lock_shared() noexcept {
    for (std::uint32_t attempt = 0;; ++attempt) {
      std::uint32_t s = state_.load(std::memory_order_relaxed);
      if ((s & (kWriter | kWriterWaiting)) == 0 &&
          state_.compare_exchange_strong(s, s + 1, std::memory_order_acquire)) {
        return;
      }
      detail::backoff(attempt);
    }
  }
  UNIMEM_HOST_DEVICE void unlock_shared() noexcept { state_.fetch_sub(1, std::memory_order_release); }

  UNIMEM_HOST_DEVICE LockState lock() noexcept {
    for (std::uint32_t attempt = 0;; ++attempt) {
      std::uint32_t s = state_.load(std::memory_order_relaxed);
      if ((s & ~kWriterWaiting) == 0) {
        // Free (maybe with our or another writer's waiting bit): take it and clear the bit; other
        // waiting writers set it again on their next attempt.
        if (state_.compare_exchange_strong(s, kWriter, std::memory_order_acquire)) return LockState::acquired;
      } else if ((s & kWriterWaiting) == 0) {
        state_.fetch_or(kWriterWaiting, std::memory_order_relaxed);
      }
      detail::backoff(attempt);
    }
  }
  UNIMEM_HOST_DEVICE void unlock() noexcept { state_.fetch_and(~kWriter, std::memory_order_release); }

  UNIMEM_HOST_DEVICE std::uint32_t readers() const noexcept {
    return state_.load(std::memory_order_relaxed) & kReaderMask;
  }

 private:
  Atomic<std::uint32_t> state_;
};

/// RAII guard for the read side of an RwLock.
class SharedLock {
 public:
  UNIMEM_HOST_DEVICE explicit SharedLock(RwLock &l) noexcept : lock_(l) { lock_.lock_shared(); }
  UNIMEM_HOST_DEVICE ~SharedLock() { lock_.unlock_shared(); }
  SharedLock(const SharedLock &) = delete;
  SharedLock &operator=(const SharedLock &) = delete;

 private:
  RwLock &lock_;
};

}  // namespace unimem
