// mpmc_queue<T, A>: a bounded queue in an allocator's region for many producers and many
// consumers at once: host threads of any process and GPU threads (e.g. a host producer and a kernel
// consumer on a CUDA-shm region). Dmitry Vyukov's bounded MPMC queue with a sequence number per cell.
//
// Layout (in the region):
//   struct state { uint64 tag; OffsetPtr<cell> buffer; uint64 mask;
//                  alignas(64) Atomic<uint64> enqueue_pos;  alignas(64) Atomic<uint64> dequeue_pos; }
//   struct cell { Atomic<uint64> seq; T value; } buffer[capacity], capacity a power of two
// Invariants: cell i is free for the producer whose ticket is pos when seq == pos (pos = i mod
// capacity); it holds that producer's value for the consumer with ticket pos when seq == pos + 1;
// the consumer frees it for ticket pos + capacity by storing seq = pos + capacity.
// Ordering: a producer takes a ticket with a CAS on enqueue_pos (relaxed: the ticket only picks a
// cell), writes the value and publishes it with a release store of seq; a consumer acquires seq
// before it reads the value, and releases seq after, so the next producer's write comes after the
// read. Each ticket goes to exactly one thread (CAS), so no two consumers ever pop the same element.
// Progress: try_push/try_pop never wait for a lock; a producer or consumer that stops between
// taking its ticket and storing seq delays the ones that reach its cell (as in Vyukov's design,
// which is not strictly lock-free). push/pop spin (yielding) until they succeed.
// Atomics are system scope, so a host thread and a kernel may share a queue in mapped memory.
// The handle is {state address here, allocator}: trivially copyable, owns nothing; destroy() frees.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <type_traits>

#include "unimem/containers/detail/ring.hpp"
#include "unimem/core/config.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/thread/atomic.hpp"

namespace unimem {
namespace detail {
template <class T>
struct mpmc_cell {
  Atomic<std::uint64_t> seq;
  T value;
};
template <class T>
struct mpmc_state {
  std::uint64_t tag;
  OffsetPtr<mpmc_cell<T>> buffer;
  std::uint64_t mask;
  alignas(64) Atomic<std::uint64_t> enqueue_pos;
  alignas(64) Atomic<std::uint64_t> dequeue_pos;
};
}  // namespace detail

template <class T, class A = ThreadLocalAllocator>
class mpmc_queue : public detail::RingQueue<mpmc_queue<T, A>, detail::mpmc_state<T>, detail::mpmc_cell<T>, T, A> {
  static_assert(std::is_trivially_copyable_v<T>, "unimem::mpmc_queue<T>: T must be trivially copyable");
  using base = detail::RingQueue<mpmc_queue<T, A>, detail::mpmc_state<T>, detail::mpmc_cell<T>, T, A>;
  using base::a_;
  using base::s_;
  using cell = detail::mpmc_cell<T>;

 public:
  using typename base::size_type;
  using typename base::state;
  static constexpr std::uint64_t kTypeTag = detail::type_tag<T>("unimem::mpmc_queue");
  static constexpr std::string_view kName = "mpmc_queue";
  template <class B>
  using rebound = mpmc_queue<T, B>;

  mpmc_queue() = default;

  /// @brief A queue of @p capacity elements (rounded up to a power of two, at least 2).
  static Result<mpmc_queue> create(A &alloc, size_type capacity) {
    const detail::AllocatorRef<A> a(alloc);
    auto s = base::create_ring(a, capacity);
    if (!s) return s.error();
    for (std::uint64_t i = 0; i <= (*s)->mask; ++i) a.address((*s)->buffer)[i].seq.store(i, std::memory_order_relaxed);
    (*s)->enqueue_pos.store(0, std::memory_order_relaxed);
    (*s)->dequeue_pos.store(0, std::memory_order_release);
    return mpmc_queue(*s, a);
  }
  /// @brief Elements queued: exact when no push or pop is in flight, an estimate otherwise.
  UNIMEM_HOST_DEVICE size_type size() const noexcept {
    const std::uint64_t tail = s_->dequeue_pos.load(std::memory_order_acquire);
    const std::uint64_t head = s_->enqueue_pos.load(std::memory_order_acquire);
    return head > tail ? static_cast<size_type>(head - tail) : 0;
  }

  /// @return false if the queue is full.
  UNIMEM_HOST_DEVICE bool try_push(const T &v) noexcept {
    cell *const cells = a_.address(s_->buffer);
    std::uint64_t pos = s_->enqueue_pos.load(std::memory_order_relaxed);
    for (;;) {
      cell &c = cells[pos & s_->mask];
      const std::uint64_t seq = c.seq.load(std::memory_order_acquire);
      const auto dif = static_cast<std::int64_t>(seq - pos);
      if (dif == 0) {
        if (s_->enqueue_pos.compare_exchange_strong(pos, pos + 1, std::memory_order_relaxed)) {
          ::new (&c.value) T(v);
          c.seq.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (dif < 0) {
        return false;  // the cell still holds the value of the previous lap
      } else if (!moved_on(s_->enqueue_pos, pos)) {
        return false;  // a damaged cell: see moved_on
      }
    }
  }
  /// @return false if the queue is empty.
  UNIMEM_HOST_DEVICE bool try_pop(T &out) noexcept {
    cell *const cells = a_.address(s_->buffer);
    std::uint64_t pos = s_->dequeue_pos.load(std::memory_order_relaxed);
    for (;;) {
      cell &c = cells[pos & s_->mask];
      const std::uint64_t seq = c.seq.load(std::memory_order_acquire);
      const auto dif = static_cast<std::int64_t>(seq - (pos + 1));
      if (dif == 0) {
        if (s_->dequeue_pos.compare_exchange_strong(pos, pos + 1, std::memory_order_relaxed)) {
          out = c.value;
          c.seq.store(pos + s_->mask + 1, std::memory_order_release);
          return true;
        }
      } else if (dif < 0) {
        return false;  // no producer has published this cell yet
      } else if (!moved_on(s_->dequeue_pos, pos)) {
        return false;  // a damaged cell: see moved_on
      }
    }
  }

 private:
  template <class, class, class>
  friend class detail::RegionObject;
  UNIMEM_HOST_DEVICE mpmc_queue(state *s, detail::AllocatorRef<A> a) noexcept : base(s, a) {}
  /// A cell ahead of @p pos was written after the ticket passed pos (the writer's release store
  /// follows its ticket CAS, which the acquire load of the cell made visible), so the ticket reads
  /// further on now. It can only read the same in a damaged region, where looping would spin for
  /// ever. Reloads @p pos.
  UNIMEM_HOST_DEVICE static bool moved_on(const Atomic<std::uint64_t> &ticket, std::uint64_t &pos) noexcept {
    const std::uint64_t now = ticket.load(std::memory_order_relaxed);
    const bool moved = now != pos;
    pos = now;
    return moved;
  }
};

}  // namespace unimem
