#!/usr/bin/env bash
# Installs every Debian package unimem builds, tests and benchmarks with. Idempotent: packages that
# are already present are skipped, so re-running costs one dpkg query. Called by the README's two
# commands, by .ci/run and by every Dockerfile; it is the only place that names packages.
# The CUDA toolkit is not a Debian package: it is used from /usr/local/cuda (or PATH) when present.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git python3
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # memory tiers and heaps
  libmemkind-dev libpmem2-dev libpmem-dev libjemalloc-dev libnuma-dev
  # distributed global memory
  libopenmpi-dev openmpi-bin
  # the splotch sample writes its image as a PNG
  libpng-dev
  # HIP: compile-tested with Debian's hipcc for AMD targets
  hipcc libamdhip64-dev
  # benchmark peers
  libboost-dev libmimalloc-dev libabsl-dev
  # fuzzing and sanitizer runtimes
  clang libclang-rt-14-dev
  # the unimem tool reads benchmark JSON and plots it; API docs
  nlohmann-json3-dev python3-matplotlib doxygen
  # Thrust for the CPU build (the CUDA toolkit brings its own)
  libthrust-dev
)

# A ROCm installation (the ROCm Docker image) brings its own hipcc; Debian's would conflict with it.
if [[ -d /opt/rocm ]]; then
  packages=("${packages[@]/hipcc/}")
  packages=("${packages[@]/libamdhip64-dev/}")
fi

missing=()
for p in ${packages[@]}; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

[[ $(id -u) -eq 0 ]] || { echo "install-deps: run as root to install: ${missing[*]}" >&2; exit 1; }
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
