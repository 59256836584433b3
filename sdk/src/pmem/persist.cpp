#include "unimem/pmem/persist.hpp"

#include <immintrin.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "pool_registry.hpp"
#include "unimem/core/cpu_features.hpp"
#include "unimem/pmem/memcpy_nt.hpp"
#include "unimem/core/align.hpp"

namespace unimem::pmem {

namespace {

constexpr std::uintptr_t kLine = 64;

// Each flush loop is built for its instruction only, so the library needs no -mclwb as a whole.
__attribute__((target("clwb"))) void flush_clwb(std::uintptr_t p, std::uintptr_t end) noexcept {
  for (; p < end; p += kLine) _mm_clwb(reinterpret_cast<void *>(p));
}
__attribute__((target("clflushopt"))) void flush_clflushopt(std::uintptr_t p, std::uintptr_t end) noexcept {
  for (; p < end; p += kLine) _mm_clflushopt(reinterpret_cast<void *>(p));
}
void flush_clflush(std::uintptr_t p, std::uintptr_t end) noexcept {
  for (; p < end; p += kLine) _mm_clflush(reinterpret_cast<const void *>(p));
}

FlushInstruction choose_flush() noexcept {
  const CpuFeatures &f = cpu_features();
  return f.clwb ? FlushInstruction::clwb : f.clflushopt ? FlushInstruction::clflushopt : FlushInstruction::clflush;
}

Result<void> msync_range(const void *addr, std::size_t n) {
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto start = align_down(reinterpret_cast<std::uintptr_t>(addr), page);
  const auto end = reinterpret_cast<std::uintptr_t>(addr) + n;
  if (msync(reinterpret_cast<void *>(start), end - start, MS_SYNC) != 0) {
    return Error::from_errno(Errc::io_error, "persist: msync(" + std::to_string(end - start) + " bytes)", errno);
  }
  return success();
}

struct PoolRange {
  std::uintptr_t end;
  Granularity granularity;
};

struct Registry {
  std::shared_mutex mutex;
  std::map<std::uintptr_t, PoolRange> pools;  // by base address
};
Registry &registry() {
  static Registry r;
  return r;
}

}  // namespace

namespace detail {

void register_pool(const void *base, std::size_t bytes, Granularity g) {
  const auto b = reinterpret_cast<std::uintptr_t>(base);
  Registry &r = registry();
  std::unique_lock lock(r.mutex);
  r.pools[b] = PoolRange{b + bytes, g};
}

void unregister_pool(const void *base) noexcept {
  Registry &r = registry();
  std::unique_lock lock(r.mutex);
  r.pools.erase(reinterpret_cast<std::uintptr_t>(base));
}

std::optional<Granularity> pool_granularity(const void *addr, std::size_t n) {
  const auto a = reinterpret_cast<std::uintptr_t>(addr);
  Registry &r = registry();
  std::shared_lock lock(r.mutex);
  auto it = r.pools.upper_bound(a);
  if (it == r.pools.begin()) return std::nullopt;
  --it;
  if (a + n > it->second.end || a + n < a) return std::nullopt;
  return it->second.granularity;
}

}  // namespace detail

const char *flush_instruction_name(FlushInstruction f) noexcept {
  switch (f) {
    case FlushInstruction::clwb: return "clwb";
    case FlushInstruction::clflushopt: return "clflushopt";
    case FlushInstruction::clflush: return "clflush";
  }
  return "?";
}

FlushInstruction flush_instruction() noexcept {
  static const FlushInstruction f = choose_flush();
  return f;
}

void flush(const void *addr, std::size_t n) noexcept {
  if (n == 0) return;
  const auto p = align_down(reinterpret_cast<std::uintptr_t>(addr), kLine);
  const auto end = reinterpret_cast<std::uintptr_t>(addr) + n;
  switch (flush_instruction()) {
    case FlushInstruction::clwb: flush_clwb(p, end); break;
    case FlushInstruction::clflushopt: flush_clflushopt(p, end); break;
    case FlushInstruction::clflush: flush_clflush(p, end); break;
  }
}

void drain() noexcept { _mm_sfence(); }

namespace detail {

Result<void> persist_as(Granularity g, const void *addr, std::size_t n) {
  if (n == 0) return success();
  switch (g) {
    case Granularity::page: return msync_range(addr, n);
    case Granularity::cache_line: flush(addr, n); break;
    case Granularity::byte: break;
  }
  drain();
  return success();
}

}  // namespace detail

Result<void> persist(const void *addr, std::size_t n) {
  if (n == 0) return success();
  if (addr == nullptr) return Error(Errc::invalid_argument, "persist: null address");
  return detail::persist_as(detail::pool_granularity(addr, n).value_or(Granularity::cache_line), addr, n);
}

Result<void> memcpy_persist(void *dst, const void *src, std::size_t n) {
  if (n == 0) return success();
  if (dst == nullptr || src == nullptr) return Error(Errc::invalid_argument, "memcpy_persist: null address");
  memcpy_nt(dst, src, n);
  const auto g = detail::pool_granularity(dst, n).value_or(Granularity::cache_line);
  if (g != Granularity::cache_line || n < nt_threshold()) return detail::persist_as(g, dst, n);
  // Streamed: only the partial lines at either end went through the cache.
  const auto d = reinterpret_cast<std::uintptr_t>(dst);
  flush(dst, 1);
  flush(reinterpret_cast<const void *>(d + n - 1), 1);
  drain();
  return success();
}

}  // namespace unimem::pmem
