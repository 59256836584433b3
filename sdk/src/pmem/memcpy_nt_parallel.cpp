// memcpy_nt_parallel: a process-wide set of copy threads that take page-aligned chunks from one
// queue. Each caller queues its chunks but one, copies that one itself, then helps with whatever is
// queued until its own chunks are done, so concurrent callers (several staging pipelines) share the
// threads without waiting for each other's whole copies. Each thread's streamed chunk ends with its
// own sfence, before the chunk is counted done.
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "memcpy_nt_isa.hpp"
#include "unimem/core/align.hpp"
#include "unimem/pmem/memcpy_nt.hpp"

namespace unimem::pmem {

namespace {

constexpr std::size_t kPage = 4096;
constexpr unsigned kMaxThreads = 64;

// One caller's copy. The last chunk's thread signals under the mutex, so the caller (who owns this
// on its stack) cannot return before that thread is done touching it.
struct Job {
  std::mutex m;
  std::condition_variable done;
  std::size_t left = 0;  // chunks not yet copied
};

struct Chunk {
  char *dst;
  const char *src;
  std::size_t n;
  std::size_t total;  // decides ordinary or streaming stores (SIZE_MAX: always streaming)
  Job *job;
};

class CopyWorkers {
 public:
  // Never destroyed: its threads may still wait on the queue while the process exits.
  static CopyWorkers &instance() {
    static CopyWorkers *w = new CopyWorkers;
    return *w;
  }

  void copy(char *dst, const char *src, std::size_t n, unsigned threads, std::size_t total) {
    const std::size_t chunk = align_up(n / threads, kPage);
    Job job;
    std::vector<Chunk> chunks;
    for (std::size_t at = 0; at < n; at += chunk) {
      chunks.push_back(Chunk{dst + at, src + at, std::min(chunk, n - at), total, &job});
    }
    job.left = chunks.size();
    ensure_threads(static_cast<unsigned>(chunks.size()) - 1);
    {
      std::lock_guard lock(m_);
      q_.insert(q_.end(), chunks.begin() + 1, chunks.end());
    }
    cv_.notify_all();
    run(chunks.front());
    while (try_run_one()) {
    }
    std::unique_lock lock(job.m);
    job.done.wait(lock, [&] { return job.left == 0; });
  }

 private:
  static void run(const Chunk &c) {
    detail::move_chunk(c.dst, c.src, c.n, c.total);
    std::lock_guard lock(c.job->m);
    if (--c.job->left == 0) c.job->done.notify_one();
  }

  bool try_run_one() {
    std::unique_lock lock(m_);
    if (q_.empty()) return false;
    const Chunk c = q_.front();
    q_.pop_front();
    lock.unlock();
    run(c);
    return true;
  }

  void ensure_threads(unsigned n) {
    std::lock_guard lock(m_);
    while (threads_ < n) {
      std::thread([this] { serve(); }).detach();
      ++threads_;
    }
  }

  [[noreturn]] void serve() {
    for (;;) {
      std::unique_lock lock(m_);
      cv_.wait(lock, [&] { return !q_.empty(); });
      const Chunk c = q_.front();
      q_.pop_front();
      lock.unlock();
      run(c);
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Chunk> q_;
  unsigned threads_ = 0;
};

unsigned hardware_threads() { return std::clamp(std::thread::hardware_concurrency(), 1u, kMaxThreads); }

unsigned measure() {
  constexpr std::size_t kBytes = std::size_t{64} << 20;
  void *p = mmap(nullptr, 2 * kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return hardware_threads();
  auto *dst = static_cast<char *>(p);
  const char *src = dst + kBytes;
  std::fill(dst, dst + 2 * kBytes, char{1});
  std::vector<unsigned> counts;
  for (unsigned t = 1; t < hardware_threads(); t *= 2) counts.push_back(t);
  counts.push_back(hardware_threads());
  std::vector<std::pair<unsigned, double>> seconds;
  for (unsigned t : counts) {
    double best = 1e30;
    for (int run = 0; run < 3; ++run) {
      const auto start = std::chrono::steady_clock::now();
      memcpy_nt_parallel(dst, src, kBytes, t);
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    seconds.emplace_back(t, best);
  }
  munmap(p, 2 * kBytes);
  double fastest = 1e30;
  for (auto [t, s] : seconds) fastest = std::min(fastest, s);
  for (auto [t, s] : seconds) {
    if (s <= fastest * 1.05) return t;
  }
  return 1;
}

}  // namespace

unsigned measured_copy_threads() {
  static const unsigned threads = measure();
  return threads;
}

void memcpy_nt_parallel(void *dst, const void *src, std::size_t n, unsigned threads) {
  detail::copy_parallel(dst, src, n, threads, false);
}

void detail::copy_parallel(void *dst, const void *src, std::size_t n, unsigned threads, bool streaming) {
  const std::size_t total = streaming ? SIZE_MAX : n;
  if (threads == 0) threads = measured_copy_threads();
  threads = std::min(threads, kMaxThreads);
  auto *d = static_cast<char *>(dst);
  const auto *s = static_cast<const char *>(src);
  const bool overlap = d < s + n && s < d + n;
  if (threads <= 1 || overlap || n < 2 * kPage) {
    detail::move_chunk(dst, src, n, total);
    return;
  }
  CopyWorkers::instance().copy(d, s, n, threads, total);
}

}  // namespace unimem::pmem
