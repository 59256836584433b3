// AVX2 body: a line is two 32-byte registers. Built with -mavx2; called only where CPUID and XGETBV
// say the CPU and OS support it.
#include <immintrin.h>

#include "memcpy_nt_body.hpp"
#include "memcpy_nt_isa.hpp"

namespace {

struct Avx2 {
  static void copy_line(char *d, const char *s) noexcept {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(s));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(s + 32));
    _mm256_stream_si256(reinterpret_cast<__m256i *>(d), a);
    _mm256_stream_si256(reinterpret_cast<__m256i *>(d + 32), b);
  }
  static void fence() noexcept {
    _mm256_zeroupper();  // no AVX-SSE transition penalty in the caller's code
    _mm_sfence();
  }
};

}  // namespace

void unimem::pmem::detail::move_nt_avx2(void *dst, const void *src, std::size_t n) noexcept {
  move_nt<Avx2>(dst, src, n);
}
