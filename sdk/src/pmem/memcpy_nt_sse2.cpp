// SSE2 body: a line is four 16-byte registers. Built with -msse2 (the x86-64 baseline).
#include <emmintrin.h>

#include "memcpy_nt_body.hpp"
#include "memcpy_nt_isa.hpp"

namespace {

struct Sse2 {
  static void copy_line(char *d, const char *s) noexcept {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s + 16));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s + 32));
    const __m128i e = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s + 48));
    _mm_stream_si128(reinterpret_cast<__m128i *>(d), a);
    _mm_stream_si128(reinterpret_cast<__m128i *>(d + 16), b);
    _mm_stream_si128(reinterpret_cast<__m128i *>(d + 32), c);
    _mm_stream_si128(reinterpret_cast<__m128i *>(d + 48), e);
  }
  static void fence() noexcept { _mm_sfence(); }
};

}  // namespace

void unimem::pmem::detail::move_nt_sse2(void *dst, const void *src, std::size_t n) noexcept {
  move_nt<Sse2>(dst, src, n);
}
