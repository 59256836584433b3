# Resolves UNIMEM_CUDA / UNIMEM_HIP (AUTO, ON, OFF) into UNIMEM_WITH_CUDA / UNIMEM_WITH_HIP, enables
# the CUDA language, and provides unimem_hip_sources() for HIP code. Debian's HIP 5.2 has no CMake
# HIP-language package in the place CMake 3.25 looks, so HIP sources are compiled the way hipcc does
# it: by clang with -x hip and the ROCm paths (the `hip` preset makes clang++ the C++ compiler).

# ---- CUDA ----
set(UNIMEM_WITH_CUDA OFF)
if(NOT UNIMEM_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(UNIMEM_WITH_CUDA ON)
  elseif(UNIMEM_CUDA STREQUAL "ON")
    message(FATAL_ERROR "UNIMEM_CUDA=ON but no CUDA compiler (nvcc) was found")
  endif()
endif()
if(UNIMEM_WITH_CUDA)
  if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
    # sm_90 always (what CI compiles), plus the compute capability of any GPU visible here.
    set(_archs 90)
    find_program(_nvsmi nvidia-smi)
    if(_nvsmi)
      execute_process(COMMAND ${_nvsmi} --query-gpu=compute_cap --format=csv,noheader
                      OUTPUT_VARIABLE _caps RESULT_VARIABLE _rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
      if(_rc EQUAL 0 AND _caps)
        string(REPLACE "." "" _caps "${_caps}")
        string(REPLACE "\n" ";" _caps "${_caps}")
        list(APPEND _archs ${_caps})
        list(REMOVE_DUPLICATES _archs)
      endif()
    endif()
    set(CMAKE_CUDA_ARCHITECTURES ${_archs} CACHE STRING "CUDA architectures")
  endif()
  enable_language(CUDA)
  # CMake 3.25's dialect table for nvcc stops at C++17; nvcc 12+ accepts -std=c++20.
  if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  endif()
  set(CMAKE_CUDA_STANDARD 20)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  # std::memory_order mapping and other constexpr helpers are shared by host and device code.
  string(APPEND CMAKE_CUDA_FLAGS " --expt-relaxed-constexpr")
  find_package(CUDAToolkit REQUIRED)
endif()

# ---- HIP ----
set(UNIMEM_WITH_HIP OFF)
set(UNIMEM_HIP_ARCHITECTURES gfx90a CACHE STRING "AMD GPU targets for HIP code")
if(NOT UNIMEM_HIP STREQUAL "OFF")
  find_program(UNIMEM_HIPCC hipcc)
  find_path(UNIMEM_HIP_INCLUDE hip/hip_runtime_api.h)
  find_library(UNIMEM_AMDHIP64 amdhip64)
  set(_hip_found OFF)
  if(UNIMEM_HIPCC AND UNIMEM_HIP_INCLUDE AND UNIMEM_AMDHIP64 AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    set(_hip_found ON)
  endif()
  if(_hip_found)
    set(UNIMEM_WITH_HIP ON)
  elseif(UNIMEM_HIP STREQUAL "ON")
    message(FATAL_ERROR "UNIMEM_HIP=ON needs hipcc, libamdhip64 and clang as the C++ compiler "
                        "(configure with --preset hip, which sets CMAKE_CXX_COMPILER=clang++-15)")
  endif()
endif()
if(UNIMEM_WITH_HIP)
  set(UNIMEM_ROCM_PATH /usr CACHE PATH "ROCm root (Debian installs HIP under /usr)")
  find_path(UNIMEM_HIP_DEVICE_LIBS hip.bc PATHS ${UNIMEM_ROCM_PATH}/lib/x86_64-linux-gnu/amdgcn/bitcode
            ${UNIMEM_ROCM_PATH}/amdgcn/bitcode NO_DEFAULT_PATH REQUIRED)
  add_library(unimem_hip_runtime INTERFACE)
  target_include_directories(unimem_hip_runtime SYSTEM INTERFACE ${UNIMEM_HIP_INCLUDE})
  target_compile_definitions(unimem_hip_runtime INTERFACE __HIP_PLATFORM_AMD__=1)
  target_link_libraries(unimem_hip_runtime INTERFACE ${UNIMEM_AMDHIP64})
endif()

# Compiles the given sources of TARGET as HIP (host + device code for UNIMEM_HIP_ARCHITECTURES).
function(unimem_hip_sources target)
  set(_flags -x hip --rocm-path=${UNIMEM_ROCM_PATH} --hip-device-lib-path=${UNIMEM_HIP_DEVICE_LIBS})
  foreach(arch IN LISTS UNIMEM_HIP_ARCHITECTURES)
    list(APPEND _flags --offload-arch=${arch})
  endforeach()
  set_source_files_properties(${ARGN} TARGET_DIRECTORY ${target} PROPERTIES COMPILE_OPTIONS "${_flags}")
  target_link_options(${target} PRIVATE --hip-link --rocm-path=${UNIMEM_ROCM_PATH})
  target_link_libraries(${target} PRIVATE unimem_hip_runtime)
endfunction()

# Sources written once for both vendors are built from per-vendor subdirectories (cuda/, hip/),
# because a source file's language is a per-directory property.
macro(unimem_add_vendor_subdirectories)
  if(UNIMEM_WITH_CUDA)
    add_subdirectory(cuda)
  endif()
  if(UNIMEM_WITH_HIP)
    add_subdirectory(hip)
  endif()
endmacro()
