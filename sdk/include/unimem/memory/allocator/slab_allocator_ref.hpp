// SlabAllocatorRef: a trivially copyable reference to a ThreadLocalAllocator or ScalablePageAllocator
// that kernels receive by value (and host threads may use too). Each call locks the shared cache
// slot its thread id maps to (slot = host_slots + tid % shared_slots), so GPU threads, emulated
// threads and explicit thread ids never share a cache at the same time. With ScalablePageAllocator
// there is one slot: every call takes the allocator's one lock.
//
// All calls are UNIMEM_HOST_DEVICE and never throw: failure is a null offset or a non-ok Errc.
// Memory returned is addressed from base(): the host base on the host, the device base in kernels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/detail/slab_heap.hpp"
#include "unimem/memory/allocator/mem_context.hpp"
#include "unimem/memory/allocator_id.hpp"
#include "unimem/memory/offset_ptr.hpp"
#include "unimem/thread/this_thread.hpp"

namespace unimem {

class SlabAllocatorRef {
 public:
  SlabAllocatorRef() = default;
  UNIMEM_HOST_DEVICE SlabAllocatorRef(detail::SlabHeap heap, AllocatorId id) noexcept : heap_(heap), id_(id) {}

  UNIMEM_HOST_DEVICE AllocatorId id() const noexcept { return id_; }
  UNIMEM_HOST_DEVICE char *base() const noexcept { return heap_.v.base; }

  UNIMEM_HOST_DEVICE OffsetPtr<void> allocate_offset(const MemContext &ctx, std::size_t bytes) const noexcept {
    return aligned_allocate_offset(ctx, bytes, 16);
  }
  UNIMEM_HOST_DEVICE OffsetPtr<void> aligned_allocate_offset(const MemContext &ctx, std::size_t bytes,
                                                             std::size_t alignment) const noexcept {
    if (!detail::servable_alignment(reinterpret_cast<std::uintptr_t>(base()), alignment)) return {};
    const std::uint32_t s = lock_slot(ctx);
    const std::uint64_t off = heap_.allocate(s, bytes, alignment);
    unlock_slot(s);
    return to_offset(off);
  }
  UNIMEM_HOST_DEVICE OffsetPtr<void> reallocate_offset(const MemContext &ctx, OffsetPtr<void> p,
                                                       std::size_t bytes) const noexcept {
    if (p.is_null()) return allocate_offset(ctx, bytes);
    const std::uint32_t s = lock_slot(ctx);
    detail::FreeStatus st;
    const std::uint64_t off = heap_.reallocate(s, p.offset(), bytes, st);
    unlock_slot(s);
    return to_offset(off);
  }
  UNIMEM_HOST_DEVICE Errc free_offset(const MemContext &ctx, OffsetPtr<void> p) const noexcept {
    if (p.is_null()) return Errc::ok;
    const std::uint32_t s = lock_slot(ctx);
    const detail::FreeStatus st = heap_.free(s, p.offset());
    unlock_slot(s);
    return st == detail::FreeStatus::ok ? Errc::ok : Errc::invalid_argument;
  }

  /// Thread caches of shared slots are created with the allocator; nothing to do per thread.
  UNIMEM_HOST_DEVICE void create_tls(MemContext &) const noexcept {}
  UNIMEM_HOST_DEVICE void free_tls(const MemContext &) const noexcept {}

 private:
  UNIMEM_HOST_DEVICE static OffsetPtr<void> to_offset(std::uint64_t off) noexcept {
    return off == detail::kNullLink ? OffsetPtr<void>() : OffsetPtr<void>(off);
  }
  UNIMEM_HOST_DEVICE std::uint32_t lock_slot(const MemContext &ctx) const noexcept {
    const std::uint64_t tid = ctx.tid.is_null() ? this_thread::id().value : ctx.tid.value;
    const std::uint32_t s = heap_.v.h->host_slots + static_cast<std::uint32_t>(tid % heap_.v.h->shared_slots);
    heap_.v.slots[s].owner.lock();  // a dead holder is taken over (robust); its half-done operation may leak a block
    return s;
  }
  UNIMEM_HOST_DEVICE void unlock_slot(std::uint32_t s) const noexcept { heap_.v.slots[s].owner.unlock(); }

  detail::SlabHeap heap_{};
  AllocatorId id_{};
};

static_assert(std::is_trivially_copyable_v<SlabAllocatorRef>);

}  // namespace unimem
