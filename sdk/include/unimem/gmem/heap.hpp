// gmem::Heap: the C++ face of heap.h (jemalloc-backed; see there for the rules). Heap::host() is the
// shared host heap; Heap::create(source) owns an arena over a source; Heap::managed<V>() (defined by
// unimem::cuda / unimem::hip) is one over the GPU runtime's managed memory.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <utility>

#include "unimem/core/error.hpp"
#include "unimem/gmem/heap.h"
#include "unimem/memory/detail/gpu_runtime.hpp"

namespace unimem::gmem {

class Heap {
 public:
  /// @brief The process's host heap (jemalloc's arenas); not owned, never destroyed. Its malloc and
  /// free call jemalloc directly (unimem_heap_host_fast_path), not through the library.
  static Heap host() noexcept { return Heap(unimem_heap_host(), false, unimem_heap_host_fast_path()); }

  /// @brief A heap whose memory comes from @p source (which must outlive it).
  static Result<Heap> create(const unimem_extent_source &source) {
    if (unimem_heap *h = unimem_heap_create(&source)) return Heap(h, true);
    const int err = errno;
    return Error::from_errno(err == ENOMEM ? Errc::out_of_memory
                             : err == EAGAIN ? Errc::capacity_exceeded
                                             : Errc::invalid_argument,
                             "cannot create a heap", err);
  }

  /// @brief A heap over vendor V's managed memory (no_device without a GPU).
  template <GpuVendor V>
  static Result<Heap> managed();

  /// A moved-from heap allocates nothing (null, errno EINVAL) and frees nothing.
  Heap(Heap &&o) noexcept : h_(std::exchange(o.h_, nullptr)), owned_(o.owned_), fast_(std::exchange(o.fast_, {})) {}
  Heap &operator=(Heap &&o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, nullptr);
      owned_ = o.owned_;
      fast_ = std::exchange(o.fast_, {});
    }
    return *this;
  }
  Heap(const Heap &) = delete;
  Heap &operator=(const Heap &) = delete;
  ~Heap() { reset(); }

  void *malloc(std::size_t size) noexcept { return fast_.malloc ? fast_.malloc(size) : unimem_heap_malloc(h_, size); }
  void *calloc(std::size_t count, std::size_t size) noexcept { return unimem_heap_calloc(h_, count, size); }
  void *realloc(void *block, std::size_t size) noexcept { return unimem_heap_realloc(h_, block, size); }
  void *aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
    return unimem_heap_aligned_alloc(h_, alignment, size);
  }
  void free(void *block) noexcept { fast_.free ? fast_.free(block) : unimem_heap_free(h_, block); }
  std::size_t usable_size(const void *block) const noexcept { return unimem_heap_usable_size(h_, block); }
  unimem_heap_stats stats() const noexcept { return unimem_heap_get_stats(h_); }
  unimem_heap *native() const noexcept { return h_; }

 private:
  Heap(unimem_heap *h, bool owned, unimem_heap_fast_path fast = {}) noexcept : h_(h), owned_(owned), fast_(fast) {}
  void reset() noexcept {
    if (owned_ && h_ != nullptr) unimem_heap_destroy(h_);
    h_ = nullptr;
  }
  unimem_heap *h_;
  bool owned_;
  unimem_heap_fast_path fast_;  // the host heap's direct path, or none
};

}  // namespace unimem::gmem
