// free_eager and prefetch: argument checks, then the host path (madvise / move_pages) or the GPU
// runtime that manages the memory, run now or in a stream's order.
#include "unimem/gmem/gmem.hpp"

#include <numaif.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_READ  // glibc before 2.35 lacks the names of Linux 5.14's advice
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

#include <algorithm>
#include <cerrno>
#include <string>

#include "gpu_memory_ops.hpp"
#include "hotness.hpp"
#include "os_pages.hpp"
#include "unimem/gmem/residency.hpp"
#include "unimem/gmem/topology.hpp"

namespace unimem::gmem {

namespace {

using detail::GpuMemoryOps;

Result<void> check_page_size(std::size_t page) {
  if (is_pow2(page) && page >= detail::os_page_size()) return success();
  return Error(Errc::invalid_argument, "page size " + std::to_string(page) + " is not a power of two >= the OS page (" +
                                           std::to_string(detail::os_page_size()) + ")");
}

Result<void> run_on(const Stream &stream, Stream::Task op) {
  if (stream.is_null()) return op();
  return stream.enqueue(std::move(op));
}

const GpuMemoryOps *runtime_of(NodeKind kind) {
  for (const auto *ops : detail::gpu_memory_ops()) {
    if (ops->kind() == kind) return ops;
  }
  return nullptr;
}

// The GPU runtime that owns (migrates) the range, if any: its operations replace the host's.
const GpuMemoryOps *managing_runtime(const PageRange &range) {
  for (const auto *ops : detail::gpu_memory_ops()) {
    if (ops->migrates(range, false)) return ops;
  }
  return nullptr;
}

Result<void> check_stream(const Stream &stream, const GpuMemoryOps &ops) {
  if (stream.is_null() || stream.kind() == ops.stream_kind()) return success();
  return Error(Errc::invalid_argument, std::string("a ") + stream_kind_name(stream.kind()) + " stream cannot order " +
                                           node_kind_name(ops.kind()) + " memory operations; pass a " +
                                           stream_kind_name(ops.stream_kind()) + " stream or the null stream");
}

Result<void> madvise_error(const char *what, int err) {
  if (err == ENOMEM) return Error(Errc::bad_address, std::string(what) + ": the range is no longer mapped");
  if (err == EFAULT) return Error::from_errno(Errc::bad_address, std::string(what) + ": an access there would fault", err);
  if (err == EINVAL) return Error::from_errno(Errc::invalid_argument, std::string(what) + " refused by this mapping", err);
  return Error::from_errno(Errc::io_error, what, err);
}

Result<void> host_free(const PageRange &range, FreeMode mode, std::size_t page) {
  const int advice = mode == FreeMode::free ? MADV_FREE : MADV_DONTNEED;
  if (madvise(reinterpret_cast<void *>(range.begin), range.size(), advice) != 0) {
    return madvise_error(mode == FreeMode::free ? "madvise(MADV_FREE)" : "madvise(MADV_DONTNEED)", errno);
  }
  detail::forget_hot(range, page);
  return success();
}

// Whether this kernel populates with MADV_POPULATE_* (5.14+): asked of one fresh page, which must
// then be resident (an emulation layer may accept an advice it does not carry out).
bool kernel_populates() {
  static const bool known = [] {
    const std::size_t page = detail::os_page_size();
    void *p = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return false;
    const bool works = madvise(p, page, MADV_POPULATE_WRITE) == 0 && residency(p, page).value_or(Residency{}).resident == 1;
    munmap(p, page);
    return works;
  }();
  return known;
}

bool populated(const PageRange &r, Access access) {
  return madvise(reinterpret_cast<void *>(r.begin), r.size(),
                 access == Access::write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0;
}

Result<void> move_to_node(const PageRange &range, int node) {
  auto pages = detail::page_addresses(range);
  std::vector<int> nodes(pages.size(), node), status(pages.size(), 0);
  if (move_pages(0, pages.size(), pages.data(), nodes.data(), status.data(), MPOL_MF_MOVE) < 0) {
    return Error::from_errno(Errc::io_error, "move_pages to node " + std::to_string(node), errno);
  }
  return success();
}

// Whether @p r is resident, and on @p node where there is more than one.
Result<bool> in_place(const PageRange &r, int node, bool several_nodes) {
  const void *p = reinterpret_cast<const void *>(r.begin);
  auto resident = residency(p, r.size());
  if (!resident) return resident.error();
  if (resident->resident != resident->pages || !several_nodes) return resident->resident == resident->pages;
  auto nodes = page_nodes(p, r.size());
  if (!nodes) return nodes.error();
  return std::all_of(nodes->begin(), nodes->end(), [&](int n) { return n == node; });
}

// Resident already (and on the node, where there is more than one): mark hot; else bring it there.
// @p range is the caller's pages, @p own, widened to whole gmem pages; it may reach into neighbours
// that refuse the access (EINVAL: a read-only one for a write; EFAULT: a PROT_NONE guard page), and
// then the caller's own pages stand for it: in place already (hot), or brought in alone, read-only
// memory for reading. Without MADV_POPULATE_*, read-ahead is all there is.
Result<void> host_prefetch(const PageRange &range, const PageRange &own, int node, bool several_nodes,
                           const PrefetchOptions &o) {
  auto whole = in_place(range, node, several_nodes);
  if (!whole) return whole.error();
  if (*whole) {
    detail::mark_hot(range, o.page_size);
    return success();
  }
  if (!kernel_populates()) {
    if (madvise(reinterpret_cast<void *>(range.begin), range.size(), MADV_WILLNEED) != 0) {
      return madvise_error("madvise(MADV_WILLNEED)", errno);
    }
    return success();
  }
  // Asked before populating: a refused populate has already brought in the pages below the refusal.
  auto mine = range == own ? whole : in_place(own, node, several_nodes);
  if (!mine) return mine.error();
  PageRange brought = range;
  if (!populated(range, o.access)) {
    if (errno != EINVAL && errno != EFAULT) return madvise_error("madvise(MADV_POPULATE)", errno);
    if (*mine) {
      detail::mark_hot(range, o.page_size);
      return success();
    }
    if (!populated(own, o.access) && !(errno == EINVAL && o.access == Access::write && populated(own, Access::read))) {
      // After check_mapped, ENOMEM here is memory running out (or the range unmapped meanwhile).
      if (errno == ENOMEM) return Error::from_errno(Errc::out_of_memory, "madvise(MADV_POPULATE)", ENOMEM);
      return madvise_error("madvise(MADV_POPULATE)", errno);
    }
    brought = own;
  }
  return several_nodes ? move_to_node(brought, node) : success();
}

// The GPU runtime's prefetch; "already there" by the runtime's record marks the pages hot instead.
Result<void> runtime_prefetch(const GpuMemoryOps &ops, const PageRange &range, detail::Target target,
                              const Stream &stream, std::size_t page) {
  if (auto ok = check_stream(stream, ops); !ok) return ok;
  if (ops.resident_on(range, target)) {
    detail::mark_hot(range, page);
    return success();
  }
  return ops.prefetch(range, target, stream.native_handle());
}

}  // namespace

Result<void> free_eager(void *addr, std::size_t size, const Stream &stream, const FreeEagerOptions &o) {
  if (auto ok = check_page_size(o.page_size); !ok) return ok;
  auto os = detail::os_pages(addr, size);
  if (!os) return os.error();
  if (auto ok = detail::check_mapped(*os, addr, size); !ok) return ok;
  const PageRange range = *pages_inside(reinterpret_cast<std::uintptr_t>(addr), size, o.page_size);
  if (range.empty()) return success();
  if (const auto *ops = managing_runtime(range)) {
    if (auto ok = check_stream(stream, *ops); !ok) return ok;
    detail::forget_hot(range, o.page_size);
    return ops->discard(range, stream.native_handle());
  }
  return run_on(stream, [range, o] { return host_free(range, o.mode, o.page_size); });
}

Result<void> prefetch(const void *addr, std::size_t size, int hnid, const Stream &stream, const PrefetchOptions &o) {
  if (auto ok = check_page_size(o.page_size); !ok) return ok;
  auto os = detail::os_pages(addr, size);
  if (!os) return os.error();
  if (auto ok = detail::check_mapped(*os, addr, size); !ok) return ok;
  auto target = node(hnid);
  if (!target) return target.error();
  if (size == 0) return success();
  const PageRange range =
      detail::clip_to_mapped(*pages_covering(reinterpret_cast<std::uintptr_t>(addr), size, o.page_size), *os);

  if (target->kind != NodeKind::cpu) {
    const auto *ops = runtime_of(target->kind);  // present: the node came from it
    if (!ops->migrates(range, true)) {
      return Error(Errc::unsupported, std::string("hnid ") + std::to_string(hnid) + " (" + target->name +
                                          ") cannot prefetch this range: it is neither managed memory nor pageable "
                                          "memory on a device with pageable memory access");
    }
    return runtime_prefetch(*ops, range, {true, target->index}, stream, o.page_size);
  }
  if (const auto *ops = managing_runtime(range)) {
    return runtime_prefetch(*ops, range, {false, target->index}, stream, o.page_size);
  }
  return run_on(stream, [range, own = *os, node = target->index, several = detail::several_cpu_nodes(), o] {
    return host_prefetch(range, own, node, several, o);
  });
}

}  // namespace unimem::gmem
