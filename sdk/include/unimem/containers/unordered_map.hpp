// unordered_map<K, V, A, Hash, KeyEqual>: an open-addressing hash map in an allocator's region that
// many host threads, processes and GPU threads insert into, probe and erase from at the same time.
//
// Layout (in the region; one block for the table):
//   struct state { uint64 tag; OffsetPtr<Atomic<uint32>> ctrl; OffsetPtr<pair<const K, V>> slots;
//                  uint64 capacity; Atomic<uint64> size, used; uint32 max_load_percent, growth; }
//   ctrl[capacity]   one control word per slot, probed alone (16 per cache line)
//   slots[capacity]  the key/value pairs
// capacity is a power of two; a key's probe sequence is linear from hash & (capacity - 1).
//
// Control word: 0 empty; 1 busy (claimed, the pair is being written); 2 erased (a tombstone);
// otherwise full = 0x80000000 | 30 hash bits (the fingerprint), with 0x40000000 set while a writer
// assigns the value. Only these transitions exist between rehashes:
//   empty -> busy (CAS, one winner) -> full (release store, after the pair is written)
//   full <-> full|lock (value assignment, get())      full -> erased (CAS)
// So a key, once published, never moves or changes until rehash(): a find() that loaded `full`
// with acquire reads a complete pair, and its iterator stays readable even if the key is erased.
// Tombstones are not reused by insert (two racing inserts of one key could otherwise both succeed);
// rehash() and clear() remove them.
//
// Concurrency contract:
//   insert, emplace, insert_or_assign, find, contains, get, erase(key): any number of host threads,
//     processes and GPU threads at once. find/contains are lock-free; insert waits only for a slot
//     on its path that another insert has claimed and not yet published (a few stores; the winner
//     publishes in the same loop iteration, so SIMT lanes that wait on each other make progress);
//     insert_or_assign and get hold a per-slot lock while they copy the value.
//   Reading a value through an iterator is safe unless another thread assigns that key meanwhile
//     (use get() for a consistent copy then).
//   rehash, reserve, clear, destroy, iteration, erase(iterator), and every insert of a map created
//     with MapGrowth::automatic: one thread, no other user at the same time.
// Capacity: a MapGrowth::fixed map (the default, like cuco::static_map) never grows by itself:
//   insert returns {end(), false} once the slots used (including tombstones) reach the load
//   limit. MapGrowth::automatic rehashes on that insert instead (single writer, as above).
// Iterator invalidation: rehash, reserve, clear and automatic growth invalidate every iterator;
//   nothing else does.
// K and V must be trivially copyable; Hash and KeyEqual are default-constructed where they are
// used (stateless, as in cuco), and usable in kernels if the map is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <new>
#include <string_view>
#include <type_traits>

#include "unimem/containers/detail/allocator_ref.hpp"
#include "unimem/containers/detail/region_object.hpp"
#include "unimem/containers/hash.hpp"
#include "unimem/containers/pair.hpp"
#include "unimem/core/config.hpp"
#include "unimem/core/error.hpp"
#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/offset_ptr.hpp"
#include "unimem/thread/atomic.hpp"
#include "unimem/thread/this_thread.hpp"

namespace unimem {

enum class MapGrowth : std::uint32_t {
  fixed = 0,      ///< capacity changes only through reserve()/rehash(); inserts may run concurrently
  automatic = 1,  ///< insert rehashes when the load limit is reached; one writer at a time
};

namespace detail {
template <class Slot>
struct map_state {
  std::uint64_t tag;
  OffsetPtr<Atomic<std::uint32_t>> ctrl;
  OffsetPtr<Slot> slots;
  std::uint64_t capacity;
  Atomic<std::uint64_t> size;
  Atomic<std::uint64_t> used;  ///< slots not empty: full, busy or erased
  std::uint32_t max_load_percent;
  std::uint32_t growth;  ///< MapGrowth
};
}  // namespace detail

template <class K, class V, class A = ThreadLocalAllocator, class Hash = unimem::hash<K>,
          class KeyEqual = unimem::equal_to<K>>
class unordered_map
    : public detail::RegionObject<unordered_map<K, V, A, Hash, KeyEqual>, detail::map_state<pair<const K, V>>, A> {
  static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>,
                "unimem::unordered_map: keys and values must be trivially copyable");
  using base = detail::RegionObject<unordered_map, detail::map_state<pair<const K, V>>, A>;
  using base::a_;
  using base::s_;

 public:
  using key_type = K;
  using mapped_type = V;
  using value_type = pair<const K, V>;
  using size_type = std::size_t;
  using hasher = Hash;
  using key_equal = KeyEqual;
  using typename base::state;
  static constexpr std::uint64_t kTypeTag = detail::type_tag<K, V>("unimem::unordered_map");
  static constexpr std::string_view kName = "unordered_map";
  template <class B>
  using rebound = unordered_map<K, V, B, Hash, KeyEqual>;
  static constexpr std::uint32_t kDefaultMaxLoadPercent = 75;

  /// Iterators hold the table's addresses, not the handle, so they outlive the handle they came from.
  template <bool Const>
  class basic_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = unordered_map::value_type;
    using difference_type = std::ptrdiff_t;
    using reference = std::conditional_t<Const, const value_type &, value_type &>;
    using pointer = std::conditional_t<Const, const value_type *, value_type *>;

    basic_iterator() = default;
    /// iterator converts to const_iterator.
    template <bool C>
      requires(Const && !C)
    UNIMEM_HOST_DEVICE basic_iterator(const basic_iterator<C> &o) noexcept : ctrl_(o.ctrl_), slots_(o.slots_), cap_(o.cap_), i_(o.i_) {}
    UNIMEM_HOST_DEVICE reference operator*() const noexcept { return slots_[i_]; }
    UNIMEM_HOST_DEVICE pointer operator->() const noexcept { return &slots_[i_]; }
    UNIMEM_HOST_DEVICE basic_iterator &operator++() noexcept {
      i_ = next_full(ctrl_, cap_, i_ + 1);
      return *this;
    }
    UNIMEM_HOST_DEVICE basic_iterator operator++(int) noexcept { basic_iterator t = *this; ++*this; return t; }
    UNIMEM_HOST_DEVICE bool operator==(const basic_iterator &o) const noexcept { return i_ == o.i_; }
    /// @brief The slot index (stable until the next rehash).
    UNIMEM_HOST_DEVICE std::uint64_t index() const noexcept { return i_; }

   private:
    friend class unordered_map;
    template <bool>
    friend class basic_iterator;
    UNIMEM_HOST_DEVICE basic_iterator(Atomic<std::uint32_t> *ctrl, value_type *slots, std::uint64_t cap,
                                      std::uint64_t i) noexcept
        : ctrl_(ctrl), slots_(slots), cap_(cap), i_(i) {}
    Atomic<std::uint32_t> *ctrl_ = nullptr;
    value_type *slots_ = nullptr;
    std::uint64_t cap_ = 0;
    std::uint64_t i_ = 0;
  };
  using iterator = basic_iterator<false>;
  using const_iterator = basic_iterator<true>;

  unordered_map() = default;

  /// @brief A new map with room for @p expected elements under the load limit.
  static Result<unordered_map> create(A &alloc, size_type expected = 0, MapGrowth growth = MapGrowth::fixed,
                                      std::uint32_t max_load_percent = kDefaultMaxLoadPercent) {
    if (max_load_percent < 10 || max_load_percent > 95) {
      return Error(Errc::invalid_argument, "unordered_map: max load " + std::to_string(max_load_percent) +
                                               "% is outside [10, 95]");
    }
    const detail::AllocatorRef<A> a(alloc);
    auto s = base::new_state(a);
    if (!s) return s.error();
    (*s)->max_load_percent = max_load_percent;
    (*s)->growth = static_cast<std::uint32_t>(growth);
    (*s)->size.store(0, std::memory_order_relaxed);
    (*s)->used.store(0, std::memory_order_relaxed);
    unordered_map m(*s, a);
    if (!m.reserve(expected)) {
      m.destroy();
      return Error(Errc::out_of_memory, "unordered_map: no room for " + std::to_string(expected) + " elements");
    }
    return m;
  }
  void destroy() noexcept {
    if (!s_) return;
    (void)a_.deallocate(s_->ctrl.template cast<void>());
    base::release_state();
  }

  // ---- size ----
  UNIMEM_HOST_DEVICE size_type size() const noexcept { return s_->size.load(std::memory_order_relaxed); }
  UNIMEM_HOST_DEVICE bool empty() const noexcept { return size() == 0; }
  /// @brief Slots in the table (a power of two, or 0 before the first reserve).
  UNIMEM_HOST_DEVICE size_type capacity() const noexcept { return s_->capacity; }
  UNIMEM_HOST_DEVICE float load_factor() const noexcept {
    return s_->capacity ? static_cast<float>(size()) / static_cast<float>(s_->capacity) : 0.0f;
  }

  // ---- lookup (concurrent, lock-free) ----
  UNIMEM_HOST_DEVICE iterator find(const K &key) const noexcept { return at(locate(key)); }
  UNIMEM_HOST_DEVICE bool contains(const K &key) const noexcept { return locate(key) != s_->capacity; }
  UNIMEM_HOST_DEVICE size_type count(const K &key) const noexcept { return contains(key) ? 1 : 0; }
  /// @brief Copies the value of @p key into @p out under the slot's lock (consistent even while
  /// another thread assigns it). @return false if the key is absent.
  UNIMEM_HOST_DEVICE bool get(const K &key, V &out) const noexcept {
    const std::uint64_t i = locate(key);
    if (i == s_->capacity) return false;
    std::uint32_t c;
    if (!lock_value(i, c)) return false;  // erased meanwhile
    out = slot(i).second;
    ctrl(i).store(c, std::memory_order_release);
    return true;
  }

  // ---- modifiers (concurrent unless noted in the header) ----
  /// @return {the element with this key, whether it was inserted}; {end(), false} when full.
  UNIMEM_HOST_DEVICE pair<iterator, bool> insert(const value_type &kv) noexcept { return emplace(kv.first, kv.second); }
  UNIMEM_HOST_DEVICE pair<iterator, bool> emplace(const K &key, const V &value) noexcept {
    const std::uint64_t h = Hash{}(key);
    for (;;) {
      const Claim c = claim(key, h);
      if (c.index != s_->capacity || s_->growth != static_cast<std::uint32_t>(MapGrowth::automatic)) {
        if (c.claimed) publish(c.index, h, key, value);
        return {at(c.index), c.claimed};
      }
      if (!rehash(grown_capacity())) return {end(), false};
    }
  }
  UNIMEM_HOST_DEVICE pair<iterator, bool> try_emplace(const K &key, const V &value) noexcept { return emplace(key, value); }
  /// @brief Inserts, or assigns the value of an existing key under the slot's lock.
  UNIMEM_HOST_DEVICE pair<iterator, bool> insert_or_assign(const K &key, const V &value) noexcept {
    pair<iterator, bool> r = emplace(key, value);
    if (r.second || r.first == end()) return r;
    std::uint32_t c;
    if (lock_value(r.first.i_, c)) {
      slot(r.first.i_).second = value;
      ctrl(r.first.i_).store(c, std::memory_order_release);
    }
    return r;
  }
  /// @return 1 if @p key was erased, 0 if it was absent (or erased by another thread first).
  UNIMEM_HOST_DEVICE size_type erase(const K &key) noexcept {
    const std::uint64_t i = locate(key);
    return i != s_->capacity && erase_at(i) ? 1 : 0;
  }
  /// @return the next element (single writer).
  UNIMEM_HOST_DEVICE iterator erase(const_iterator pos) noexcept {
    (void)erase_at(pos.i_);
    return at(next_full(pos.ctrl_, pos.cap_, pos.i_ + 1));
  }

  // ---- single-writer operations ----
  /// @brief Empties the table (keeps its capacity, removes tombstones).
  UNIMEM_HOST_DEVICE void clear() noexcept {
    for (std::uint64_t i = 0; i < s_->capacity; ++i) ctrl(i).store(kEmpty, std::memory_order_relaxed);
    s_->size.store(0, std::memory_order_relaxed);
    s_->used.store(0, std::memory_order_relaxed);
  }
  /// @brief Room for @p n elements under the load limit without growth. @return false when out of memory.
  UNIMEM_HOST_DEVICE bool reserve(size_type n) noexcept {
    const std::uint64_t need = n * 100 / s_->max_load_percent + 1;
    return need <= s_->capacity || rehash(need);
  }
  /// @brief Rebuilds the table with at least @p slots slots (and room for the current elements),
  /// dropping tombstones. @return false when out of memory (the map is unchanged).
  UNIMEM_HOST_DEVICE bool rehash(size_type slots) noexcept {
    const std::uint64_t min_slots = size() * 100 / s_->max_load_percent + 1;
    std::uint64_t cap = 8;
    while (cap < slots || cap < min_slots) cap <<= 1;
    const std::uint64_t ctrl_bytes = (cap * sizeof(std::uint32_t) + alignof(value_type) + 15) & ~std::uint64_t{15};
    const OffsetPtr<void> block = a_.allocate(ctrl_bytes + cap * sizeof(value_type), alignof(value_type));
    if (block.is_null()) return false;
    const OffsetPtr<Atomic<std::uint32_t>> old_ctrl = s_->ctrl;
    const OffsetPtr<value_type> old_slots = s_->slots;
    const std::uint64_t old_cap = s_->capacity;
    s_->ctrl = block.template cast<Atomic<std::uint32_t>>();
    s_->slots = OffsetPtr<value_type>(block.offset() + ctrl_bytes);
    s_->capacity = cap;
    clear();
    for (std::uint64_t i = 0; i < old_cap; ++i) {
      if (!is_full(a_.address(old_ctrl)[i].load(std::memory_order_relaxed))) continue;
      const value_type &kv = a_.address(old_slots)[i];
      const std::uint64_t h = Hash{}(kv.first);
      const Claim cl = claim(kv.first, h);
      publish(cl.index, h, kv.first, kv.second);
    }
    (void)a_.deallocate(old_ctrl.template cast<void>());
    return true;
  }

  // ---- iteration (single writer) ----
  UNIMEM_HOST_DEVICE iterator begin() const noexcept { return at(next_full(&ctrl(0), s_->capacity, 0)); }
  UNIMEM_HOST_DEVICE iterator end() const noexcept { return at(s_->capacity); }
  UNIMEM_HOST_DEVICE const_iterator cbegin() const noexcept { return begin(); }
  UNIMEM_HOST_DEVICE const_iterator cend() const noexcept { return end(); }

 private:
  template <class, class, class>
  friend class detail::RegionObject;

  static constexpr std::uint32_t kEmpty = 0;
  static constexpr std::uint32_t kBusy = 1;
  static constexpr std::uint32_t kErased = 2;
  static constexpr std::uint32_t kFull = 0x80000000u;
  static constexpr std::uint32_t kLock = 0x40000000u;

  struct Claim {
    std::uint64_t index;  ///< capacity when the table is full
    bool claimed;         ///< a new slot (the caller publishes it) rather than the key's existing one
  };

  UNIMEM_HOST_DEVICE unordered_map(state *s, detail::AllocatorRef<A> a) noexcept : base(s, a) {}

  UNIMEM_HOST_DEVICE static constexpr std::uint32_t fingerprint(std::uint64_t h) noexcept {
    return kFull | static_cast<std::uint32_t>(h >> 34);
  }
  UNIMEM_HOST_DEVICE static constexpr bool is_full(std::uint32_t c) noexcept { return (c & kFull) != 0; }
  UNIMEM_HOST_DEVICE Atomic<std::uint32_t> &ctrl(std::uint64_t i) const noexcept { return a_.address(s_->ctrl)[i]; }
  UNIMEM_HOST_DEVICE value_type &slot(std::uint64_t i) const noexcept { return a_.address(s_->slots)[i]; }
  UNIMEM_HOST_DEVICE iterator at(std::uint64_t i) const noexcept {
    return {a_.address(s_->ctrl), a_.address(s_->slots), s_->capacity, i};
  }
  /// The slot of @p key, or capacity. Lock-free: busy slots are nobody's key yet, so skipped. The
  /// table's addresses are read once into locals: the acquire loads would otherwise force the
  /// compiler to reload them every probe. (Reading control words four at a time before branching
  /// was tried and halved hit throughput: more branches depend on the cache misses.)
  UNIMEM_HOST_DEVICE std::uint64_t locate(const K &key) const noexcept {
    const std::uint64_t cap = s_->capacity;
    Atomic<std::uint32_t> *const ctrl = a_.address(s_->ctrl);
    const value_type *const slots = a_.address(s_->slots);
    const std::uint64_t h = Hash{}(key);
    const std::uint32_t fp = fingerprint(h);
    const std::uint64_t mask = cap - 1;
    std::uint64_t i = h & mask;
    for (std::uint64_t probes = 0; probes < cap; ++probes, i = (i + 1) & mask) {
      const std::uint32_t c = ctrl[i].load(std::memory_order_acquire);
      if (c == kEmpty) return cap;
      if ((c & ~kLock) == fp && KeyEqual{}(slots[i].first, key)) return i;
    }
    return cap;
  }

  /// Finds @p key or claims an empty slot for it (empty -> busy).
  UNIMEM_HOST_DEVICE Claim claim(const K &key, std::uint64_t h) noexcept {
    const std::uint64_t cap = s_->capacity;
    if (cap == 0) return {0, false};
    const std::uint64_t limit = cap * s_->max_load_percent / 100;
    Atomic<std::uint32_t> *const ctrl = a_.address(s_->ctrl);
    const value_type *const slots = a_.address(s_->slots);
    const std::uint32_t fp = fingerprint(h);
    const std::uint64_t mask = cap - 1;
    std::uint64_t i = h & mask;
    for (std::uint64_t probes = 0; probes < cap;) {
      std::uint32_t c = ctrl[i].load(std::memory_order_acquire);
      if (c == kEmpty) {
        if (s_->used.load(std::memory_order_relaxed) >= limit) return {cap, false};
        if (ctrl[i].compare_exchange_strong(c, kBusy, std::memory_order_acq_rel)) {
          s_->used.fetch_add(1, std::memory_order_relaxed);
          return {i, true};
        }
        continue;  // lost the race for this slot: look at what the winner put there
      }
      if (c == kBusy) {
        this_thread::yield();  // another insert publishes it within a few stores; it may be our key
        continue;
      }
      if ((c & ~kLock) == fp && KeyEqual{}(slots[i].first, key)) return {i, false};
      ++probes;
      i = (i + 1) & mask;
    }
    return {cap, false};
  }
  UNIMEM_HOST_DEVICE void publish(std::uint64_t i, std::uint64_t h, const K &key, const V &value) noexcept {
    ::new (&slot(i)) value_type(key, value);
    ctrl(i).store(fingerprint(h), std::memory_order_release);
    s_->size.fetch_add(1, std::memory_order_relaxed);
  }
  /// Sets the lock bit of full slot @p i; @p c receives the unlocked word. False if it was erased.
  UNIMEM_HOST_DEVICE bool lock_value(std::uint64_t i, std::uint32_t &c) const noexcept {
    for (;;) {
      c = ctrl(i).load(std::memory_order_relaxed) & ~kLock;
      if (!is_full(c)) return false;
      std::uint32_t expected = c;
      if (ctrl(i).compare_exchange_strong(expected, c | kLock, std::memory_order_acquire)) return true;
      if (!is_full(expected)) return false;
      this_thread::yield();
    }
  }
  UNIMEM_HOST_DEVICE bool erase_at(std::uint64_t i) noexcept {
    std::uint32_t c;
    if (!lock_value(i, c)) return false;  // erased by someone else
    ctrl(i).store(kErased, std::memory_order_release);
    s_->size.fetch_sub(1, std::memory_order_relaxed);
    return true;
  }
  UNIMEM_HOST_DEVICE static std::uint64_t next_full(Atomic<std::uint32_t> *ctrl, std::uint64_t cap, std::uint64_t i) noexcept {
    while (i < cap && !is_full(ctrl[i].load(std::memory_order_acquire))) ++i;
    return i;
  }
  /// Automatic growth: double when live elements fill half the limit, else just drop tombstones.
  UNIMEM_HOST_DEVICE std::uint64_t grown_capacity() const noexcept {
    const std::uint64_t cap = s_->capacity;
    return size() * 2 * 100 >= cap * s_->max_load_percent ? (cap ? cap * 2 : 8) : cap;
  }
};

}  // namespace unimem
