#include "unimem/thread/pthreads.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace unimem {

static_assert(sizeof(pthread_key_t) <= sizeof(ThreadLocalKey::host_key), "pthread_key_t does not fit");

void Pthreads::yield() noexcept { sched_yield(); }

void Pthreads::sleep_for_us(std::uint64_t us) noexcept {
  timespec ts{static_cast<time_t>(us / 1000000), static_cast<long>((us % 1000000) * 1000)};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

namespace {
thread_local std::uint64_t cached_tid = 0;
// The child of a fork runs on the forking thread, whose cached id is its parent's.
void forget_tid() noexcept { cached_tid = 0; }
}  // namespace

ThreadId Pthreads::thread_id() noexcept {
  if (cached_tid == 0) {
    static const int registered = pthread_atfork(nullptr, nullptr, forget_tid);
    (void)registered;
    cached_tid = static_cast<std::uint64_t>(syscall(SYS_gettid));
  }
  return ThreadId{cached_tid};
}

bool Pthreads::create_tls_raw(ThreadLocalKey &key, void *data) noexcept {
  if (key.host_key == ThreadLocalKey::kNoHostKey) {
    pthread_key_t k;
    if (pthread_key_create(&k, nullptr) != 0) return false;
    key.host_key = static_cast<std::uint32_t>(k);
  }
  return set_tls_raw(key, data);
}

void *Pthreads::get_tls_raw(const ThreadLocalKey &key) noexcept {
  if (key.host_key == ThreadLocalKey::kNoHostKey) return nullptr;
  return pthread_getspecific(static_cast<pthread_key_t>(key.host_key));
}

bool Pthreads::set_tls_raw(const ThreadLocalKey &key, void *data) noexcept {
  if (key.host_key == ThreadLocalKey::kNoHostKey) return false;
  return pthread_setspecific(static_cast<pthread_key_t>(key.host_key), data) == 0;
}

void Pthreads::free_tls(ThreadLocalKey &key) noexcept {
  if (key.host_key == ThreadLocalKey::kNoHostKey) return;
  pthread_key_delete(static_cast<pthread_key_t>(key.host_key));
  key.host_key = ThreadLocalKey::kNoHostKey;
}

}  // namespace unimem
