// The host thread model: POSIX threads. Thread ids are kernel tids; TLS uses pthread keys.
#pragma once

#include <cstdint>

#include "unimem/thread/thread_id.hpp"

namespace unimem {

class Pthreads {
 public:
  static void yield() noexcept;
  /// @brief Sleeps at least @p us microseconds (restarts after signals).
  static void sleep_for_us(std::uint64_t us) noexcept;
  static ThreadId thread_id() noexcept;

  /// @brief Creates @p key (if it has no host key yet) and stores @p data for the calling thread.
  /// @return false when the process is out of pthread keys.
  template <class T>
  static bool create_tls(ThreadLocalKey &key, T *data) noexcept {
    return create_tls_raw(key, static_cast<void *>(data));
  }
  template <class T>
  static T *get_tls(const ThreadLocalKey &key) noexcept {
    return static_cast<T *>(get_tls_raw(key));
  }
  template <class T>
  static bool set_tls(const ThreadLocalKey &key, T *data) noexcept {
    return set_tls_raw(key, static_cast<void *>(data));
  }
  /// @brief Deletes the key; values other threads stored are not freed (as pthread_key_delete).
  static void free_tls(ThreadLocalKey &key) noexcept;

 private:
  static bool create_tls_raw(ThreadLocalKey &key, void *data) noexcept;
  static void *get_tls_raw(const ThreadLocalKey &key) noexcept;
  static bool set_tls_raw(const ThreadLocalKey &key, void *data) noexcept;
};

}  // namespace unimem
