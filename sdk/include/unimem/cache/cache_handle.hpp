// CacheHandle: a use of one buffer of a WorkerCache (RAII, move-only). While a handle lives, its
// buffer is never evicted, moved or refilled; invalidating its id only makes later acquires miss.
// A handle may outlive its cache: the buffer is then freed by the last handle.
//
// The buffer is in the cache's placement (host, pinned host or device memory); data() of a device
// placement is a device pointer. Handles of the same id share one buffer: readers may use it from
// any thread; writing to it is the application's business (the cache never writes after the fill).
#pragma once

#include <cstddef>
#include <span>
#include <utility>

#include "unimem/cache/data_id.hpp"
#include "unimem/cache/detail/cache_entry.hpp"

namespace unimem::cache {

class CacheHandle {
 public:
  CacheHandle() noexcept = default;
  CacheHandle(CacheHandle &&other) noexcept : entry_(std::exchange(other.entry_, nullptr)) {}
  CacheHandle &operator=(CacheHandle &&other) noexcept {
    if (this != &other) {
      reset();
      entry_ = std::exchange(other.entry_, nullptr);
    }
    return *this;
  }
  CacheHandle(const CacheHandle &) = delete;
  CacheHandle &operator=(const CacheHandle &) = delete;
  ~CacheHandle() { reset(); }

  explicit operator bool() const noexcept { return entry_ != nullptr; }
  std::byte *data() const noexcept { return entry_ ? entry_->data : nullptr; }
  std::size_t size() const noexcept { return entry_ ? entry_->size : 0; }
  std::span<std::byte> bytes() const noexcept { return {data(), size()}; }
  /// @brief The buffer as @p T elements (size() / sizeof(T) of them).
  template <class T>
  std::span<T> as() const noexcept {
    return {reinterpret_cast<T *>(data()), size() / sizeof(T)};
  }
  DataId id() const noexcept { return entry_ ? entry_->id : DataId{}; }
  std::uint64_t epoch() const noexcept { return entry_ ? entry_->epoch : 0; }
  /// @brief false when the data was served uncached (no room: the buffer is this acquire's own).
  bool cached() const noexcept { return entry_ != nullptr && entry_->charged; }
  /// @brief Ends this use now.
  void reset() noexcept {
    if (entry_ != nullptr) std::exchange(entry_, nullptr)->release();
  }

 private:
  friend class WorkerCache;
  explicit CacheHandle(detail::CacheEntry *entry) noexcept : entry_(entry) {}
  detail::CacheEntry *entry_ = nullptr;
};

}  // namespace unimem::cache
