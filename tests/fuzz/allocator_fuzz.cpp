// libFuzzer target: random sequences of allocate / aligned allocate / reallocate / free, foreign
// frees and double frees against a ThreadLocalAllocator with full checks. Every live block carries a
// pattern that must survive; every bad free must be refused; the statistics must add up.
// Built by the `fuzz` preset; scripts/check.sh runs it for a short while.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/array_backend.hpp"

using namespace unimem;

namespace {

struct Live {
  std::uint64_t off;
  std::size_t size;
  std::uint8_t tag;
};

constexpr std::size_t kRegionBytes = std::size_t{64} << 20;

char *memory() {
  static char *m = static_cast<char *>(std::aligned_alloc(std::size_t{2} << 20, kRegionBytes));
  return m;
}

// The first and the last byte (one byte for 1-byte blocks).
void stamp(char *p, std::size_t n, std::uint8_t tag) {
  p[n - 1] = static_cast<char>(tag ^ 0x5a);
  p[0] = static_cast<char>(tag);
}
bool intact(const char *p, std::size_t n, std::uint8_t tag) {
  return p[0] == static_cast<char>(tag) && (n == 1 || p[n - 1] == static_cast<char>(tag ^ 0x5a));
}

// Reads little-endian values off the input; zeros once it runs out.
struct Input {
  const std::uint8_t *p;
  std::size_t n;
  std::uint32_t take(int bytes) {
    std::uint32_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= std::uint32_t{n ? (--n, *p++) : 0u} << (8 * i);
    return v;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  SlabAllocatorOptions opts;
  opts.checks = CheckLevel::full;
  opts.host_slots = 4;
  opts.shared_slots = 4;
  // A new region per input over the same memory: a region that holds a heap is never formatted
  // again, and a new one over the memory (already faulted in) is quick to make.
  auto region = ArrayBackend::create(memory(), kRegionBytes).value();
  auto a = ThreadLocalAllocator::create(*region, AllocatorId{1}, opts).value();
  char *base = region->base();
  std::vector<Live> live;
  Input in{data, size};
  std::uint8_t tag = 0;
  while (in.n > 0) {
    const std::uint32_t op = in.take(1);
    const MemContext ctx{(op & 0x80) ? ThreadId{in.take(1)} : ThreadId{}};  // shared caches too
    switch (op % 6) {
      case 0:
      case 1: {  // allocate, sizes 1 B .. 4 MiB, mostly small
        std::size_t n = 1 + in.take(2);
        if (op & 0x40) n <<= in.take(1) % 7;
        const std::size_t align = (op & 0x20) ? std::size_t{1} << (in.take(1) % 22) : 16;
        const OffsetPtr<void> p = a->aligned_allocate_offset(ctx, n, align);
        if (p.is_null()) break;  // out of memory is allowed
        if ((reinterpret_cast<std::uintptr_t>(base) + p.offset()) % align != 0) std::abort();
        stamp(base + p.offset(), n, ++tag);
        live.push_back({p.offset(), n, tag});
        break;
      }
      case 2: {  // reallocate
        if (live.empty()) break;
        Live &l = live[in.take(2) % live.size()];
        if (!intact(base + l.off, l.size, l.tag)) std::abort();
        const std::size_t n = 1 + in.take(3) % (1u << 20);
        const OffsetPtr<void> q = a->reallocate_offset(ctx, OffsetPtr<void>(l.off), n);
        if (q.is_null()) break;  // the old block stays
        if (base[q.offset()] != static_cast<char>(l.tag)) std::abort();  // contents kept
        l = Live{q.offset(), n, ++tag};
        stamp(base + l.off, n, l.tag);
        break;
      }
      case 3: {  // free
        if (live.empty()) break;
        const std::size_t i = in.take(2) % live.size();
        if (!intact(base + live[i].off, live[i].size, live[i].tag)) std::abort();
        if (a->free_offset(ctx, OffsetPtr<void>(live[i].off)) != Errc::ok) std::abort();
        if (op & 0x10) {  // and free it again: must be refused
          if (a->free_offset(ctx, OffsetPtr<void>(live[i].off)) == Errc::ok) std::abort();
        }
        live[i] = live.back();
        live.pop_back();
        break;
      }
      case 4: {  // free a pointer into the middle of a live block: must be refused
        if (live.empty()) break;
        const Live &l = live[in.take(2) % live.size()];
        if (l.size > 1 && a->free_offset(ctx, OffsetPtr<void>(l.off + 1 + in.take(2) % (l.size - 1))) == Errc::ok) {
          std::abort();
        }
        break;
      }
      default: {  // free an arbitrary offset: accepted only if it is a live block
        const std::uint64_t off = in.take(4);
        bool is_live = false;
        for (const Live &l : live) is_live |= l.off == off;
        if (!is_live && a->free_offset(ctx, OffsetPtr<void>(off)) == Errc::ok) std::abort();
        break;
      }
    }
  }
  std::uint64_t expect = 0;
  for (const Live &l : live) {
    if (!intact(base + l.off, l.size, l.tag)) std::abort();
    expect += a->usable_size(OffsetPtr<void>(l.off));
  }
  if (a->stats().bytes_in_use != expect) std::abort();
  for (const Live &l : live) {
    if (a->free_offset({}, OffsetPtr<void>(l.off)) != Errc::ok) std::abort();
  }
  return 0;
}
