#include "unimem/pmem/tier_manager.hpp"

#include <bit>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "unimem/gmem/gmem.hpp"
#include "unimem/pmem/memcpy_nt.hpp"
#include "unimem/core/align.hpp"

namespace unimem::pmem {

using detail::TierBlock;

namespace {

constexpr std::size_t kLine = 64;

unsigned bin_of(std::size_t bytes) noexcept { return static_cast<unsigned>(std::bit_width(bytes) - 1); }

std::size_t copy_bytes(std::size_t bytes) noexcept { return align_up(bytes, kLine); }

// Lower is colder; soft-evicted copies are the coldest of all.
std::uint64_t warmth(const TierBlock &b) {
  if (b.soft_evicted) return 0;
  return 1 + b.accesses + gmem::hotness(b.dram);
}

}  // namespace

namespace detail {

void *tier_acquire(TierBlock &b, bool write, bool &in_dram) { return b.manager->acquire(b, write, in_dram); }
void tier_release(TierBlock &b) noexcept { b.manager->release(b); }

}  // namespace detail

TierManager::TierManager(PmemHeap &home, TierOptions options) noexcept : home_(home), options_(options) {}

TierStats TierManager::stats() const {
  std::lock_guard lock(m_);
  return stats_;
}

Result<TierBlock *> TierManager::create_block(std::size_t bytes) {
  void *home = home_.calloc(1, copy_bytes(bytes));
  if (home == nullptr) {
    return Error(Errc::out_of_memory, "TierManager: the PMEM heap in '" + home_.directory() + "' has no room for " +
                                          std::to_string(bytes) + " bytes");
  }
  auto *b = new (std::nothrow) TierBlock{this, home, nullptr, bytes};
  if (b == nullptr) {
    home_.free(home);
    return Error(Errc::out_of_memory, "TierManager: no memory for an array's record");
  }
  std::lock_guard lock(m_);
  ++stats_.arrays;
  return b;
}

void TierManager::destroy(TierBlock *b) noexcept {
  {
    std::lock_guard lock(m_);
    if (b->dram != nullptr) {
      unlink(*b);
      stats_.dram_bytes -= copy_bytes(b->bytes);
      std::free(b->dram);
    }
    --stats_.arrays;
  }
  home_.free(b->home);
  delete b;
}

void TierManager::link_newest(TierBlock &b) noexcept {
  Bin &bin = bins_[b.bin];
  b.older = bin.newest;
  b.newer = nullptr;
  (bin.newest ? bin.newest->newer : bin.oldest) = &b;
  bin.newest = &b;
}

void TierManager::unlink(TierBlock &b) noexcept {
  Bin &bin = bins_[b.bin];
  (b.older ? b.older->newer : bin.oldest) = b.newer;
  (b.newer ? b.newer->older : bin.newest) = b.older;
  b.older = b.newer = nullptr;
}

TierBlock *TierManager::victim(unsigned bin) const {
  TierBlock *best = nullptr;
  std::uint64_t best_warmth = std::numeric_limits<std::uint64_t>::max();
  int looked = 0;
  for (TierBlock *b = bins_[bin].oldest; b != nullptr && looked < 4; b = b->newer) {
    if (b->pins != 0) continue;
    ++looked;
    if (const auto w = warmth(*b); w < best_warmth) {
      best = b;
      best_warmth = w;
    }
  }
  return best;
}

Result<void> TierManager::make_room(std::size_t bytes) {
  auto fits = [&] { return stats_.dram_bytes + bytes <= options_.dram_budget; };
  if (fits()) return success();
  // Refuse before evicting anything when the unpinned copies cannot free enough.
  std::size_t pinned = 0;
  for (const Bin &bin : bins_) {
    for (const TierBlock *b = bin.oldest; b != nullptr; b = b->newer) pinned += b->pins != 0 ? copy_bytes(b->bytes) : 0;
  }
  if (pinned + bytes > options_.dram_budget) {
    return Error(Errc::capacity_exceeded, "TierManager: " + std::to_string(bytes) + " bytes do not fit in the " +
                                              std::to_string(options_.dram_budget) + "-byte DRAM budget: " +
                                              std::to_string(pinned) + " bytes are pinned by views");
  }
  // Soft-evicted copies go first, whatever their size.
  for (Bin &bin : bins_) {
    for (TierBlock *b = bin.oldest; b != nullptr && !fits();) {
      TierBlock *next = b->newer;
      if (b->soft_evicted && b->pins == 0) {
        if (auto ok = evict_locked(*b); !ok) return ok;
      }
      b = next;
    }
  }
  const unsigned want = bin_of(bytes);
  while (!fits()) {
    TierBlock *v = nullptr;
    for (unsigned i = want; i < kBins && v == nullptr; ++i) v = victim(i);
    for (unsigned i = want; i-- > 0 && v == nullptr;) v = victim(i);
    if (v == nullptr) return Error(Errc::capacity_exceeded, "TierManager: no unpinned copy left to evict");
    if (auto ok = evict_locked(*v); !ok) return ok;
  }
  return success();
}

Result<void> TierManager::prefetch_locked(TierBlock &b) {
  if (b.dram != nullptr) {
    unlink(b);
    link_newest(b);
    return success();
  }
  if (b.pins != 0) return Error(Errc::busy, "TierManager: a view of the array's PMEM home is live");
  const std::size_t bytes = copy_bytes(b.bytes);
  if (bytes > options_.dram_budget) {
    return Error(Errc::capacity_exceeded, "TierManager: an array of " + std::to_string(b.bytes) +
                                              " bytes exceeds the DRAM budget of " +
                                              std::to_string(options_.dram_budget));
  }
  if (auto ok = make_room(bytes); !ok) return ok;
  void *dram = std::aligned_alloc(kLine, bytes);
  if (dram == nullptr) return Error(Errc::out_of_memory, "TierManager: no DRAM for " + std::to_string(bytes) + " bytes");
  memcpy_nt(dram, b.home, b.bytes);
  b.dram = dram;
  b.dirty = false;
  b.soft_evicted = false;
  b.accesses = 0;
  b.bin = bin_of(bytes);
  link_newest(b);
  stats_.dram_bytes += bytes;
  ++stats_.prefetches;
  stats_.bytes_fetched += b.bytes;
  return success();
}

Result<void> TierManager::evict_locked(TierBlock &b) {
  if (b.dram == nullptr) return success();
  if (b.pins != 0) return Error(Errc::busy, "TierManager: the array has a live view");
  if (b.dirty) {
    memcpy_nt(b.home, b.dram, b.bytes);
    ++stats_.write_backs;
    stats_.bytes_written_back += b.bytes;
  }
  unlink(b);
  std::free(b.dram);
  b.dram = nullptr;
  b.dirty = false;
  stats_.dram_bytes -= copy_bytes(b.bytes);
  ++stats_.evictions;
  return success();
}

Result<void> TierManager::prefetch(TierBlock &b) {
  std::lock_guard lock(m_);
  return prefetch_locked(b);
}

Result<void> TierManager::evict(TierBlock &b) {
  std::lock_guard lock(m_);
  return evict_locked(b);
}

void TierManager::soft_evict(TierBlock &b) {
  std::lock_guard lock(m_);
  if (b.dram != nullptr) b.soft_evicted = true;
}

void *TierManager::acquire(TierBlock &b, bool write, bool &in_dram) {
  std::lock_guard lock(m_);
  // Automatic: bring it over if it fits; if not (too big, all else pinned), use it where it is.
  if (options_.automatic && b.dram == nullptr && b.pins == 0) (void)prefetch_locked(b);
  ++b.pins;
  in_dram = b.dram != nullptr;
  if (!in_dram) return b.home;
  ++b.accesses;
  b.soft_evicted = false;
  unlink(b);
  link_newest(b);
  if (write) b.dirty = true;
  return b.dram;
}

void TierManager::release(TierBlock &b) noexcept {
  std::lock_guard lock(m_);
  --b.pins;
}

bool TierManager::cached(const TierBlock &b) const {
  std::lock_guard lock(m_);
  return b.dram != nullptr;
}

bool TierManager::dirty(const TierBlock &b) const {
  std::lock_guard lock(m_);
  return b.dirty;
}

}  // namespace unimem::pmem
