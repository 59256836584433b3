#!/usr/bin/env bash
# The samples tour, the README's first command: installs the dependencies, builds the samples on
# the best backend present (CUDA when a GPU answers nvidia-smi, the CPU otherwise) and runs each,
# printing what it showed. Exits non-zero if any sample fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

preset=cpu
if command -v nvidia-smi >/dev/null && nvidia-smi -L 2>/dev/null | grep -q '^GPU' &&
  { command -v nvcc >/dev/null || [[ -x /usr/local/cuda/bin/nvcc ]]; }; then
  preset=cuda
fi
# name | what it shows
samples=(
  "shm_hello|one shared region used in place by two processes: a Mutex, a counter, ShmPtrs"
  "shared_containers|a queue and a map in one region used in place by host threads, a kernel (the GPU, or the host emulation) and a second process"
  "pmem_staging|PMEM pool data staged through double buffers (non-temporal copies) to the GPU, or host memory"
  "superbin|a stencil over a grid in MPI global memory: each worker loads a point once, not once per task"
  "splotch|a galaxy rendered by tasks that all read the scene and seek table: kept in the worker cache (PNG)"
)
echo "tour: building the samples with preset '$preset'"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)" --target "${samples[@]%%|*}"
bin=build/$preset/samples
failed=0
for s in "${samples[@]}"; do
  name=${s%%|*}
  echo
  echo "### $name: ${s#*|}"
  cmd=("$bin/$name")
  [[ $name == splotch ]] && cmd+=("build/$preset/samples/splotch.png")
  if ! "${cmd[@]}"; then
    echo "tour: $name FAILED"
    failed=$((failed + 1))
  fi
done
echo
echo "tour: ${#samples[@]} samples, $failed failed"
[[ $failed -eq 0 ]]
