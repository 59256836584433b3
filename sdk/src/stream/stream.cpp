// Stream and Event front ends, the null stream, and the host stream (one in-order worker thread).
#include "unimem/stream/stream.hpp"

#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <string>
#include <system_error>
#include <thread>

#include "stream_impl.hpp"
#include "unimem/core/align.hpp"

namespace unimem {

namespace detail {

Result<void *> host_memory(std::size_t bytes) {
  std::uint64_t rounded = 0;  // aligned_alloc wants a multiple of the alignment
  if (checked_align_up(bytes, 64, rounded)) {
    if (void *p = std::aligned_alloc(64, rounded)) return p;
  }
  return Error(Errc::out_of_memory, "Stream::alloc_host(" + std::to_string(bytes) + ")");
}

Result<void> StreamImpl::copy(void *dst, const void *src, std::size_t n) {
  return enqueue([=] {
    std::memcpy(dst, src, n);
    return success();
  });
}

Result<void *> StreamImpl::alloc_host(std::size_t bytes) { return host_memory(bytes); }

void StreamImpl::free_host(void *p) noexcept { std::free(p); }

Result<void *> StreamImpl::alloc_device(std::size_t) {
  return Error(Errc::unsupported, std::string("Stream::alloc_device: a ") + stream_kind_name(kind()) +
                                      " stream has no device memory");
}

void HostEvent::complete() {
  {
    std::lock_guard lock(m_);
    done_ = true;
  }
  cv_.notify_all();
}

Result<void> HostEvent::synchronize() {
  std::unique_lock lock(m_);
  cv_.wait(lock, [&] { return done_; });
  return success();
}

Result<bool> HostEvent::query() {
  std::lock_guard lock(m_);
  return done_;
}

Result<void> run_task(const Stream::Task &task) {
  try {
    return task();
  } catch (const std::exception &e) {
    return Error(Errc::device_error, std::string("stream task threw: ") + e.what());
  } catch (...) {
    return Error(Errc::device_error, "stream task threw a non-standard exception");
  }
}

namespace {

class HostStream final : public StreamImpl {
 public:
  HostStream() : q_(std::make_shared<Queue>()) {
    q_->owner = this;
    worker_ = std::thread([q = q_] { work(*q); });
  }
  ~HostStream() override {
    {
      std::lock_guard lock(q_->m);
      q_->stopping = true;
    }
    q_->queued.notify_all();
    if (std::this_thread::get_id() == worker_.get_id()) {
      // The last handle died inside one of this stream's tasks (it captured a copy): the worker
      // cannot wait for itself, so it runs what is left and exits on its own, on the queue it shares.
      q_->owner = nullptr;
      worker_.detach();
    } else {
      worker_.join();  // runs what was enqueued first
    }
  }

  StreamKind kind() const noexcept override { return StreamKind::host; }

  Result<void> enqueue(Stream::Task task) override {
    {
      std::lock_guard lock(q_->m);
      q_->tasks.push_back(std::move(task));
    }
    q_->queued.notify_one();
    return success();
  }

  Result<void> drain() override {
    if (std::this_thread::get_id() == worker_.get_id()) {
      return Error(Errc::invalid_argument, "synchronize() from a task of the same host stream would wait for itself");
    }
    std::unique_lock lock(q_->m);
    const std::uint64_t target = q_->enqueued_total();
    q_->idle.wait(lock, [&] { return q_->finished >= target; });
    return success();
  }

  Result<std::shared_ptr<EventImpl>> record() override {
    auto event = std::make_shared<HostEvent>();
    if (auto ok = enqueue([event] {
          event->complete();
          return success();
        });
        !ok) {
      return ok.error();
    }
    return std::shared_ptr<EventImpl>(event);
  }

 private:
  // What the worker uses, shared with it so that it outlives a stream destroyed by its own task.
  struct Queue {
    std::mutex m;
    std::condition_variable queued, idle;
    std::deque<Stream::Task> tasks;
    std::uint64_t finished = 0;
    bool running = false;
    bool stopping = false;
    HostStream *owner = nullptr;  ///< where failures go; null once the stream is gone (set on the worker)
    // Every task ever accepted: the ones run, the one running, and the queued ones.
    std::uint64_t enqueued_total() const { return finished + (running ? 1 : 0) + tasks.size(); }
  };

  static void work(Queue &q) {
    std::unique_lock lock(q.m);
    for (;;) {
      q.queued.wait(lock, [&] { return q.stopping || !q.tasks.empty(); });
      if (q.tasks.empty()) return;  // stopping, and nothing left
      Stream::Task task = std::move(q.tasks.front());
      q.tasks.pop_front();
      q.running = true;
      lock.unlock();
      if (auto ok = run_task(task); !ok && q.owner) q.owner->fail(ok.error());
      task = nullptr;  // captured state dies before the task counts as finished (may destroy the stream)
      lock.lock();
      q.running = false;
      ++q.finished;
      q.idle.notify_all();
    }
  }

  std::shared_ptr<Queue> q_;
  std::thread worker_;
};

}  // namespace
}  // namespace detail

const char *stream_kind_name(StreamKind kind) noexcept {
  switch (kind) {
    case StreamKind::null: return "null";
    case StreamKind::host: return "host";
    case StreamKind::cuda: return "cuda";
    case StreamKind::hip: return "hip";
  }
  return "unknown";
}

Result<Stream> Stream::host() {
  try {
    return Stream(std::make_shared<detail::HostStream>());
  } catch (const std::system_error &e) {
    return Error(Errc::out_of_memory, std::string("host stream: cannot start its worker thread: ") + e.what());
  }
}

StreamKind Stream::kind() const noexcept { return impl_ ? impl_->kind() : StreamKind::null; }

void *Stream::native_handle() const noexcept { return impl_ ? impl_->native_handle() : nullptr; }

Result<void> Stream::enqueue(Task task) const {
  if (!task) return Error(Errc::invalid_argument, "Stream::enqueue: empty task");
  if (!impl_) return detail::run_task(task);
  return impl_->enqueue(std::move(task));
}

Result<void> Stream::synchronize() const {
  if (!impl_) return success();
  if (auto ok = impl_->drain(); !ok) return ok;
  return impl_->take_error();
}

Result<Event> Stream::record() const {
  if (!impl_) {
    auto done = std::make_shared<detail::HostEvent>();
    done->complete();
    return Event(std::move(done));
  }
  auto event = impl_->record();
  if (!event) return event.error();
  return Event(std::move(*event));
}

Result<void> Stream::wait(const Event &event) const {
  if (!event.impl_) return Error(Errc::invalid_argument, "Stream::wait: an empty event");
  if (!impl_) return event.impl_->synchronize();
  return impl_->wait(event.impl_);
}

Result<void> Stream::copy(void *dst, const void *src, std::size_t n) const {
  if (n == 0) return success();
  if (dst == nullptr || src == nullptr) return Error(Errc::invalid_argument, "Stream::copy: null address");
  if (!impl_) {
    std::memcpy(dst, src, n);
    return success();
  }
  return impl_->copy(dst, src, n);
}

Result<void *> Stream::alloc_host(std::size_t bytes) const {
  if (bytes == 0) return Error(Errc::invalid_argument, "Stream::alloc_host: size 0");
  return impl_ ? impl_->alloc_host(bytes) : detail::host_memory(bytes);
}

void Stream::free_host(void *p) const noexcept {
  if (impl_) {
    impl_->free_host(p);
  } else {
    std::free(p);
  }
}

Result<void *> Stream::alloc_device(std::size_t bytes) const {
  if (bytes == 0) return Error(Errc::invalid_argument, "Stream::alloc_device: size 0");
  if (!impl_) return Error(Errc::unsupported, "Stream::alloc_device: the null stream has no device memory");
  return impl_->alloc_device(bytes);
}

void Stream::free_device(void *p) const noexcept {
  if (impl_) impl_->free_device(p);
}

Result<void> Event::synchronize() const {
  if (!impl_) return Error(Errc::invalid_argument, "Event::synchronize: an empty event");
  return impl_->synchronize();
}

Result<bool> Event::query() const {
  if (!impl_) return Error(Errc::invalid_argument, "Event::query: an empty event");
  return impl_->query();
}

}  // namespace unimem
