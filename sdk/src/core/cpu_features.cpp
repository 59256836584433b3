#include "unimem/core/cpu_features.hpp"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace unimem {

namespace {

CpuFeatures detect() noexcept {
  CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  const unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf >= 1 && __get_cpuid(1, &a, &b, &c, &d)) {
    f.sse2 = (d & bit_SSE2) != 0;
    const bool osxsave = (c & bit_OSXSAVE) != 0;
    std::uint64_t xcr0 = 0;
    if (osxsave) {
      std::uint32_t lo, hi;
      __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
      xcr0 = (std::uint64_t{hi} << 32) | lo;
    }
    const bool os_avx = (xcr0 & 0x6) == 0x6;        // XMM and YMM state
    const bool os_avx512 = (xcr0 & 0xe6) == 0xe6;   // plus opmask, ZMM_Hi256, Hi16_ZMM
    if (max_leaf >= 7) {
      __cpuid_count(7, 0, a, b, c, d);
      f.avx2 = os_avx && (b & bit_AVX2) != 0;
      f.avx512f = os_avx512 && (b & bit_AVX512F) != 0;
      f.clflushopt = (b & bit_CLFLUSHOPT) != 0;
      f.clwb = (b & bit_CLWB) != 0;
    }
  }
  if (static_cast<unsigned>(__get_cpuid_max(0x80000000, nullptr)) >= 0x80000004u) {
    char brand[49] = {};
    for (unsigned i = 0; i < 3; ++i) {
      __get_cpuid(0x80000002 + i, &a, &b, &c, &d);
      std::memcpy(brand + 16 * i, &a, 4);
      std::memcpy(brand + 16 * i + 4, &b, 4);
      std::memcpy(brand + 16 * i + 8, &c, 4);
      std::memcpy(brand + 16 * i + 12, &d, 4);
    }
    f.model = brand;
    f.model.erase(0, f.model.find_first_not_of(' '));
  }
#endif
  return f;
}

}  // namespace

const CpuFeatures &cpu_features() noexcept {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace unimem
