// The address ranges of the open pools and their granularity, so that persist(addr, n) can tell
// whether an address needs msync; persist_as for callers that know the granularity already. Pools add themselves when mapped and leave when unmapped.
#pragma once

#include <cstddef>
#include <optional>

#include "unimem/pmem/pmem_pool.hpp"

namespace unimem::pmem::detail {

void register_pool(const void *base, std::size_t bytes, Granularity g);
void unregister_pool(const void *base) noexcept;
/// The granularity of the pool holding all of [addr, addr + n), if one does.
std::optional<Granularity> pool_granularity(const void *addr, std::size_t n);
/// persist() for a range whose granularity the caller already knows (defined in persist.cpp).
Result<void> persist_as(Granularity g, const void *addr, std::size_t n);

}  // namespace unimem::pmem::detail
