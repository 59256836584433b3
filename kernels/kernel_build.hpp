// Included by every kernels/*.cpp: the build that this compilation is (UNIMEM_KERNEL_BUILD, set by
// the CMake target) and the launch API the kernels are written against.
#pragma once

#include "device_kernels.hpp"
#include "unimem/kernel/launch.hpp"
#include "unimem/kernel/this_kernel.hpp"

namespace unimem::kernels {

inline constexpr KernelBuild kBuild = KernelBuild::UNIMEM_KERNEL_BUILD;

}  // namespace unimem::kernels
