// Stream: an ordered queue of asynchronous work, behind one type for the host and both GPU vendors.
//
//   null stream (Stream{})   every operation runs now, on the calling thread, and returns its result
//   host stream              one worker thread runs the operations in the order they were enqueued
//   CUDA / HIP stream        the runtime's stream; host tasks go through cudaLaunchHostFunc
//
// Error contract: an operation that fails after it was accepted does not vanish. Its Error is kept
// by the stream and the next synchronize() returns it (the first one since the previous
// synchronize; later operations still run, as after a non-sticky CUDA error). Errors still pending
// when the last handle goes away are lost: synchronize first.
//
// A Stream is a shared handle: copies name the same stream, every member may be called from any
// thread, and destroying the last copy waits for the work already enqueued. Stream::gpu<V>() is
// defined by unimem::cuda / unimem::hip, so it links only where that library does.
#pragma once

#include <functional>
#include <memory>

#include "unimem/core/error.hpp"
#include "unimem/memory/detail/gpu_runtime.hpp"

namespace unimem {

enum class StreamKind { null, host, cuda, hip };

/// @brief "null", "host", "cuda" or "hip".
const char *stream_kind_name(StreamKind kind) noexcept;

struct StreamAccess;
namespace detail {
class StreamImpl;
class EventImpl;
}  // namespace detail

/// @brief A point in a stream's order: complete once everything enqueued before record() is done.
class Event {
 public:
  /// @brief An empty event (complete, nothing to wait for); Stream::record() makes real ones.
  Event() noexcept = default;
  bool valid() const noexcept { return impl_ != nullptr; }
  /// @brief Waits for the event; returns the error the runtime reports for it, if any.
  Result<void> synchronize() const;
  /// @brief true once complete, false while pending.
  Result<bool> query() const;

 private:
  friend class Stream;
  friend struct StreamAccess;
  explicit Event(std::shared_ptr<detail::EventImpl> impl) noexcept : impl_(std::move(impl)) {}
  std::shared_ptr<detail::EventImpl> impl_;
};

class Stream {
 public:
  /// Host work for a stream; its error is reported by the stream's next synchronize().
  using Task = std::function<Result<void>()>;

  /// @brief The null stream: synchronous.
  Stream() noexcept = default;
  /// @brief A new host stream (starts its worker thread).
  static Result<Stream> host();
  /// @brief A new non-blocking stream of vendor V's current device (no_device without a GPU).
  template <GpuVendor V>
  static Result<Stream> gpu();

  StreamKind kind() const noexcept;
  bool is_null() const noexcept { return impl_ == nullptr; }
  /// @brief The cudaStream_t / hipStream_t of a GPU stream; nullptr otherwise.
  void *native_handle() const noexcept;

  /// @brief Runs @p task after everything enqueued before it. On the null stream it runs now and its
  /// result is returned; otherwise the return value only says whether it was accepted.
  Result<void> enqueue(Task task) const;
  /// @brief Waits for all enqueued work; returns the first error raised since the last synchronize.
  Result<void> synchronize() const;
  /// @brief An event that completes when the work enqueued so far is done.
  Result<Event> record() const;
  /// @brief Makes work enqueued after this call wait for @p event (which may belong to any stream).
  Result<void> wait(const Event &event) const;

  /// @brief Copies @p n bytes from @p src to @p dst after the work enqueued before it: on a GPU stream
  /// with the runtime's asynchronous copy (direction from unified addressing; from host memory of
  /// alloc_host() it overlaps with host work), on a host stream by its worker, on the null stream now.
  /// Both ranges must stay valid and untouched until the copy completes.
  Result<void> copy(void *dst, const void *src, std::size_t n) const;
  /// @brief Host memory this stream copies from at full speed: page-locked for a GPU stream,
  /// ordinary (64-byte aligned) otherwise. Release it with free_host() of a stream of the same kind.
  Result<void *> alloc_host(std::size_t bytes) const;
  void free_host(void *p) const noexcept;
  /// @brief Device memory of a GPU stream's device (synchronous allocation); unsupported on host and
  /// null streams. Release it with free_device() of a stream of the same vendor.
  Result<void *> alloc_device(std::size_t bytes) const;
  void free_device(void *p) const noexcept;

 private:
  friend struct StreamAccess;
  explicit Stream(std::shared_ptr<detail::StreamImpl> impl) noexcept : impl_(std::move(impl)) {}
  std::shared_ptr<detail::StreamImpl> impl_;
};

}  // namespace unimem
