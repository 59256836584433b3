#include "unimem/thread/detail/process.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace unimem::detail {

namespace {
std::atomic<std::uint32_t> cached_pid{0};

void forget_pid() noexcept { cached_pid.store(0, std::memory_order_relaxed); }
}  // namespace

std::uint32_t current_pid() noexcept {
  std::uint32_t pid = cached_pid.load(std::memory_order_relaxed);
  if (pid == 0) {
    // The child of a fork must not keep its parent's pid as its lock tag.
    static const int registered = pthread_atfork(nullptr, nullptr, forget_pid);
    (void)registered;
    pid = static_cast<std::uint32_t>(getpid());
    cached_pid.store(pid, std::memory_order_relaxed);
  }
  return pid;
}

bool process_alive(std::uint32_t pid) noexcept {
  if (pid == 0) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

}  // namespace unimem::detail
