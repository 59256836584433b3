// AVX-512F body: a line is one 64-byte register. Built with -mavx512f; called only where CPUID and
// XGETBV say the CPU and OS support it.
#include <immintrin.h>

#include "memcpy_nt_body.hpp"
#include "memcpy_nt_isa.hpp"

namespace {

struct Avx512f {
  static void copy_line(char *d, const char *s) noexcept {
    _mm512_stream_si512(reinterpret_cast<__m512i *>(d), _mm512_loadu_si512(s));
  }
  static void fence() noexcept {
    _mm256_zeroupper();
    _mm_sfence();
  }
};

}  // namespace

void unimem::pmem::detail::move_nt_avx512f(void *dst, const void *src, std::size_t n) noexcept {
  move_nt<Avx512f>(dst, src, n);
}
