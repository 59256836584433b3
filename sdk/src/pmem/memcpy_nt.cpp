#include "unimem/pmem/memcpy_nt.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

#include "memcpy_nt_isa.hpp"
#include "unimem/core/cpu_features.hpp"
#include "unimem/core/align.hpp"

namespace unimem::pmem {

namespace {

using MoveFn = void (*)(void *, const void *, std::size_t) noexcept;

MoveFn body_of(CopyIsa isa) noexcept {
  switch (isa) {
    case CopyIsa::avx512f: return detail::move_nt_avx512f;
    case CopyIsa::avx2: return detail::move_nt_avx2;
    case CopyIsa::sse2: break;
  }
  return detail::move_nt_sse2;
}

CopyIsa best_supported() noexcept {
  if (copy_isa_supported(CopyIsa::avx512f)) return CopyIsa::avx512f;
  if (copy_isa_supported(CopyIsa::avx2)) return CopyIsa::avx2;
  return CopyIsa::sse2;
}

CopyIsa choose_isa() noexcept {
  const CopyIsa best = best_supported();
  const char *forced = std::getenv("UNIMEM_MEMCPY_ISA");
  if (forced == nullptr || *forced == '\0') return best;
  for (CopyIsa isa : {CopyIsa::sse2, CopyIsa::avx2, CopyIsa::avx512f}) {
    if (std::string_view(forced) != copy_isa_name(isa)) continue;
    if (copy_isa_supported(isa)) return isa;
    std::fprintf(stderr, "unimem: UNIMEM_MEMCPY_ISA=%s is not supported by this CPU; using %s\n", forced,
                 copy_isa_name(best));
    return best;
  }
  std::fprintf(stderr, "unimem: UNIMEM_MEMCPY_ISA=%s is not one of sse2, avx2, avx512f; using %s\n", forced,
               copy_isa_name(best));
  return best;
}

// The last-level cache as sysfs describes it (sysconf's answer is wrong in some VMs), else sysconf.
std::size_t last_level_cache_bytes() {
  std::size_t best = 0;
  for (int index = 0; index < 8; ++index) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    std::ifstream type(dir + "type"), size(dir + "size");
    std::string t, s;
    if (!(type >> t) || !(size >> s) || t == "Instruction") continue;
    std::size_t bytes = std::strtoull(s.c_str(), nullptr, 10);
    if (s.back() == 'K') bytes <<= 10;
    if (s.back() == 'M') bytes <<= 20;
    if (bytes > best) best = bytes;
  }
  if (best == 0) {
    const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    best = static_cast<std::size_t>(l3 > 0 ? l3 : l2 > 0 ? l2 : 0);
  }
  return best;
}

// Below half the last-level cache, source and destination both fit in it: ordinary stores copy
// cache to cache, while non-temporal stores would write the whole destination to memory.
std::size_t choose_threshold() {
  if (const char *forced = std::getenv("UNIMEM_MEMCPY_NT_THRESHOLD"); forced != nullptr && *forced != '\0') {
    char *end = nullptr;
    const unsigned long long v = std::strtoull(forced, &end, 10);
    if (end != forced && *end == '\0') return static_cast<std::size_t>(v);
    std::fprintf(stderr, "unimem: UNIMEM_MEMCPY_NT_THRESHOLD=%s is not a byte count; ignored\n", forced);
  }
  const std::size_t llc = last_level_cache_bytes();
  return llc == 0 ? std::size_t{4} << 20 : llc / 2;
}

struct Dispatch {
  CopyIsa isa = choose_isa();
  MoveFn move = body_of(isa);
  std::size_t threshold = choose_threshold();
};

const Dispatch &dispatch() {
  static const Dispatch d;
  return d;
}

}  // namespace

const char *copy_isa_name(CopyIsa isa) noexcept {
  switch (isa) {
    case CopyIsa::sse2: return "sse2";
    case CopyIsa::avx2: return "avx2";
    case CopyIsa::avx512f: return "avx512f";
  }
  return "?";
}

bool copy_isa_supported(CopyIsa isa) noexcept {
  const CpuFeatures &f = cpu_features();
  switch (isa) {
    case CopyIsa::sse2: return f.sse2;
    case CopyIsa::avx2: return f.avx2;
    case CopyIsa::avx512f: return f.avx512f;
  }
  return false;
}

CopyIsa copy_isa() noexcept { return dispatch().isa; }

std::size_t nt_threshold() noexcept { return dispatch().threshold; }

void *memcpy_nt(void *dst, const void *src, std::size_t n) noexcept {
  if (n == 0) return dst;
  detail::move_chunk(dst, src, n, n);
  return dst;
}

Result<void> memcpy_nt(CopyIsa isa, void *dst, const void *src, std::size_t n) noexcept {
  if (!copy_isa_supported(isa)) {
    return Error(Errc::unsupported, std::string("memcpy_nt: this CPU does not support ") + copy_isa_name(isa));
  }
  body_of(isa)(dst, src, n);
  return success();
}

namespace detail {

void move_chunk(void *dst, const void *src, std::size_t n, std::size_t total) noexcept {
  const Dispatch &d = dispatch();
  if (total < d.threshold) {
    std::memmove(dst, src, n);
  } else {
    d.move(dst, src, n);
  }
}

Result<void> fast_memcpy_bytes(void *dst, const void *src, std::size_t dst_bytes, std::size_t src_bytes) {
  if (dst_bytes != src_bytes) {
    return Error(Errc::invalid_argument, "fast_memcpy: sizes differ (dst " + std::to_string(dst_bytes) +
                                             " bytes, src " + std::to_string(src_bytes) + " bytes)");
  }
  if (!is_aligned(dst, 64) || !is_aligned(src, 64)) {
    char where[96];
    std::snprintf(where, sizeof where, " (dst %p, src %p)", dst, src);
    return Error(Errc::invalid_argument, std::string("fast_memcpy: arrays must be 64-byte aligned") + where);
  }
  memcpy_nt(dst, src, dst_bytes);
  return success();
}

}  // namespace detail

}  // namespace unimem::pmem
