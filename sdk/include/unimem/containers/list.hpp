// list<T, A>: a doubly linked list whose nodes and state live in an allocator's region.
//
// Layout (in the region; links are offsets):
//   struct list_links { OffsetPtr<list_links> prev, next; }
//   struct node : list_links { T value; }                   one allocation per element
//   struct list_state { uint64 tag; list_links sentinel; uint64 size; }
// The list is circular through state.sentinel, so end() is the sentinel and needs no null checks.
// The handle is {state address here, allocator}: trivially copyable, owns nothing; destroy() frees.
//
// Concurrency: as std::list. Many readers, or one writer that excludes every other user.
// Iterator invalidation: as std::list. Only erasing an element invalidates iterators to it.
// Errors: operations that allocate return false / nullptr / a null iterator (iterator{}) when the
// region is full, and change nothing; pop_front / pop_back on an empty list return false and
// erase(end()) erases nothing (std leaves both undefined).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <new>
#include <string_view>
#include <type_traits>

#include "unimem/containers/detail/allocator_ref.hpp"
#include "unimem/containers/detail/region_object.hpp"
#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/offset_ptr.hpp"

namespace unimem {
namespace detail {
struct list_links {
  OffsetPtr<list_links> prev;
  OffsetPtr<list_links> next;
};
struct list_state {
  std::uint64_t tag;
  list_links sentinel;
  std::uint64_t size;
};
}  // namespace detail

template <class T, class A = ThreadLocalAllocator>
class list : public detail::RegionObject<list<T, A>, detail::list_state, A> {
  static_assert(std::is_trivially_copyable_v<T>, "unimem::list<T>: T must be trivially copyable (see vector.hpp)");
  using base = detail::RegionObject<list<T, A>, detail::list_state, A>;
  using base::a_;
  using base::s_;
  using links = detail::list_links;
  struct node : links {
    T value;
  };

 public:
  using typename base::state;
  static constexpr std::uint64_t kTypeTag = detail::type_tag<T>("unimem::list");
  static constexpr std::string_view kName = "list";
  template <class B>
  using rebound = list<T, B>;

  template <bool Const>
  class basic_iterator {
   public:
    using iterator_category = std::bidirectional_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = std::conditional_t<Const, const T *, T *>;
    using reference = std::conditional_t<Const, const T &, T &>;

    basic_iterator() = default;
    UNIMEM_HOST_DEVICE basic_iterator(links *p, char *base) noexcept : p_(p), base_(base) {}
    /// iterator converts to const_iterator.
    template <bool C>
      requires(Const && !C)
    UNIMEM_HOST_DEVICE basic_iterator(const basic_iterator<C> &o) noexcept : p_(o.p_), base_(o.base_) {}

    UNIMEM_HOST_DEVICE reference operator*() const noexcept { return static_cast<node *>(p_)->value; }
    UNIMEM_HOST_DEVICE pointer operator->() const noexcept { return &static_cast<node *>(p_)->value; }
    UNIMEM_HOST_DEVICE basic_iterator &operator++() noexcept { p_ = p_->next.get_unchecked(base_); return *this; }
    UNIMEM_HOST_DEVICE basic_iterator &operator--() noexcept { p_ = p_->prev.get_unchecked(base_); return *this; }
    UNIMEM_HOST_DEVICE basic_iterator operator++(int) noexcept { basic_iterator t = *this; ++*this; return t; }
    UNIMEM_HOST_DEVICE basic_iterator operator--(int) noexcept { basic_iterator t = *this; --*this; return t; }
    UNIMEM_HOST_DEVICE bool operator==(const basic_iterator &o) const noexcept { return p_ == o.p_; }

   private:
    friend class list;
    template <bool>
    friend class basic_iterator;
    links *p_ = nullptr;
    char *base_ = nullptr;
  };
  using value_type = T;
  using size_type = std::size_t;
  using reference = T &;
  using const_reference = const T &;
  using iterator = basic_iterator<false>;
  using const_iterator = basic_iterator<true>;

  list() = default;

  static Result<list> create(A &alloc) {
    const detail::AllocatorRef<A> a(alloc);
    auto s = base::new_state(a);
    if (!s) return s.error();
    list l(*s, a);
    l.sentinel()->prev = l.sentinel()->next = a.offset(l.sentinel());
    return l;
  }
  void destroy() noexcept {
    if (!base::claim_state()) return;
    clear();
    base::release_state();
  }

  UNIMEM_HOST_DEVICE size_type size() const noexcept { return s_->size; }
  UNIMEM_HOST_DEVICE bool empty() const noexcept { return s_->size == 0; }
  UNIMEM_HOST_DEVICE iterator begin() const noexcept { return {at(sentinel()->next), a_.base()}; }
  UNIMEM_HOST_DEVICE iterator end() const noexcept { return {sentinel(), a_.base()}; }
  UNIMEM_HOST_DEVICE const_iterator cbegin() const noexcept { return begin(); }
  UNIMEM_HOST_DEVICE const_iterator cend() const noexcept { return end(); }
  UNIMEM_HOST_DEVICE T &front() const noexcept { return *begin(); }
  UNIMEM_HOST_DEVICE T &back() const noexcept { return *--end(); }

  UNIMEM_HOST_DEVICE bool push_back(const T &v) noexcept { return emplace(end(), v).p_ != nullptr; }
  UNIMEM_HOST_DEVICE bool push_front(const T &v) noexcept { return emplace(begin(), v).p_ != nullptr; }
  template <class... Args>
  UNIMEM_HOST_DEVICE T *emplace_back(Args &&...args) noexcept {
    const iterator it = emplace(end(), static_cast<Args &&>(args)...);
    return it.p_ ? &*it : nullptr;
  }
  template <class... Args>
  UNIMEM_HOST_DEVICE T *emplace_front(Args &&...args) noexcept {
    const iterator it = emplace(begin(), static_cast<Args &&>(args)...);
    return it.p_ ? &*it : nullptr;
  }
  UNIMEM_HOST_DEVICE iterator insert(const_iterator pos, const T &v) noexcept { return emplace(pos, v); }
  /// @return the new element, or iterator{} when out of memory.
  template <class... Args>
  UNIMEM_HOST_DEVICE iterator emplace(const_iterator pos, Args &&...args) noexcept {
    const OffsetPtr<void> off = a_.allocate(sizeof(node), alignof(node));
    if (off.is_null()) return {};
    node *n = static_cast<node *>(a_.address(off));
    ::new (&n->value) T(static_cast<Args &&>(args)...);
    links *next = pos.p_;
    links *prev = at(next->prev);
    n->prev = next->prev;
    n->next = a_.offset(next);
    prev->next = off.template cast<links>();
    next->prev = off.template cast<links>();
    ++s_->size;
    return {n, a_.base()};
  }
  /// @return the element after the erased one; erase(end()) erases nothing and returns end().
  UNIMEM_HOST_DEVICE iterator erase(const_iterator pos) noexcept {
    links *victim = pos.p_;
    if (victim == sentinel()) return end();
    links *prev = at(victim->prev);
    links *next = at(victim->next);
    prev->next = victim->next;
    next->prev = victim->prev;
    --s_->size;
    (void)a_.deallocate(a_.offset(victim).template cast<void>());
    return {next, a_.base()};
  }
  /// @return false (nothing changed) when the list is empty; so does pop_back.
  UNIMEM_HOST_DEVICE bool pop_front() noexcept { return !empty() && (erase(begin()), true); }
  UNIMEM_HOST_DEVICE bool pop_back() noexcept { return !empty() && (erase(--end()), true); }
  UNIMEM_HOST_DEVICE void clear() noexcept {
    while (begin() != end()) erase(begin());  // by the links, not the size: a damaged size cannot make it spin
    s_->size = 0;
  }
  /// @brief Erases every element equal to @p v. @return how many.
  UNIMEM_HOST_DEVICE size_type remove(const T &v) noexcept {
    size_type n = 0;
    for (iterator it = begin(); it != end();) {
      if (*it == v) {
        it = erase(it);
        ++n;
      } else {
        ++it;
      }
    }
    return n;
  }

 private:
  template <class, class, class>
  friend class detail::RegionObject;
  UNIMEM_HOST_DEVICE list(state *s, detail::AllocatorRef<A> a) noexcept : base(s, a) {}
  /// What is out of range in a state another process wrote, or null (attach's check): the
  /// sentinel's links lead to itself or to nodes in the region (the chain beyond is not walked).
  static const char *damage(A &alloc, const state &s) {
    const auto self = reinterpret_cast<std::uint64_t>(&s.sentinel) - reinterpret_cast<std::uint64_t>(alloc.base());
    for (const OffsetPtr<links> link : {s.sentinel.prev, s.sentinel.next}) {
      if (link.offset() != self && !detail::holds_range(alloc, link.offset(), sizeof(node), alignof(node))) {
        return "the sentinel links outside the region";
      }
    }
    return nullptr;
  }
  UNIMEM_HOST_DEVICE links *sentinel() const noexcept { return &s_->sentinel; }
  UNIMEM_HOST_DEVICE links *at(OffsetPtr<links> p) const noexcept { return a_.address(p); }
};

}  // namespace unimem
