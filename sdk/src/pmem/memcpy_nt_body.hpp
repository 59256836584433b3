// The non-temporal move body (see unimem/pmem/memcpy_nt.hpp), generic over a vector policy V:
//   V::copy_line(d, s)   loads 64 bytes from s (any alignment), streams them to d (64-aligned)
//   V::fence()           makes the streamed stores globally visible (sfence)
// Included by one translation unit per ISA, each compiled with its own -m flags. Everything here has
// internal linkage: an inline function with external linkage could be merged across those units and
// run AVX-512 code on a CPU that only has SSE2.
//
// Overlap: each 64-byte line is loaded before it is stored and lines go in copy order, so a store
// only overwrites source bytes already read (forward when dst is below src, backward otherwise).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

constexpr std::size_t kLine = 64;

// Lines lines of 64 bytes at d, s: ascending when Forward, else descending.
template <class V, bool Forward, std::size_t Lines>
inline void lines(char *d, const char *s) noexcept {
#pragma GCC unroll 32
  for (std::size_t i = 0; i < Lines; ++i) {
    const std::size_t at = (Forward ? i : Lines - 1 - i) * kLine;
    V::copy_line(d + at, s + at);
  }
}

// The 16/8/4/2/1-line steps after the 32-line loop over [d, d + n): n < 32 lines on entry, < 1 line
// on return. Forward takes them from the front (advancing d and s), backward from the back.
template <class V, bool Forward>
inline void line_steps(char *&d, const char *&s, std::size_t &n) noexcept {
  auto step = [&]<std::size_t L>() {
    if (n < L * kLine) return;
    n -= L * kLine;
    if constexpr (Forward) {
      lines<V, true, L>(d, s);
      d += L * kLine;
      s += L * kLine;
    } else {
      lines<V, false, L>(d + n, s + n);
    }
  };
  step.template operator()<16>();
  step.template operator()<8>();
  step.template operator()<4>();
  step.template operator()<2>();
  step.template operator()<1>();
}

template <class V>
void move_forward(char *d, const char *s, std::size_t n) noexcept {
  std::size_t head = (kLine - reinterpret_cast<std::uintptr_t>(d) % kLine) % kLine;
  if (head > n) head = n;
  std::memmove(d, s, head);
  d += head;
  s += head;
  n -= head;
  for (; n >= 32 * kLine; d += 32 * kLine, s += 32 * kLine, n -= 32 * kLine) lines<V, true, 32>(d, s);
  line_steps<V, true>(d, s, n);
  std::memmove(d, s, n);
}

template <class V>
void move_backward(char *d, const char *s, std::size_t n) noexcept {
  std::size_t tail = reinterpret_cast<std::uintptr_t>(d + n) % kLine;
  if (tail > n) tail = n;
  n -= tail;
  std::memmove(d + n, s + n, tail);
  while (n >= 32 * kLine) {
    n -= 32 * kLine;
    lines<V, false, 32>(d + n, s + n);
  }
  line_steps<V, false>(d, s, n);
  std::memmove(d, s, n);
}

template <class V>
void move_nt(void *dst, const void *src, std::size_t n) noexcept {
  auto *d = static_cast<char *>(dst);
  const auto *s = static_cast<const char *>(src);
  if (d == s || n == 0) return;
  // Forward is safe unless dst starts inside [src, src + n).
  if (static_cast<std::size_t>(reinterpret_cast<std::uintptr_t>(d) - reinterpret_cast<std::uintptr_t>(s)) >= n) {
    move_forward<V>(d, s, n);
  } else {
    move_backward<V>(d, s, n);
  }
  V::fence();
}

}  // namespace
