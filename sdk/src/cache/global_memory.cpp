#include "unimem/cache/global_memory.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "unimem/core/align.hpp"

namespace unimem::cache {

namespace {

Result<void> check_mpi(int rc, const char *call) {
  if (rc == MPI_SUCCESS) return success();
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  return Error(Errc::io_error, std::string(call) + ": " + std::string(text, static_cast<std::size_t>(length)));
}

// No rank maps more than the 2^47-byte user address space of x86-64 and AArch64.
constexpr std::uint64_t kMaxBlockBytes = std::uint64_t{1} << 47;

struct Segment {
  MPI_Win win = MPI_WIN_NULL;
  std::byte *base = nullptr;  // this rank's block
  std::uint64_t size = 0;     // of the whole segment
  std::uint64_t block = 0;    // bytes per rank (the last ranks may hold less, or nothing)
  std::uint64_t local_offset = 0;  // where this rank's block starts in the segment
  std::uint64_t local_bytes = 0;
};

std::string range_text(const GlobalRange &r) {
  return "[" + std::to_string(r.offset) + ", +" + std::to_string(r.size) + ") of segment " +
         std::to_string(r.segment.id);
}

// Local ranges of a memory-get must lie in the buffer and not overlap (concurrent gets into one
// byte leave it unspecified). Only once all are valid, the bytes no transfer covers are zeroed,
// never left as garbage.
Result<void> prepare_buffer(std::span<const Transfer> transfers, std::span<std::byte> buffer) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  spans.reserve(transfers.size());
  for (const auto &t : transfers) {
    if (t.local_offset > buffer.size() || t.global.size > buffer.size() - t.local_offset) {
      return Error(Errc::invalid_argument, "memory_get: local range [" + std::to_string(t.local_offset) + ", +" +
                                               std::to_string(t.global.size) + ") is outside the buffer of " +
                                               std::to_string(buffer.size()) + " bytes");
    }
    if (t.global.size != 0) spans.emplace_back(t.local_offset, t.local_offset + t.global.size);
  }
  std::sort(spans.begin(), spans.end());
  for (std::size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].first < spans[i - 1].second) {
      return Error(Errc::invalid_argument, "memory_get: local ranges overlap at offset " + std::to_string(spans[i].first));
    }
  }
  std::size_t covered = 0;
  for (const auto &[begin, end] : spans) {
    if (begin > covered) std::memset(buffer.data() + covered, 0, begin - covered);
    covered = end;
  }
  if (covered < buffer.size()) std::memset(buffer.data() + covered, 0, buffer.size() - covered);
  return success();
}

// A memory-get's identity for the cache: its size and every transfer.
std::uint64_t layout_of(std::size_t size, std::span<const Transfer> transfers) {
  std::uint64_t h = mix64(size + 0x9e3779b97f4a7c15ull);
  for (const auto &t : transfers) {
    for (std::uint64_t w : {std::uint64_t{t.global.segment.id}, t.global.offset, t.global.size,
                            std::uint64_t{t.local_offset}}) {
      h = mix64(h ^ w) + 0x632be59bd9b4e019ull;
    }
  }
  return h == 0 ? 1 : h;
}

}  // namespace

struct GlobalMemory::Impl {
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0, ranks = 1;
  GlobalMemoryOptions options;
  bool serialize = false;  // the MPI library is below MPI_THREAD_MULTIPLE
  std::mutex mpi_mutex;

  mutable std::mutex table_mutex;  // segments and next_id
  // Transfers and barriers hold it shared while they use windows; free() takes it exclusively once
  // its segment has left the table, so a window is never freed under an MPI call that uses it.
  std::shared_mutex windows_mutex;
  std::map<std::uint32_t, Segment> segments;
  std::uint32_t next_id = 1;  // advanced by collective calls only, so equal on every rank

  std::atomic<std::uint64_t> gets{0}, puts{0}, mpi_gets{0}, mpi_puts{0}, bytes_got{0}, bytes_put{0};

  ~Impl() {
    auto lock = mpi_lock();
    for (auto &[id, seg] : segments) release(seg);
    if (comm != MPI_COMM_NULL) MPI_Comm_free(&comm);
  }

  static void release(Segment &seg) {
    MPI_Win_unlock_all(seg.win);
    MPI_Win_free(&seg.win);
  }

  std::unique_lock<std::mutex> mpi_lock() {
    return serialize ? std::unique_lock<std::mutex>(mpi_mutex) : std::unique_lock<std::mutex>();
  }

  Result<Segment> find(SegmentHandle h) const {
    std::lock_guard lock(table_mutex);
    auto it = segments.find(h.id);
    if (it == segments.end()) {
      return Error(Errc::not_found, "GlobalMemory: no segment " + std::to_string(h.id) + " (freed, or never allocated)");
    }
    return it->second;
  }

  Result<Segment> check_range(const GlobalRange &r) const {
    auto seg = find(r.segment);
    if (!seg) return seg;
    if (r.offset > seg->size || r.size > seg->size - r.offset) {
      return Error(Errc::invalid_argument, "GlobalMemory: range " + range_text(r) + " is outside the segment's " +
                                               std::to_string(seg->size) + " bytes");
    }
    return seg;
  }

  // Issues the MPI operations of one range, split at rank blocks and at max_transfer_bytes, and
  // records the targets to flush.
  Result<void> issue(bool get, const Segment &seg, std::uint64_t offset, std::uint64_t size, std::byte *local,
                     std::vector<std::pair<MPI_Win, int>> &targets) {
    while (size > 0) {
      const int target = static_cast<int>(offset / seg.block);
      const auto disp = static_cast<MPI_Aint>(offset % seg.block);
      const std::uint64_t n = std::min<std::uint64_t>({size, seg.block - offset % seg.block, options.max_transfer_bytes});
      const int count = static_cast<int>(n);
      auto lock = mpi_lock();
      auto ok = get ? check_mpi(MPI_Get(local, count, MPI_BYTE, target, disp, count, MPI_BYTE, seg.win), "MPI_Get")
                    : check_mpi(MPI_Put(local, count, MPI_BYTE, target, disp, count, MPI_BYTE, seg.win), "MPI_Put");
      if (!ok) return ok;
      (get ? mpi_gets : mpi_puts).fetch_add(1, std::memory_order_relaxed);
      targets.emplace_back(seg.win, target);
      offset += n;
      local += n;
      size -= n;
    }
    return success();
  }

  Result<void> flush(std::vector<std::pair<MPI_Win, int>> &targets) {
    std::sort(targets.begin(), targets.end());
    targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
    for (const auto &[win, target] : targets) {
      auto lock = mpi_lock();
      if (auto ok = check_mpi(MPI_Win_flush(target, win), "MPI_Win_flush"); !ok) return ok;
    }
    return success();
  }

  Result<void> get(std::span<const Transfer> transfers, std::span<std::byte> buffer) {
    std::shared_lock windows(windows_mutex);
    std::vector<Segment> segs;
    segs.reserve(transfers.size());
    for (const auto &t : transfers) {
      auto seg = check_range(t.global);
      if (!seg) return seg.error();
      segs.push_back(*seg);
    }
    if (auto ok = prepare_buffer(transfers, buffer); !ok) return ok;
    std::vector<std::pair<MPI_Win, int>> targets;
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < transfers.size(); ++i) {
      const auto &t = transfers[i];
      if (auto ok = issue(true, segs[i], t.global.offset, t.global.size, buffer.data() + t.local_offset, targets); !ok) {
        return ok;
      }
      bytes += t.global.size;
    }
    if (auto ok = flush(targets); !ok) return ok;
    gets.fetch_add(1, std::memory_order_relaxed);
    bytes_got.fetch_add(bytes, std::memory_order_relaxed);
    return success();
  }
};

Result<GlobalMemory> GlobalMemory::create(MPI_Comm comm, GlobalMemoryOptions options) {
  int initialized = 0, finalized = 0, level = MPI_THREAD_SINGLE;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized == 0) return Error(Errc::invalid_argument, "GlobalMemory: MPI is not initialized (use MpiSession)");
  if (finalized != 0) return Error(Errc::invalid_argument, "GlobalMemory: MPI is already finalized");
  MPI_Query_thread(&level);
  if (level < MPI_THREAD_SERIALIZED) {
    return Error(Errc::unsupported, "GlobalMemory: MPI thread level " + std::to_string(level) +
                                        " is below MPI_THREAD_SERIALIZED");
  }
  if (options.max_transfer_bytes == 0 || options.max_transfer_bytes > static_cast<std::size_t>(INT32_MAX)) {
    return Error(Errc::invalid_argument, "GlobalMemory: max_transfer_bytes " + std::to_string(options.max_transfer_bytes) +
                                             " is not in [1, 2^31 - 1]");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->serialize = level < MPI_THREAD_MULTIPLE;
  if (auto ok = check_mpi(MPI_Comm_dup(comm, &impl->comm), "MPI_Comm_dup"); !ok) return ok.error();
  MPI_Comm_set_errhandler(impl->comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(impl->comm, &impl->rank);
  MPI_Comm_size(impl->comm, &impl->ranks);
  return GlobalMemory(std::move(impl));
}

GlobalMemory::GlobalMemory(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
GlobalMemory::GlobalMemory(GlobalMemory &&) noexcept = default;
GlobalMemory &GlobalMemory::operator=(GlobalMemory &&) noexcept = default;
GlobalMemory::~GlobalMemory() = default;

int GlobalMemory::rank() const noexcept { return impl_ ? impl_->rank : -1; }
int GlobalMemory::ranks() const noexcept { return impl_ ? impl_->ranks : 0; }
MPI_Comm GlobalMemory::communicator() const noexcept { return impl_ ? impl_->comm : MPI_COMM_NULL; }

Result<SegmentHandle> GlobalMemory::allocate(std::uint64_t bytes) {
  if (!impl_) return Error::moved_from("GlobalMemory", "allocate");
  auto &m = *impl_;
  auto mpi = m.mpi_lock();  // collectives too are MPI calls that SERIALIZED lets one thread make at a time
  // Every rank learns the smallest and largest size asked for, so all refuse a mismatch together.
  std::uint64_t mine[2] = {bytes, ~bytes}, extremes[2];
  if (auto ok = check_mpi(MPI_Allreduce(mine, extremes, 2, MPI_UINT64_T, MPI_MAX, m.comm), "MPI_Allreduce"); !ok) {
    return ok.error();
  }
  if (extremes[0] != ~extremes[1]) {
    return Error(Errc::invalid_argument, "GlobalMemory::allocate: ranks asked for different sizes (" +
                                             std::to_string(~extremes[1]) + " to " + std::to_string(extremes[0]) +
                                             " bytes)");
  }
  if (bytes == 0) return Error(Errc::invalid_argument, "GlobalMemory::allocate: size 0");
  const auto ranks = static_cast<std::uint64_t>(m.ranks);
  Segment seg;
  seg.size = bytes;
  // The same on every rank, so all refuse together; bytes near 2^64 must not wrap to a 0 block.
  if (!checked_align_up(bytes / ranks + (bytes % ranks != 0), 64, seg.block) || seg.block > kMaxBlockBytes) {
    return Error(Errc::invalid_argument, "GlobalMemory::allocate: " + std::to_string(bytes) + " bytes over " +
                                             std::to_string(ranks) + " ranks is more than a window can hold");
  }
  seg.local_offset = std::min(bytes, seg.block * static_cast<std::uint64_t>(m.rank));
  seg.local_bytes = std::min(seg.block, bytes - seg.local_offset);
  if (auto ok = check_mpi(MPI_Win_allocate(static_cast<MPI_Aint>(seg.local_bytes), 1, MPI_INFO_NULL, m.comm, &seg.base,
                                           &seg.win),
                          "MPI_Win_allocate");
      !ok) {
    return Error(Errc::out_of_memory, ok.error().message() + " (" + std::to_string(seg.local_bytes) + " bytes here)");
  }
  MPI_Win_set_errhandler(seg.win, MPI_ERRORS_RETURN);
  if (seg.local_bytes != 0) std::memset(seg.base, 0, seg.local_bytes);
  MPI_Win_lock_all(MPI_MODE_NOCHECK, seg.win);
  MPI_Win_sync(seg.win);
  MPI_Barrier(m.comm);  // nobody reads a block before its owner zeroed it
  std::lock_guard lock(m.table_mutex);
  const SegmentHandle handle{m.next_id++};
  m.segments.emplace(handle.id, seg);
  return handle;
}

Result<void> GlobalMemory::free(SegmentHandle segment) {
  if (!impl_) return Error::moved_from("GlobalMemory", "free");
  auto &m = *impl_;
  Segment seg;
  {
    std::lock_guard lock(m.table_mutex);
    auto it = m.segments.find(segment.id);
    if (it == m.segments.end()) {
      return Error(Errc::not_found, "GlobalMemory::free: no segment " + std::to_string(segment.id));
    }
    seg = it->second;
    m.segments.erase(it);
  }
  // Transfers that found the segment before it left the table hold windows_mutex shared: wait for
  // them, but not across the collective below (that would stall this rank's other transfers until
  // every rank arrived, which a rank waiting for one of them never does).
  { std::unique_lock windows(m.windows_mutex); }
  auto mpi = m.mpi_lock();
  Impl::release(seg);  // collective: MPI_Win_free waits for every rank
  return success();
}

Result<std::uint64_t> GlobalMemory::size(SegmentHandle segment) const {
  if (!impl_) return Error::moved_from("GlobalMemory", "size");
  auto seg = impl_->find(segment);
  if (!seg) return seg.error();
  return seg->size;
}

Result<std::span<std::byte>> GlobalMemory::local(SegmentHandle segment) const {
  if (!impl_) return Error::moved_from("GlobalMemory", "local");
  auto seg = impl_->find(segment);
  if (!seg) return seg.error();
  return std::span<std::byte>(seg->base, seg->local_bytes);
}

Result<std::uint64_t> GlobalMemory::local_offset(SegmentHandle segment) const {
  if (!impl_) return Error::moved_from("GlobalMemory", "local_offset");
  auto seg = impl_->find(segment);
  if (!seg) return seg.error();
  return seg->local_offset;
}

Result<void> GlobalMemory::memory_get(const GlobalRange &src, void *dst) {
  if (!impl_) return Error::moved_from("GlobalMemory", "memory_get");
  if (dst == nullptr && src.size != 0) return Error(Errc::invalid_argument, "memory_get: null destination");
  const Transfer one{src, 0};
  return impl_->get({&one, 1}, {static_cast<std::byte *>(dst), src.size});
}

Result<void> GlobalMemory::memory_get(std::span<const Transfer> transfers, std::span<std::byte> buffer) {
  if (!impl_) return Error::moved_from("GlobalMemory", "memory_get");
  if (buffer.data() == nullptr && !buffer.empty()) return Error(Errc::invalid_argument, "memory_get: null buffer");
  return impl_->get(transfers, buffer);
}

Result<void> GlobalMemory::memory_put(const void *src, const GlobalRange &dst) {
  if (!impl_) return Error::moved_from("GlobalMemory", "memory_put");
  auto &m = *impl_;
  std::shared_lock windows(m.windows_mutex);
  if (src == nullptr && dst.size != 0) return Error(Errc::invalid_argument, "memory_put: null source");
  auto seg = m.check_range(dst);
  if (!seg) return seg.error();
  std::vector<std::pair<MPI_Win, int>> targets;
  // MPI_Put reads the origin buffer only; the cast is for the shared issue() path.
  if (auto ok = m.issue(false, *seg, dst.offset, dst.size, static_cast<std::byte *>(const_cast<void *>(src)), targets);
      !ok) {
    return ok;
  }
  if (auto ok = m.flush(targets); !ok) return ok;
  m.puts.fetch_add(1, std::memory_order_relaxed);
  m.bytes_put.fetch_add(dst.size, std::memory_order_relaxed);
  return success();
}

Result<CacheHandle> GlobalMemory::cached_get(WorkerCache &cache, DataId id, std::size_t size,
                                             std::span<const Transfer> transfers, AcquireOptions options) {
  if (!impl_) return Error::moved_from("GlobalMemory", "cached_get");
  // A hit needs no check: an entry of this layout was filled by this very list. On a miss, get()
  // checks the list before moving a byte, and a failed fill leaves no entry.
  options.layout = layout_of(size, transfers);
  auto fill = [&](std::span<std::byte> buffer) -> Result<void> {
    if (cache.options().placement != Placement::device) return impl_->get(transfers, buffer);
    // MPI is not assumed to reach device memory: through a page-locked buffer of the cache's stream.
    const Stream &stream = cache.options().stream;
    auto staging = stream.alloc_host(size);
    if (!staging) return staging.error();
    std::span<std::byte> host(static_cast<std::byte *>(*staging), size);
    auto ok = impl_->get(transfers, host);
    if (ok) ok = stream.copy(buffer.data(), host.data(), size);
    if (ok) ok = stream.synchronize();
    stream.free_host(host.data());
    return ok;
  };
  return cache.acquire(id, size, fill, options);
}

Result<void> GlobalMemory::barrier() {
  if (!impl_) return Error::moved_from("GlobalMemory", "barrier");
  auto &m = *impl_;
  std::shared_lock windows(m.windows_mutex);
  std::vector<MPI_Win> wins;
  {
    std::lock_guard lock(m.table_mutex);
    for (const auto &[id, seg] : m.segments) wins.push_back(seg.win);
  }
  auto lock = m.mpi_lock();
  for (auto w : wins) MPI_Win_sync(w);
  if (auto ok = check_mpi(MPI_Barrier(m.comm), "MPI_Barrier"); !ok) return ok;
  for (auto w : wins) MPI_Win_sync(w);
  return success();
}

TransferStats GlobalMemory::stats() const {
  TransferStats s;
  if (!impl_) return s;
  const auto &m = *impl_;
  s.gets = m.gets.load(std::memory_order_relaxed);
  s.puts = m.puts.load(std::memory_order_relaxed);
  s.mpi_gets = m.mpi_gets.load(std::memory_order_relaxed);
  s.mpi_puts = m.mpi_puts.load(std::memory_order_relaxed);
  s.bytes_got = m.bytes_got.load(std::memory_order_relaxed);
  s.bytes_put = m.bytes_put.load(std::memory_order_relaxed);
  return s;
}

}  // namespace unimem::cache
