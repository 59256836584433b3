// What every container shares: its state block lives in the allocator's region and starts with a
// type tag, so that attaching by offset (or by name, through Directory) checks that the offset
// really holds this kind of container before anything reads it; and its handle is the pair
// {state address here, allocator}, trivially copyable, rebindable to another view of the same
// region (another process, or the device addresses a kernel uses).
#pragma once

#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>

#include "unimem/containers/detail/allocator_ref.hpp"
#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/offset_ptr.hpp"

namespace unimem::detail {

/// What a scalar is, as every ABI agrees: 1 floating point, 2 signed, 3 unsigned integer, 4 bool,
/// 5 pointer, 6 enum, 8 character (plain char's sign differs between ABIs); 0 for classes and the
/// rest, which keeps their tags (the Directory's among them) as they were before kinds were added.
template <class T>
constexpr std::uint64_t scalar_kind() noexcept {
  if constexpr (std::is_same_v<T, bool>) return 4;
  else if constexpr (std::is_same_v<T, char> || std::is_same_v<T, wchar_t> || std::is_same_v<T, char8_t> ||
                     std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t>) return 8;
  else if constexpr (std::is_floating_point_v<T>) return 1;
  else if constexpr (std::is_integral_v<T>) return std::is_signed_v<T> ? 2 : 3;
  else if constexpr (std::is_pointer_v<T>) return 5;
  else if constexpr (std::is_enum_v<T>) return 6;
  else return 0;
}

/// A tag for a container kind and its element types' sizes, alignments and scalar kinds: enough to
/// tell a vector<int> from a vector<float>, a vector<unsigned> or a list<int>, in every process and
/// compiler. Two structs of one size and alignment, or two maps with other hash functions, share a
/// tag: naming the right type is the caller's part. Containers of scalars made by a build before
/// the kinds do not attach (invalid_argument); their data is intact.
template <class... Ts>
constexpr std::uint64_t type_tag(std::string_view kind) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : kind) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  ((h = (h ^ (scalar_kind<std::remove_cv_t<Ts>>() << 40 | sizeof(Ts) << 8 | alignof(Ts))) * 0x100000001b3ull), ...);
  return h | 1;  // never 0, the tag of a destroyed or never-created state
}

/// Allocates and value-initialises a State in @p a's region and stamps it with @p tag.
template <class State, class A>
Result<State *> create_state(const AllocatorRef<A> &a, std::uint64_t tag, std::string_view what) {
  const OffsetPtr<void> off = a.allocate(sizeof(State), alignof(State));
  if (off.is_null()) return Error(Errc::out_of_memory, std::string(what) + ": no room for its state");
  State *s = ::new (a.address(off)) State{};
  s->tag = tag;
  return s;
}

/// The State at @p at in @p alloc's region, if it lies inside the region and carries @p tag.
template <class State, class A>
Result<State *> find_state(A &alloc, OffsetPtr<State> at, std::uint64_t tag, std::string_view what) {
  if (at.is_null() || at.offset() % alignof(State) != 0 || at.offset() > alloc.extent() ||
      alloc.extent() - at.offset() < sizeof(State)) {
    return Error(Errc::invalid_argument, std::string(what) + ": offset " + std::to_string(at.offset()) +
                                             " is not an aligned state inside the region");
  }
  // Without a region (MallocAllocator: offsets are addresses) the range check proves nothing: the
  // state must be one of the allocator's live blocks.
  if constexpr (requires { alloc.usable_size(at.template cast<void>()); }) {
    if (alloc.base() == nullptr && alloc.usable_size(at.template cast<void>()) < sizeof(State)) {
      return Error(Errc::invalid_argument, std::string(what) + ": offset " + std::to_string(at.offset()) +
                                               " is not a block of this allocator");
    }
  }
  State *s = at.get_unchecked(alloc.base());
  if (s->tag != tag) {
    return Error(Errc::invalid_argument,
                 std::string(what) + ": offset " + std::to_string(at.offset()) + " does not hold one (wrong type or destroyed)");
  }
  return s;
}

/// Whether [@p off, @p off + @p bytes) lies in @p alloc's region (for a region-less allocator, in
/// one of its live blocks) and @p off is aligned to @p align: attach's check of a state's blocks.
template <class A>
bool holds_range(A &alloc, std::uint64_t off, std::uint64_t bytes, std::size_t align) {
  if (off % align != 0) return false;
  if constexpr (requires { alloc.usable_size(OffsetPtr<void>(off)); }) {
    if (alloc.base() == nullptr) return alloc.usable_size(OffsetPtr<void>(off)) >= bytes;
  }
  return off <= alloc.extent() && alloc.extent() - off >= bytes;
}

/// attach's error for a state whose fields no container of this kind could have written.
inline Error damaged_state(std::string_view what, std::uint64_t offset, std::string_view why) {
  return Error(Errc::corrupt, std::string(what) + ": the state at offset " + std::to_string(offset) +
                                  " is damaged (" + std::string(why) + ")");
}

/// Clears the tag (a later attach fails cleanly) and frees the state block.
template <class State, class A>
void destroy_state(const AllocatorRef<A> &a, State *s) noexcept {
  s->tag = 0;
  (void)a.deallocate(a.offset(s).template cast<void>());
}

/// The handle part every container shares: {state address here, allocator}, attach by offset and
/// rebind. Derived declares kTypeTag, kName, `template <class B> using rebound = ...`,
/// `static const char *damage(A &, const State &)` (what is out of range in a state, or null), and
/// befriends this class so that it can call those and Derived's (state *, AllocatorRef) constructor.
template <class Derived, class State, class A>
class RegionObject {
 public:
  using state = State;
  using allocator_type = A;

  /// @brief The container whose state is at @p at in @p alloc's region (written by any process):
  /// invalid_argument if the offset is outside the region or holds something else, corrupt if its
  /// fields are out of range (sizes, capacities, blocks outside the region). Elements themselves
  /// are not read: a damaged element block is not detected.
  static Result<Derived> attach(A &alloc, OffsetPtr<State> at) {
    auto s = find_state(alloc, at, Derived::kTypeTag, Derived::kName);
    if (!s) return s.error();
    if (const char *why = Derived::damage(alloc, **s)) return damaged_state(Derived::kName, at.offset(), why);
    return Derived(*s, AllocatorRef<A>(alloc));
  }
  /// @brief The same container seen through @p other, another handle on the same region: e.g. the
  /// allocator's device_ref() for a kernel, or ref() for code with explicit thread ids.
  template <class B>
  UNIMEM_HOST_DEVICE auto rebind(B &other) const noexcept {
    using R = typename Derived::template rebound<B>;
    return R(offset().get_unchecked(other.base()), AllocatorRef<B>(other));
  }
  /// @brief The state's offset in the region: what another process passes to attach().
  UNIMEM_HOST_DEVICE OffsetPtr<State> offset() const noexcept { return a_.offset(s_); }
  /// @brief False for a default-constructed or destroyed handle.
  UNIMEM_HOST_DEVICE bool valid() const noexcept { return s_ != nullptr; }
  UNIMEM_HOST_DEVICE A &get_allocator() const noexcept { return a_.get(); }

 protected:
  RegionObject() = default;
  UNIMEM_HOST_DEVICE RegionObject(State *s, AllocatorRef<A> a) noexcept : s_(s), a_(a) {}

  /// A fresh state, stamped, or out_of_memory.
  static Result<State *> new_state(const AllocatorRef<A> &a) {
    return create_state<State>(a, Derived::kTypeTag, Derived::kName);
  }
  /// The first step of destroy(): clears the state's tag if it still holds this container's, so that
  /// of two handles racing to destroy one container in a region exactly one does (a region-less
  /// allocator may free the block between its check and the CAS: that race is the caller's). A
  /// handle whose container was
  /// destroyed through another (a copy, or Directory::destroy) claims nothing and reads none of the
  /// freed state's fields, as long as the block has not been handed out again: a freed region block
  /// starts with the heap's free-list link, never an odd tag, and a freed block of a region-less
  /// allocator is not a live block any more. (A new container of the same type in the reused block
  /// would be claimed: this catches mistakes, it is no licence to destroy twice.) Nulls this handle
  /// when it fails.
  bool claim_state(std::uint64_t tag = Derived::kTypeTag) noexcept {
    if (s_ == nullptr) return false;
    // Without a region the state is a heap block of its own: once freed it is not to be read.
    if (!holds_range(a_.get(), a_.offset(s_).offset(), sizeof(State), alignof(State))) {
      s_ = nullptr;
      return false;
    }
    if (__atomic_compare_exchange_n(&s_->tag, &tag, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) return true;
    s_ = nullptr;
    return false;
  }
  /// Frees the claimed state (the derived class has freed what it points to) and nulls this handle.
  void release_state() noexcept {
    (void)a_.deallocate(a_.offset(s_).template cast<void>());
    s_ = nullptr;
  }

  State *s_ = nullptr;
  AllocatorRef<A> a_{};
};

}  // namespace unimem::detail
