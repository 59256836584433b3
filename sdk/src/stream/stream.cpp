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
  HostStream() : worker_([this] { work(); }) {}
  ~HostStream() override {
    {
      std::lock_guard lock(m_);
      stopping_ = true;
    }
    queued_.notify_all();
    worker_.join();  // runs what was enqueued first
  }

  StreamKind kind() const noexcept override { return StreamKind::host; }

  Result<void> enqueue(Stream::Task task) override {
    {
      std::lock_guard lock(m_);
      tasks_.push_back(std::move(task));
    }
    queued_.notify_one();
    return success();
  }

  Result<void> drain() override {
    if (std::this_thread::get_id() == worker_.get_id()) {
      return Error(Errc::invalid_argument, "synchronize() from a task of the same host stream would wait for itself");
    }
    std::unique_lock lock(m_);
    const std::uint64_t target = enqueued_total();
    idle_.wait(lock, [&] { return finished_ >= target; });
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
  // Every task ever accepted: the ones run (finished_), the one running, and the queued ones.
  std::uint64_t enqueued_total() const { return finished_ + (running_ ? 1 : 0) + tasks_.size(); }

  void work() {
    std::unique_lock lock(m_);
    for (;;) {
      queued_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and nothing left
      Stream::Task task = std::move(tasks_.front());
      tasks_.pop_front();
      running_ = true;
      lock.unlock();
      if (auto ok = run_task(task); !ok) fail(ok.error());
      task = nullptr;  // captured state dies before the task counts as finished
      lock.lock();
      running_ = false;
      ++finished_;
      idle_.notify_all();
    }
  }

  std::mutex m_;
  std::condition_variable queued_, idle_;
  std::deque<Stream::Task> tasks_;
  std::uint64_t finished_ = 0;
  bool running_ = false;
  bool stopping_ = false;
  std::thread worker_;  // last: started once the members above exist
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
