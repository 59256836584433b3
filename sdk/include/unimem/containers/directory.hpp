// Directory<A>: the named root of a region. It maps names to containers (their kind and the offset
// of their state), so a process that attaches the region finds them by name and uses them in place.
//
// Layout (in the region):
//   allocator root word  -> struct directory_state { uint64 tag; Mutex lock; OffsetPtr<entries> entries; }
//   entries              a vector<directory_entry>: { char name[64]; uint64 type_tag; uint64 offset; }
// Publication: the first open() in any process builds the state and compare-exchanges its offset
// into the allocator's root word (0 -> offset); a loser frees its copy and uses the winner's.
// Concurrency: every operation holds the directory's robust Mutex, so threads of any process may
// use it at once (host only). A process that dies inside an operation leaves at most the entry it
// was adding or removing half-done; the next user takes the lock over.
// Lookups check the kind: finding a vector<int> as a list<int> or a vector<double> is an error.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "unimem/containers/detail/region_object.hpp"
#include "unimem/containers/vector.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/thread/mutex.hpp"

namespace unimem {

struct directory_entry {
  static constexpr std::size_t kMaxName = 63;
  char name[kMaxName + 1];
  std::uint64_t type_tag;
  std::uint64_t offset;
};

template <class A = ThreadLocalAllocator>
  requires requires(A &a) { a.root(); }
class Directory {
  using entries_type = vector<directory_entry, A>;

 public:
  struct state {
    std::uint64_t tag;
    Mutex lock;
    OffsetPtr<typename entries_type::state> entries;
  };
  // ".v2": its entries are a vector of the state-relative layout (vector.hpp).
  static constexpr std::uint64_t kTypeTag = detail::type_tag<directory_entry>("unimem::Directory.v2");

  /// @brief The region's directory, created on first use by any process.
  static Result<Directory> open(A &alloc) {
    const detail::AllocatorRef<A> a(alloc);
    if (const std::uint64_t root = alloc.root().load(std::memory_order_acquire)) return attach(alloc, root);
    auto s = detail::create_state<state>(a, kTypeTag, "directory");
    if (!s) return s.error();
    auto entries = entries_type::create(alloc, 8);
    if (!entries) {
      detail::destroy_state(a, *s);
      return entries.error();
    }
    (*s)->entries = entries->offset();
    std::uint64_t expected = 0;
    const std::uint64_t mine = a.offset(*s).offset();
    if (alloc.root().compare_exchange_strong(expected, mine, std::memory_order_acq_rel)) return Directory(alloc, *s);
    entries->destroy();  // another process published first
    detail::destroy_state(a, *s);
    return attach(alloc, expected);
  }

  /// @brief Creates a container with C::create(alloc, args...) and names it. already_exists if the name is taken.
  template <class C, class... Args>
  Result<C> create(std::string_view name, Args &&...args) {
    if (auto ok = check_name(name); !ok) return ok.error();
    ScopedLock guard(s_->lock);
    auto entries = open_entries();
    if (!entries) return entries.error();
    if (lookup(*entries, name)) {
      return Error(Errc::already_exists, "directory: '" + std::string(name) + "' already names a container");
    }
    auto c = C::create(*alloc_, static_cast<Args &&>(args)...);
    if (!c) return c.error();
    directory_entry e{};
    std::memcpy(e.name, name.data(), name.size());
    e.type_tag = C::kTypeTag;
    e.offset = c->offset().offset();
    if (!entries->push_back(e)) {
      c->destroy();
      return Error(Errc::out_of_memory, "directory: no room to name '" + std::string(name) + "'");
    }
    return c;
  }
  /// @brief The container named @p name: not_found, or invalid_argument if it is of another kind.
  template <class C>
  Result<C> find(std::string_view name) {
    ScopedLock guard(s_->lock);
    return find_locked<C>(name);
  }
  /// @brief find(), or create() when the name is free, atomically with respect to other processes.
  template <class C, class... Args>
  Result<C> find_or_create(std::string_view name, Args &&...args) {
    {
      ScopedLock guard(s_->lock);
      auto found = find_locked<C>(name);
      if (found || found.error().code() != Errc::not_found) return found;
    }
    auto made = create<C>(name, static_cast<Args &&>(args)...);
    if (!made && made.error().code() == Errc::already_exists) return find<C>(name);  // lost a race
    return made;
  }
  /// @brief Destroys the container named @p name (as a C) and forgets the name. find's errors (a
  /// damaged container is corrupt) keep the name; remove() forgets it without touching the container.
  template <class C>
  Result<void> destroy(std::string_view name) {
    ScopedLock guard(s_->lock);
    auto c = find_locked<C>(name);
    if (!c) return c.error();
    c->destroy();
    forget_locked(name);
    return success();
  }
  /// @brief Forgets @p name without touching its container. not_found if it is not there.
  Result<void> remove(std::string_view name) {
    ScopedLock guard(s_->lock);
    if (!forget_locked(name)) return Error(Errc::not_found, "directory: no container named '" + std::string(name) + "'");
    return success();
  }
  /// @brief The names, in creation order (removals move the last name into the gap).
  std::vector<std::string> names() {
    ScopedLock guard(s_->lock);
    std::vector<std::string> out;
    if (auto entries = open_entries()) {
      for (const directory_entry &e : *entries) out.emplace_back(e.name, strnlen(e.name, sizeof e.name));
    }
    return out;
  }

 private:
  Directory(A &alloc, state *s) noexcept : alloc_(&alloc), s_(s) {}

  static Result<Directory> attach(A &alloc, std::uint64_t root) {
    auto s = detail::find_state(alloc, OffsetPtr<state>(root), kTypeTag, "directory");
    if (!s) return s.error();
    return Directory(alloc, *s);
  }
  static Result<void> check_name(std::string_view name) {
    if (name.empty() || name.size() > directory_entry::kMaxName || name.find('\0') != std::string_view::npos) {
      return Error(Errc::invalid_argument, "directory: name '" + std::string(name) + "' must have 1 to " +
                                               std::to_string(directory_entry::kMaxName) + " bytes and no NUL");
    }
    return success();
  }
  Result<entries_type> open_entries() { return entries_type::attach(*alloc_, s_->entries); }
  static directory_entry *lookup(entries_type &entries, std::string_view name) {
    for (directory_entry &e : entries) {
      // Bounded: a damaged entry without its NUL must not be read past its name field.
      if (name == std::string_view(e.name, strnlen(e.name, sizeof e.name))) return &e;
    }
    return nullptr;
  }
  template <class C>
  Result<C> find_locked(std::string_view name) {
    auto entries = open_entries();
    if (!entries) return entries.error();
    const directory_entry *e = lookup(*entries, name);
    if (!e) return Error(Errc::not_found, "directory: no container named '" + std::string(name) + "'");
    if (e->type_tag != C::kTypeTag) {
      return Error(Errc::invalid_argument, "directory: '" + std::string(name) + "' is a different kind of container");
    }
    return C::attach(*alloc_, OffsetPtr<typename C::state>(e->offset));
  }
  bool forget_locked(std::string_view name) {
    auto entries = open_entries();
    if (!entries) return false;
    directory_entry *e = lookup(*entries, name);
    if (!e) return false;
    *e = entries->back();
    entries->pop_back();
    return true;
  }

  A *alloc_;
  state *s_;
};

}  // namespace unimem
