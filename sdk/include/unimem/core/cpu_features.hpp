// What the CPU can do, read once by CPUID (and XGETBV for the OS's register support): the ISA
// levels the copy kernels dispatch on, and the cache-line flush instructions persistence uses.
#pragma once

#include <string>

namespace unimem {

struct CpuFeatures {
  bool sse2 = false;
  bool avx2 = false;
  bool avx512f = false;  ///< the CPU has it AND the OS saves the ZMM registers
  bool clflushopt = false;
  bool clwb = false;
  std::string model;  ///< brand string, e.g. "Intel(R) Xeon(R) ..."
};

/// @brief The features of the CPU this process runs on (computed on first call).
const CpuFeatures &cpu_features() noexcept;

}  // namespace unimem
