#!/usr/bin/env bash
# The whole test suite, as the README's second command and CI run it: installs the dependencies,
# then configures, builds and tests every configuration this machine can build:
#   cpu   g++, the CPU tests
#   asan  the CPU tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan  the CPU tests under ThreadSanitizer
#   cuda  nvcc for sm_90: the CPU tests plus the CUDA tests (GPU tests skip, with the reason, without a GPU)
#   hip   clang -x hip for gfx90a: the CPU tests plus the HIP tests (likewise)
#   fuzz  the libFuzzer targets (clang 14, ASan + UBSan), each run for UNIMEM_FUZZ_SECONDS (30)
# After cpu, the package: `cmake --install` into a temporary prefix, then samples/consumer built
# against it with find_package and with pkg-config, and built from source with add_subdirectory,
# and the installed tool's `info` and `bench` (the benchmark programs from libexec/unimem);
# the docs: every example of docs/api compiled and run, Doxygen with no warning; and the samples
# tour (scripts/tour.sh, the README's main job).
# UNIMEM_CHECK_CONFIGS="cpu tsan" limits the run to some of them. Ends with one line
# "check: N passed, N failed" over all configurations; the exit status is non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

configs=(cpu asan tsan)
if command -v nvcc >/dev/null || [[ -x /usr/local/cuda/bin/nvcc ]]; then configs+=(cuda); fi
if command -v hipcc >/dev/null && command -v clang++-15 >/dev/null; then configs+=(hip); fi
if command -v clang++-14 >/dev/null; then configs+=(fuzz); fi
if [[ -n ${UNIMEM_CHECK_CONFIGS:-} ]]; then read -r -a configs <<<"$UNIMEM_CHECK_CONFIGS"; fi

jobs=$(nproc)
passed=0 failed=0 broken=()

# One package check: a description and a command; counted like a test.
package_step() {
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then
    echo "package: $what: ok"
    passed=$((passed + 1))
  else
    echo "package: $what: FAILED"
    failed=$((failed + 1))
    broken+=("package ($what)")
  fi
}

check_docs() {
  local out summary
  out=$(python3 scripts/doc_examples.py build/cpu 2>&1) || true  # failures are counted below, not fatal
  echo "$out"
  summary=$(tail -n 1 <<<"$out")
  passed=$((passed + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$summary")))
  local bad
  bad=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$summary")
  failed=$((failed + bad))
  ((bad == 0)) || broken+=("docs (examples)")
  rm -rf build/doxygen && mkdir -p build/doxygen
  if doxygen docs/Doxyfile >/dev/null 2>&1 && [[ ! -s build/doxygen/warnings.log ]]; then
    echo "docs: doxygen: no warnings"
    passed=$((passed + 1))
  else
    echo "docs: doxygen warnings:" && head -20 build/doxygen/warnings.log
    failed=$((failed + 1))
    broken+=("docs (doxygen)")
  fi
}

# The README's main job: on the cpu build just tested, or the cuda one where a GPU and nvcc are.
check_tour() {
  if bash scripts/tour.sh >build/tour.log 2>&1; then
    tail -n 1 build/tour.log  # "tour: N samples, 0 failed"
    passed=$((passed + 1))
  else
    echo "tour: FAILED" && tail -n 20 build/tour.log
    failed=$((failed + 1))
    broken+=("tour")
  fi
}

check_package() {
  local prefix
  prefix=$(mktemp -d)
  rm -rf build/consumer && mkdir -p build/consumer
  cmake --install build/cpu --prefix "$prefix" >/dev/null
  package_step "find_package" bash -c "cmake -S samples/consumer -B build/consumer/fp -G Ninja -DCMAKE_PREFIX_PATH='$prefix' && cmake --build build/consumer/fp && build/consumer/fp/consumer"
  package_step "pkg-config" bash -c "c++ -std=c++20 samples/consumer/main.cpp \$(PKG_CONFIG_PATH='$prefix/lib/pkgconfig' pkg-config --cflags --libs unimem) -o build/consumer/pc && build/consumer/pc"
  package_step "add_subdirectory" bash -c "cmake -S samples/consumer -B build/consumer/sub -G Ninja -DUNIMEM_SOURCE_DIR='$PWD' -DUNIMEM_CUDA=OFF -DUNIMEM_HIP=OFF && cmake --build build/consumer/sub -j $jobs && build/consumer/sub/consumer"
  package_step "installed tool" bash -c "'$prefix/bin/unimem' info && '$prefix/bin/unimem' bench cache --filter '^hit/' --min-time 0.01 --out build/consumer/bench && test -s build/consumer/bench/cache_bench.png"
  rm -rf "$prefix"
}
for c in "${configs[@]}"; do
  echo "=== $c: configure and build"
  start=$SECONDS
  if ! cmake --preset "$c" >/dev/null || ! cmake --build --preset "$c" -j "$jobs"; then
    broken+=("$c (build)")
    continue
  fi
  if [[ $c == fuzz ]]; then
    for f in build/fuzz/tests/fuzz/*_fuzz; do
      echo "=== fuzz: $(basename "$f") for ${UNIMEM_FUZZ_SECONDS:-30} s"
      corpus=$(mktemp -d)
      if "$f" -max_total_time="${UNIMEM_FUZZ_SECONDS:-30}" -rss_limit_mb=4096 -artifact_prefix="build/fuzz/" "$corpus" 2>&1 | tail -n 2; then
        passed=$((passed + 1))
      else
        failed=$((failed + 1))
        broken+=("fuzz ($(basename "$f"): crash input in build/fuzz/)")
      fi
      rm -rf "$corpus"
    done
    continue
  fi
  echo "=== $c: test"
  log=$(mktemp)
  ctest --preset "$c" 2>&1 | tee "$log" || broken+=("$c (tests)")
  # ctest's summary: "100% tests passed, 0 tests failed out of 55"
  if summary=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -n 1); then
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
    bad=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<<"$summary")
    passed=$((passed + total - bad))
    failed=$((failed + bad))
  else
    broken+=("$c (no test summary)")
  fi
  rm -f "$log"
  if [[ $c == cpu ]]; then
    check_package
    check_docs
    check_tour
  fi
  echo "=== $c: done in $((SECONDS - start)) s"
done

for b in "${broken[@]}"; do echo "check: FAILED configuration: $b"; done
echo "check: $passed passed, $failed failed"
[[ ${#broken[@]} -eq 0 && $failed -eq 0 ]]
