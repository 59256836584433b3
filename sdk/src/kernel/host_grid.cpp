// The host emulation of a kernel launch: teams of OS threads, one per emulated thread, run the
// blocks; see kernel/detail/host_grid.hpp for the model.
//
// Each team owns, for the block it runs: a block barrier, one barrier and one exchange slot per
// lane for each warp, and the dynamic shared memory. Between blocks the team meets at its gate; the
// last thread to arrive takes the next block number and resets the barriers, so the barriers are
// never reset while anyone is inside them. A thread whose kernel body returns leaves its block and
// warp barriers (arrive_and_drop), as an exited GPU thread no longer counts for __syncthreads.
#include "unimem/kernel/detail/host_grid.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace unimem::detail {

namespace {

// A reusable barrier whose party count shrinks when a party drops out; the last arrival of a phase
// runs on_complete (if any) before anyone leaves. Mutex-based: emulated threads far outnumber cores.
class HostBarrier {
 public:
  template <class OnComplete>
  void arrive_and_wait(OnComplete &&on_complete) {
    std::unique_lock lock(m_);
    const std::uint64_t phase = phase_;
    if (++arrived_ == expected_) {
      on_complete();
      complete_phase();
    } else {
      cv_.wait(lock, [&] { return phase_ != phase; });
    }
  }
  void arrive_and_wait() {
    arrive_and_wait([] {});
  }
  void arrive_and_drop() {
    std::lock_guard lock(m_);
    --expected_;
    if (arrived_ > 0 && arrived_ == expected_) complete_phase();
  }
  /// Only while no party is inside.
  void reset(std::uint32_t parties) {
    std::lock_guard lock(m_);
    expected_ = parties;
    arrived_ = 0;
  }

 private:
  void complete_phase() {
    arrived_ = 0;
    ++phase_;
    cv_.notify_all();
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::uint32_t expected_ = 0, arrived_ = 0;
  std::uint64_t phase_ = 0;
};

// What all teams of one launch share.
struct Grid {
  Grid(const LaunchConfig &c, HostKernelBody b, const void *cl) : config(c), body(b), closure(cl), blocks(c.grid.count()) {}

  const LaunchConfig &config;
  HostKernelBody body;
  const void *closure;
  std::uint64_t blocks;
  std::atomic<std::uint64_t> next_block{0};
  std::atomic<bool> aborted{false};
  std::mutex error_mutex;
  std::optional<Error> error;

  void fail(Error e) {
    aborted.store(true, std::memory_order_relaxed);
    std::lock_guard lock(error_mutex);
    if (!error) error = std::move(e);
  }
};

struct Warp {
  HostBarrier barrier;
  std::uint64_t slots[kHostWarpSize] = {};
};

}  // namespace

class HostTeam {
 public:
  explicit HostTeam(Grid &grid)
      : grid_(grid),
        threads_(static_cast<std::uint32_t>(grid.config.block.count())),
        warps_((threads_ + kHostWarpSize - 1) / kHostWarpSize),
        shared_(std::make_unique<std::max_align_t[]>(grid.config.shared_bytes / sizeof(std::max_align_t) + 1)) {
    gate_.reset(threads_);
  }

  /// Starts the team's threads; @return false (and no thread left running) when one cannot start.
  bool start() {
    try {
      workers_.reserve(threads_);
      for (std::uint32_t r = 0; r < threads_; ++r) workers_.emplace_back([this, r] { run(r); });
    } catch (const std::system_error &e) {
      grid_.fail(Error(Errc::out_of_memory, "host emulation: cannot start thread " + std::to_string(workers_.size()) +
                                                " of a block of " + std::to_string(threads_) + ": " + e.what()));
      go_.store(kCancel, std::memory_order_release);
      go_.notify_all();
      join();
      return false;
    }
    go_.store(kGo, std::memory_order_release);
    go_.notify_all();
    return true;
  }

  void join() {
    for (auto &w : workers_) w.join();
    workers_.clear();
  }

  void sync_threads() { block_barrier_.arrive_and_wait(); }
  void *shared_memory() { return shared_.get(); }

  std::uint64_t warp_collective(std::uint32_t rank, WarpOp op, std::uint64_t value, std::uint32_t src) {
    Warp &w = warps_[rank / kHostWarpSize];
    if (op == WarpOp::sync) {
      w.barrier.arrive_and_wait();
      return 0;
    }
    w.slots[rank % kHostWarpSize] = op == WarpOp::ballot ? (value != 0) : value;
    w.barrier.arrive_and_wait();
    std::uint64_t result = 0;
    if (op == WarpOp::ballot) {
      for (std::uint32_t i = 0; i < kHostWarpSize; ++i) result |= w.slots[i] << i;
    } else {
      result = w.slots[src % kHostWarpSize];
    }
    w.barrier.arrive_and_wait();  // nobody deposits for the next collective before all have read
    return result;
  }

 private:
  static constexpr int kWait = 0, kGo = 1, kCancel = 2;

  void run(std::uint32_t rank) {
    go_.wait(kWait, std::memory_order_acquire);
    if (go_.load(std::memory_order_acquire) == kCancel) return;
    const LaunchConfig &c = grid_.config;
    HostThread me{Dim3::from_linear(rank, c.block), {}, c.block, c.grid, rank, this};
    Warp &warp = warps_[rank / kHostWarpSize];
    for (;;) {
      gate_.arrive_and_wait([this] { next_block(); });
      if (block_ >= grid_.blocks) return;
      me.block_index = Dim3::from_linear(block_, c.grid);
      current_host_thread = &me;
      try {
        grid_.body(grid_.closure);
      } catch (const std::exception &e) {
        grid_.fail(Error(Errc::device_error, where(me) + " threw: " + e.what()));
      } catch (...) {
        grid_.fail(Error(Errc::device_error, where(me) + " threw a non-standard exception"));
      }
      current_host_thread = nullptr;
      warp.slots[rank % kHostWarpSize] = 0;  // an exited lane votes false
      warp.barrier.arrive_and_drop();
      block_barrier_.arrive_and_drop();
    }
  }

  // Runs on the last thread to reach the gate, while the others wait there.
  void next_block() {
    block_ = grid_.aborted.load(std::memory_order_relaxed) ? grid_.blocks
                                                           : grid_.next_block.fetch_add(1, std::memory_order_relaxed);
    if (block_ >= grid_.blocks) return;
    block_barrier_.reset(threads_);
    for (std::size_t w = 0; w < warps_.size(); ++w) {
      warps_[w].barrier.reset(std::min<std::uint32_t>(kHostWarpSize, threads_ - static_cast<std::uint32_t>(w) * kHostWarpSize));
      std::fill(std::begin(warps_[w].slots), std::end(warps_[w].slots), 0);
    }
  }

  static std::string where(const HostThread &t) {
    return "kernel thread " + std::to_string(t.rank) + " of block " + std::to_string(t.block_index.linear_in(t.grid_dim));
  }

  Grid &grid_;
  const std::uint32_t threads_;
  std::vector<Warp> warps_;
  std::unique_ptr<std::max_align_t[]> shared_;
  HostBarrier gate_, block_barrier_;
  std::uint64_t block_ = 0;  // written at the gate, read after it
  std::atomic<int> go_{kWait};
  std::vector<std::thread> workers_;
};

void host_sync_threads(const HostThread &t) { t.team->sync_threads(); }

void *host_shared_memory(const HostThread &t) { return t.team->shared_memory(); }

std::uint64_t host_warp_collective(const HostThread &t, WarpOp op, std::uint64_t value, std::uint32_t src) {
  return t.team->warp_collective(t.rank, op, value, src);
}

Result<void> run_host_grid(const LaunchConfig &c, HostKernelBody body, const void *closure) {
  Grid grid(c, body, closure);
  const std::uint64_t by_cores = std::clamp<std::uint64_t>(std::thread::hardware_concurrency(), 2, kHostTeams);
  const std::uint64_t by_budget = std::max<std::uint64_t>(1, kHostThreadBudget / c.block.count());
  const std::uint64_t teams = std::min({grid.blocks, by_cores, by_budget});

  std::vector<std::unique_ptr<HostTeam>> started;
  for (std::uint64_t i = 0; i < teams; ++i) {
    auto team = std::make_unique<HostTeam>(grid);
    if (!team->start()) break;  // the grid is aborted: running teams stop after their current block
    started.push_back(std::move(team));
  }
  for (auto &team : started) team->join();
  if (grid.error) return *grid.error;
  return success();
}

}  // namespace unimem::detail
