// unordered_map<K, V, A, Hash, KeyEqual>: an open-addressing hash map in an allocator's region that
// many host threads, processes and GPU threads insert into, probe and erase from at the same time.
//
// Layout (in the region; one block for the table):
//   struct state { uint64 tag; OffsetPtr<Atomic<uint64>> ctrl, locks; OffsetPtr<pair<const K, V>> slots;
//                  uint64 capacity; Atomic<uint64> size, used; uint32 max_load_percent, growth; }
//   ctrl[capacity / 8]  one control byte per slot, eight to a 64-bit word: a group
//   locks[capacity / 64, at least 1]  one value-lock bit per slot
//   slots[capacity]     the key/value pairs
// capacity is a power of two, at least 8 (create() reserves); a key's probe sequence visits
// groups linearly from hash & (groups - 1), and a lookup tests a group's eight bytes at once
// (detail/byte_lanes.hpp), so a miss usually ends after one word, without a branch per slot.
//
// Control byte: 0 empty; 1 busy (claimed, the pair is being written); 2 erased (a tombstone);
// otherwise full = 0x80 | 7 hash bits (the fingerprint). A byte changes only by an atomic
// operation on its group's word (GPUs have no byte atomics), and only by these transitions between
// rehashes:
//   empty -> busy (CAS of the group word, one winner) -> full (atomic add, after the pair is written)
//   full -> erased (atomic subtract, under the slot's lock)
// The lock bit of a full slot is held while a writer assigns its value, get() copies it or erase
// retires it; the bits live apart from the control bytes so that a lookup compares whole bytes.
// So a key, once published, never moves or changes until rehash(): a find() that saw `full` (a
// load with dependency ordering, thread/atomic.hpp) reads a complete pair, and its iterator stays
// readable even if the key is erased.
// No group regains an empty byte before rehash, so a key lies in the first group of its sequence
// that had an empty byte when it was inserted, and a lookup stops at the first group with one.
// An insert reserves its byte in `used` before it claims one and gives up when that would pass the
// load limit (below the capacity), so a table always has an empty byte and every probe ends.
// An insert claims a byte by a CAS of the whole word it inspected (no key entered that group
// meanwhile) and waits while the group holds a busy byte (it may be the same key, being
// published). Tombstones are not reused by insert (two racing inserts of one key could otherwise
// both succeed); rehash() and clear() remove them.
//
// Concurrency contract:
//   insert, emplace, insert_or_assign, find, contains, get, erase(key): any number of host threads,
//     processes and GPU threads at once. find/contains are lock-free; insert waits only while a
//     group on its path holds a slot that another insert has claimed and not yet published (a few
//     stores; the winner publishes in the same loop iteration as its CAS, so SIMT lanes that wait
//     on each other make progress); insert_or_assign, get and erase hold the slot's lock bit while
//     they copy or retire the value (two atomics on a lock word that 64 slots share, apart from
//     the group words that lookups read). A process that dies between claim and publish leaves a
//     busy slot that stalls inserts probing that group; one that dies holding a lock bit stalls
//     get, erase and assignment of that key.
//   A hit orders the reads of its pair, and of whatever the caller reaches through addresses
//     computed from the pair (a value that is an offset or an index), after the insert that
//     published it; other memory the inserter wrote before inserting needs an acquire fence after
//     find() on the reader's side (on x86-64 hosts a hit costs no fence, Atomic::load_dependent).
//   Reading a value through an iterator is safe unless another thread assigns that key meanwhile
//     (use get() for a consistent copy then).
//   rehash, reserve, clear, destroy, iteration, erase(iterator), and every insert of a map created
//     with MapGrowth::automatic: one thread, no other user at the same time.
// Capacity: a MapGrowth::fixed map (the default, like cuco::static_map) never grows by itself:
//   insert returns {end(), false} once the slots used (including tombstones, and for an instant
//   inserts in flight) reach the load limit. MapGrowth::automatic rehashes on that insert instead
//   (single writer, as above); not in device code, where a kernel's threads insert together: there
//   every map is fixed (inserts into a full one fail). The host emulation of kernels runs host
//   code, which does grow, so the library's map kernels refuse an automatic map there, and user
//   kernels run there must not insert into one from several threads either.
// Iterator invalidation: rehash, reserve, clear and automatic growth invalidate every iterator;
//   nothing else does.
// K and V must be trivially copyable; Hash and KeyEqual are default-constructed where they are
// used (stateless, as in cuco), and usable in kernels if the map is.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <new>
#include <string_view>
#include <type_traits>

#include "unimem/containers/detail/allocator_ref.hpp"
#include "unimem/containers/detail/byte_lanes.hpp"
#include "unimem/containers/detail/region_object.hpp"
#include "unimem/containers/hash.hpp"
#include "unimem/containers/pair.hpp"
#include "unimem/core/align.hpp"
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
  OffsetPtr<Atomic<std::uint64_t>> ctrl;  ///< capacity / 8 group words
  OffsetPtr<Atomic<std::uint64_t>> locks;  ///< a value-lock bit per slot
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
  static constexpr std::uint64_t kTypeTag = detail::type_tag<K, V>("unimem::unordered_map/byte-groups+lock-bits");
  static constexpr std::string_view kName = "unordered_map";
  template <class B>
  using rebound = unordered_map<K, V, B, Hash, KeyEqual>;
  static constexpr std::uint32_t kDefaultMaxLoadPercent = 75;
  /// Tables stay below 2^47 bytes, the offset range of every allocator.
  static constexpr std::uint64_t kMaxSlots = std::bit_floor((std::uint64_t{1} << 47) / (sizeof(value_type) + 2));
  /// Elements that fit under any load limit; create / reserve beyond it fail.
  UNIMEM_HOST_DEVICE static constexpr size_type max_size() noexcept { return kMaxSlots / 10; }

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
    UNIMEM_HOST_DEVICE basic_iterator(Atomic<std::uint64_t> *ctrl, value_type *slots, std::uint64_t cap,
                                      std::uint64_t i) noexcept
        : ctrl_(ctrl), slots_(slots), cap_(cap), i_(i) {}
    Atomic<std::uint64_t> *ctrl_ = nullptr;
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
    if (expected > max_size()) {
      return Error(Errc::invalid_argument, "unordered_map: " + std::to_string(expected) + " elements is above max_size() " +
                                               std::to_string(max_size()));
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
    if (!base::claim_state()) return;
    (void)a_.deallocate(s_->ctrl.template cast<void>());
    base::release_state();
  }

  // ---- size ----
  UNIMEM_HOST_DEVICE size_type size() const noexcept { return s_->size.load(std::memory_order_relaxed); }
  UNIMEM_HOST_DEVICE bool empty() const noexcept { return size() == 0; }
  UNIMEM_HOST_DEVICE MapGrowth growth() const noexcept { return static_cast<MapGrowth>(s_->growth); }
  /// @brief Slots in the table (a power of two, at least 8).
  UNIMEM_HOST_DEVICE size_type capacity() const noexcept { return s_->capacity; }
  UNIMEM_HOST_DEVICE float load_factor() const noexcept {
    return s_->capacity ? static_cast<float>(size()) / static_cast<float>(s_->capacity) : 0.0f;
  }

  // ---- lookup (concurrent, lock-free) ----
  UNIMEM_HOST_DEVICE iterator find(const K &key) const noexcept { return locate(key); }
  UNIMEM_HOST_DEVICE bool contains(const K &key) const noexcept { return locate(key).i_ != s_->capacity; }
  UNIMEM_HOST_DEVICE size_type count(const K &key) const noexcept { return contains(key) ? 1 : 0; }
  /// @brief Copies the value of @p key into @p out under the slot's lock (consistent even while
  /// another thread assigns it). @return false if the key is absent.
  UNIMEM_HOST_DEVICE bool get(const K &key, V &out) const noexcept {
    const std::uint64_t i = locate(key).i_;
    return i != s_->capacity && with_value(i, [&](std::uint8_t) { out = slot(i).second; });  // false: erased meanwhile
  }

  // ---- modifiers (concurrent unless noted in the header) ----
  /// @return {the element with this key, whether it was inserted}; {end(), false} when full.
  UNIMEM_HOST_DEVICE pair<iterator, bool> insert(const value_type &kv) noexcept { return emplace(kv.first, kv.second); }
  UNIMEM_HOST_DEVICE pair<iterator, bool> emplace(const K &key, const V &value) noexcept {
    const std::uint64_t h = Hash{}(key);
    for (;;) {
      const Claim c = claim(key, h, value);
#if defined(UNIMEM_DEVICE_PASS)
      return {at(c.index), c.claimed};  // no growth in kernels (see the header)
#else
      if (c.index != s_->capacity || growth() != MapGrowth::automatic) return {at(c.index), c.claimed};
      if (!rehash(grown_capacity())) return {end(), false};
#endif
    }
  }
  UNIMEM_HOST_DEVICE pair<iterator, bool> try_emplace(const K &key, const V &value) noexcept { return emplace(key, value); }
  /// @brief Inserts, or assigns the value of an existing key under the slot's lock.
  UNIMEM_HOST_DEVICE pair<iterator, bool> insert_or_assign(const K &key, const V &value) noexcept {
    pair<iterator, bool> r = emplace(key, value);
    if (r.second || r.first == end()) return r;
    (void)with_value(r.first.i_, [&](std::uint8_t) { slot(r.first.i_).second = value; });
    return r;
  }
  /// @return 1 if @p key was erased, 0 if it was absent (or erased by another thread first).
  UNIMEM_HOST_DEVICE size_type erase(const K &key) noexcept {
    const std::uint64_t i = locate(key).i_;
    return i != s_->capacity && erase_at(i) ? 1 : 0;
  }
  /// @return the next element (single writer); erase(end()) erases nothing and returns end().
  UNIMEM_HOST_DEVICE iterator erase(const_iterator pos) noexcept {
    if (pos.i_ >= s_->capacity) return end();
    (void)erase_at(pos.i_);
    return at(next_full(pos.ctrl_, pos.cap_, pos.i_ + 1));
  }

  // ---- single-writer operations ----
  /// @brief Empties the table (keeps its capacity, removes tombstones).
  UNIMEM_HOST_DEVICE void clear() noexcept {
    for (std::uint64_t g = 0; g < s_->capacity / kGroup; ++g) {
      group(g).store(detail::kEachLane * kEmpty, std::memory_order_relaxed);
    }
    Atomic<std::uint64_t> *const locks = a_.address(s_->locks);
    for (std::uint64_t l = 0; l < lock_words(s_->capacity); ++l) locks[l].store(0, std::memory_order_relaxed);
    s_->size.store(0, std::memory_order_relaxed);
    s_->used.store(0, std::memory_order_relaxed);
  }
  /// @brief Room for @p n elements under the load limit without growth. @return false when out of memory.
  UNIMEM_HOST_DEVICE bool reserve(size_type n) noexcept {
    const std::uint64_t need = slots_for(n);
    return need <= s_->capacity || rehash(need);
  }
  /// @brief Rebuilds the table with at least @p slots slots (and room for the current elements),
  /// dropping tombstones. @return false when out of memory (the map is unchanged).
  UNIMEM_HOST_DEVICE bool rehash(size_type slots) noexcept {
    const std::uint64_t min_slots = slots_for(size());
    if (slots > kMaxSlots || min_slots > kMaxSlots) return false;
    std::uint64_t cap = 8;
    while (cap < slots || cap < min_slots) cap <<= 1;
    const TableLayout t = table_layout(cap);
    const OffsetPtr<void> block = a_.allocate(t.total, kTableAlign);
    if (block.is_null()) return false;
    const OffsetPtr<Atomic<std::uint64_t>> old_ctrl = s_->ctrl;
    const OffsetPtr<value_type> old_slots = s_->slots;
    const std::uint64_t old_cap = s_->capacity;
    s_->ctrl = block.template cast<Atomic<std::uint64_t>>();
    s_->locks = OffsetPtr<Atomic<std::uint64_t>>(block.offset() + t.ctrl_bytes);
    s_->slots = OffsetPtr<value_type>(block.offset() + t.ctrl_bytes + t.lock_bytes);
    s_->capacity = cap;
    clear();
    Atomic<std::uint64_t> *const old_groups = a_.address(old_ctrl);
    for (std::uint64_t i = next_full(old_groups, old_cap, 0); i < old_cap; i = next_full(old_groups, old_cap, i + 1)) {
      const value_type &kv = a_.address(old_slots)[i];
      const std::uint64_t h = Hash{}(kv.first);
      (void)claim(kv.first, h, kv.second);
    }
    (void)a_.deallocate(old_ctrl.template cast<void>());
    return true;
  }

  // ---- iteration (single writer) ----
  UNIMEM_HOST_DEVICE iterator begin() const noexcept { return at(next_full(a_.address(s_->ctrl), s_->capacity, 0)); }
  UNIMEM_HOST_DEVICE iterator end() const noexcept { return at(s_->capacity); }
  UNIMEM_HOST_DEVICE const_iterator cbegin() const noexcept { return begin(); }
  UNIMEM_HOST_DEVICE const_iterator cend() const noexcept { return end(); }

 private:
  template <class, class, class>
  friend class detail::RegionObject;

  static constexpr std::uint64_t kGroup = 8;  ///< slots per control word
  /// The table is one block: a control byte per slot, a lock bit per slot, the slots, each part
  /// aligned for the slots.
  static constexpr std::uint64_t kTableAlign = alignof(value_type) > 8 ? alignof(value_type) : 8;
  struct TableLayout {
    std::uint64_t ctrl_bytes, lock_bytes, total;
  };
  UNIMEM_HOST_DEVICE static constexpr TableLayout table_layout(std::uint64_t cap) noexcept {
    const std::uint64_t ctrl = align_up(cap, kTableAlign);
    const std::uint64_t locks = align_up(lock_words(cap) * 8, kTableAlign);
    return {ctrl, locks, ctrl + locks + cap * sizeof(value_type)};
  }
  /// What is out of range in a state another process wrote, or null (attach's check).
  static const char *damage(A &alloc, const state &s) {
    const std::uint64_t cap = s.capacity;
    if (cap < kGroup || cap > kMaxSlots || !std::has_single_bit(cap)) return "capacity is not a power of two in range";
    if (s.max_load_percent < 10 || s.max_load_percent > 95) return "max load outside [10, 95]";
    if (s.growth > static_cast<std::uint32_t>(MapGrowth::automatic)) return "unknown growth";
    if (s.size.load(std::memory_order_relaxed) > cap) return "size above capacity";
    const TableLayout t = table_layout(cap);
    if (s.locks.offset() != s.ctrl.offset() + t.ctrl_bytes || s.slots.offset() != s.locks.offset() + t.lock_bytes ||
        !detail::holds_range(alloc, s.ctrl.offset(), t.total, kTableAlign)) {
      return "table block outside the region";
    }
    return nullptr;
  }
  static constexpr std::uint8_t kEmpty = 0;  ///< so detail::zero_lanes finds the empty slots
  static constexpr std::uint8_t kBusy = 1;
  static constexpr std::uint8_t kErased = 2;
  static constexpr std::uint8_t kFull = 0x80;
  static constexpr unsigned kFingerprintShift = 57;  ///< the top 7 bits: the low ones pick the group

  struct Claim {
    std::uint64_t index;  ///< capacity when the table is full
    bool claimed;         ///< a new slot, now published, rather than the key's existing one
  };

  UNIMEM_HOST_DEVICE unordered_map(state *s, detail::AllocatorRef<A> a) noexcept : base(s, a) {}

  UNIMEM_HOST_DEVICE static constexpr std::uint8_t fingerprint(std::uint64_t h) noexcept {
    return static_cast<std::uint8_t>(kFull | (h >> kFingerprintShift));
  }
  /// fingerprint(h) in every lane: the 7-bit products carry into no other lane, and this form is
  /// two instructions shorter on a lookup's path than widening the byte.
  UNIMEM_HOST_DEVICE static constexpr std::uint64_t fingerprint_lanes(std::uint64_t h) noexcept {
    return (h >> kFingerprintShift) * detail::kEachLane | detail::kLaneHighBits;
  }
  UNIMEM_HOST_DEVICE static constexpr unsigned shift_of(std::uint64_t i) noexcept { return 8 * (i % kGroup); }
  /// Byte value @p v placed in slot @p i's lane of its group word.
  UNIMEM_HOST_DEVICE static constexpr std::uint64_t in_lane(std::uint64_t i, unsigned v) noexcept {
    return std::uint64_t{v} << shift_of(i);
  }
  UNIMEM_HOST_DEVICE Atomic<std::uint64_t> &group(std::uint64_t g) const noexcept { return a_.address(s_->ctrl)[g]; }
  UNIMEM_HOST_DEVICE value_type &slot(std::uint64_t i) const noexcept { return a_.address(s_->slots)[i]; }
  /// Slots used (full, busy or erased) past which inserts stop: below the capacity.
  UNIMEM_HOST_DEVICE std::uint64_t load_limit() const noexcept { return s_->capacity * s_->max_load_percent / 100; }
  /// Slots for @p n elements under the load limit; above kMaxSlots (which no table reaches) when n is.
  UNIMEM_HOST_DEVICE std::uint64_t slots_for(std::uint64_t n) const noexcept {
    return n > kMaxSlots ? ~std::uint64_t{0} : n * 100 / s_->max_load_percent + 1;
  }
  UNIMEM_HOST_DEVICE static constexpr std::uint64_t lock_words(std::uint64_t cap) noexcept { return (cap + 63) / 64; }
  UNIMEM_HOST_DEVICE Atomic<std::uint64_t> &lock_word(std::uint64_t i) const noexcept { return a_.address(s_->locks)[i / 64]; }
  UNIMEM_HOST_DEVICE static constexpr std::uint64_t lock_bit(std::uint64_t i) noexcept { return std::uint64_t{1} << (i % 64); }
  UNIMEM_HOST_DEVICE iterator at(std::uint64_t i) const noexcept {
    return {a_.address(s_->ctrl), a_.address(s_->slots), s_->capacity, i};
  }
  /// Starts loading group @p g's first slot line beside its control word (on the host; kernels
  /// hide latency with other warps). Keys fill a group from its first lane, so a hit then waits for
  /// one memory round trip, not two, and an insert's pair store finds its line owned before the
  /// publishing atomic, which on x86 waits for earlier stores to drain. A lookup's prefetch is
  /// non-temporal: a miss never reads the line, and kept in the caches such lines would push out
  /// the control words that every lookup reads.
  template <bool ForWrite>
  UNIMEM_HOST_DEVICE static void prefetch_slots(const value_type *slots, std::uint64_t g) noexcept {
#if defined(UNIMEM_DEVICE_PASS)
    (void)slots, (void)g;
#else
    __builtin_prefetch(&slots[g * kGroup], ForWrite ? 1 : 0, ForWrite ? 3 : 0);
#endif
  }
  /// The element of @p key, or end(). Lock-free: busy slots are nobody's key yet, so skipped. Group
  /// words are read with dependency ordering and only a fingerprint match pays for the fence (free
  /// on x86-64 hosts, a real fence on GPUs), so a miss has no barrier at all and a loop of lookups
  /// keeps the table's addresses in registers; they are read once, for the probe and the result.
  UNIMEM_HOST_DEVICE iterator locate(const K &key) const noexcept {
    Atomic<std::uint64_t> *const ctrl = a_.address(s_->ctrl);
    value_type *const slots = a_.address(s_->slots);
    const std::uint64_t cap = s_->capacity;
    const std::uint64_t mask = cap / kGroup - 1;
    const std::uint64_t h = Hash{}(key);
    const std::uint64_t fp = fingerprint_lanes(h);
    std::uint64_t g = h & mask;
    prefetch_slots<false>(slots, g);
    for (;; g = (g + 1) & mask) {
      const std::uint64_t w = ctrl[g].load_dependent();
      std::uint64_t m = detail::zero_lanes(w ^ fp);
      if (m != 0) unimem::dependency_fence();  // with publish's release: the pairs read below are whole
      for (; m != 0; m &= m - 1) {
        const std::uint64_t i = g * kGroup + detail::lowest_lane(m);
        if (KeyEqual{}(slots[i].first, key)) return {ctrl, slots, cap, i};
      }
      if (detail::zero_lanes(w) != 0) return {ctrl, slots, cap, cap};
    }
  }

  /// Finds @p key, or claims an empty slot for it (empty -> busy) and publishes @p value there in the
  /// same iteration: a SIMT lane that lost the CAS to this one spins on the busy slot, and on
  /// hardware that runs a warp in lock step it must not wait for code after the loop.
  UNIMEM_HOST_DEVICE Claim claim(const K &key, std::uint64_t h, const V &value) noexcept {
    const std::uint64_t cap = s_->capacity;
    Atomic<std::uint64_t> *const ctrl = a_.address(s_->ctrl);
    const value_type *const slots = a_.address(s_->slots);
    const std::uint64_t fp = fingerprint_lanes(h);
    const std::uint64_t mask = cap / kGroup - 1;
    std::uint64_t g = h & mask;
    prefetch_slots<true>(slots, g);
    bool reserved = false;  // a byte of `used` is ours
    for (;;) {
      std::uint64_t w = ctrl[g].load(std::memory_order_acquire);
      if (detail::lanes_equal(w, kBusy) != 0) {
        this_thread::yield();  // another insert publishes it within a few stores; it may be our key
        continue;
      }
      for (std::uint64_t m = detail::zero_lanes(w ^ fp); m != 0; m &= m - 1) {
        const std::uint64_t i = g * kGroup + detail::lowest_lane(m);
        if (KeyEqual{}(slots[i].first, key)) {
          if (reserved) s_->used.fetch_sub(1, std::memory_order_relaxed);
          return {i, false};
        }
      }
      if (const std::uint64_t empty = detail::zero_lanes(w); empty != 0) {
        if (!reserved) {
          if (s_->used.fetch_add(1, std::memory_order_relaxed) >= load_limit()) {
            s_->used.fetch_sub(1, std::memory_order_relaxed);
            return {cap, false};
          }
          reserved = true;
        }
        const std::uint64_t i = g * kGroup + detail::lowest_lane(empty);
        if (ctrl[g].compare_exchange_strong(w, w | in_lane(i, kBusy), std::memory_order_acq_rel)) {
          publish(i, h, key, value);
          return {i, true};
        }
        continue;  // the group changed since we read it: look again at what is there now
      }
      g = (g + 1) & mask;
    }
  }
  UNIMEM_HOST_DEVICE void publish(std::uint64_t i, std::uint64_t h, const K &key, const V &value) noexcept {
    ::new (&slot(i)) value_type(key, value);
    // Counted before it is visible, so that an erase of it never takes the size below zero.
    s_->size.fetch_add(1, std::memory_order_relaxed);
    // busy -> full: the byte is ours alone, so adding the difference carries into no other lane
    group(i / kGroup).fetch_add(in_lane(i, fingerprint(h) - kBusy), std::memory_order_release);
  }
  /// Runs f(control byte) on slot @p i under its lock bit, if the slot is full (not erased before
  /// the lock was ours; while we hold it nobody else erases it). @return whether f ran. The work is
  /// done in the iteration that won the bit: on hardware that runs a warp in lock step, a lane that
  /// lost must not wait in a loop of its own for a lane parked at this loop's exit.
  template <class F>
  UNIMEM_HOST_DEVICE bool with_value(std::uint64_t i, F &&f) const noexcept {
    Atomic<std::uint64_t> &word = lock_word(i);
    const std::uint64_t bit = lock_bit(i);
    for (;;) {
      if ((word.fetch_or(bit, std::memory_order_acquire) & bit) == 0) {
        const auto c = static_cast<std::uint8_t>(group(i / kGroup).load(std::memory_order_relaxed) >> shift_of(i));
        const bool full = (c & kFull) != 0;
        if (full) f(c);
        word.fetch_and(~bit, std::memory_order_release);
        return full;
      }
#if defined(UNIMEM_DEVICE_PASS)
      this_thread::yield();
#else
      while ((word.load(std::memory_order_relaxed) & bit) != 0) this_thread::yield();  // read, not write, while held
#endif
    }
  }
  UNIMEM_HOST_DEVICE bool erase_at(std::uint64_t i) noexcept {
    // full -> erased, exactly: the byte is ours alone while we hold its lock, and larger than kErased
    return with_value(i, [&](std::uint8_t c) {
      group(i / kGroup).fetch_sub(in_lane(i, c - kErased), std::memory_order_relaxed);
      s_->size.fetch_sub(1, std::memory_order_relaxed);
    });
  }
  /// The first full slot at or after @p i, or @p cap.
  UNIMEM_HOST_DEVICE static std::uint64_t next_full(Atomic<std::uint64_t> *ctrl, std::uint64_t cap,
                                                    std::uint64_t i) noexcept {
    for (; i < cap; i = (i | (kGroup - 1)) + 1) {
      const std::uint64_t full = ctrl[i / kGroup].load(std::memory_order_acquire) & detail::kLaneHighBits &
                                 (~std::uint64_t{0} << shift_of(i));
      if (full != 0) return (i & ~(kGroup - 1)) + detail::lowest_lane(full);
    }
    return cap;
  }
  /// Automatic growth: double when live elements fill half the limit, else just drop tombstones.
  UNIMEM_HOST_DEVICE std::uint64_t grown_capacity() const noexcept {
    const std::uint64_t cap = s_->capacity;
    return size() * 2 >= load_limit() ? (cap ? cap * 2 : 8) : cap;  // a limit of 0 doubles
  }
};

}  // namespace unimem
