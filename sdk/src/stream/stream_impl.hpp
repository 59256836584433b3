// The interface each kind of stream implements (host worker here, GPU streams in sdk/src/gpu/), and
// the pending-error slot they share.
#pragma once

#include <memory>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "unimem/stream/stream.hpp"

namespace unimem::detail {

class EventImpl {
 public:
  virtual ~EventImpl() = default;
  virtual Result<void> synchronize() = 0;
  virtual Result<bool> query() = 0;
};

/// Runs @p task; an exception it throws becomes a device_error naming it.
Result<void> run_task(const Stream::Task &task);

/// 64-byte aligned host memory, released with std::free (what host streams' alloc_host gives).
Result<void *> host_memory(std::size_t bytes);

class StreamImpl {
 public:
  virtual ~StreamImpl() = default;
  virtual StreamKind kind() const noexcept = 0;
  virtual void *native_handle() const noexcept { return nullptr; }
  virtual Result<void> enqueue(Stream::Task task) = 0;
  /// Waits for the work; the pending error is taken by Stream::synchronize.
  virtual Result<void> drain() = 0;
  virtual Result<std::shared_ptr<EventImpl>> record() = 0;
  /// Defaults for streams whose copies run on the host: a memcpy task, ordinary memory.
  virtual Result<void> copy(void *dst, const void *src, std::size_t n);
  virtual Result<void *> alloc_host(std::size_t bytes);
  virtual void free_host(void *p) noexcept;
  /// Default: unsupported (a stream without a device).
  virtual Result<void *> alloc_device(std::size_t bytes);
  virtual void free_device(void *) noexcept {}
  /// Default: a task that blocks the stream until the event completes.
  virtual Result<void> wait(std::shared_ptr<EventImpl> event) {
    return enqueue([event = std::move(event)] { return event->synchronize(); });
  }

  /// Keeps the first error since the last take_error().
  void fail(Error e) {
    std::lock_guard lock(error_mutex_);
    if (!error_) error_ = std::move(e);
  }
  Result<void> take_error() {
    std::lock_guard lock(error_mutex_);
    std::optional<Error> e;
    e.swap(error_);
    if (e) return *std::move(e);
    return success();
  }

 private:
  std::mutex error_mutex_;
  std::optional<Error> error_;
};

/// A host-side completion flag: what host streams record, and what an already-finished point is.
class HostEvent final : public EventImpl {
 public:
  void complete();
  Result<void> synchronize() override;
  Result<bool> query() override;

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
};

}  // namespace unimem::detail

namespace unimem {

/// Access for the implementations in sdk/src (Stream and Event keep their constructors private).
struct StreamAccess {
  static Stream make(std::shared_ptr<detail::StreamImpl> impl) noexcept { return Stream(std::move(impl)); }
  static Event make(std::shared_ptr<detail::EventImpl> impl) noexcept { return Event(std::move(impl)); }
  static const std::shared_ptr<detail::EventImpl> &impl(const Event &e) noexcept { return e.impl_; }
};

}  // namespace unimem
