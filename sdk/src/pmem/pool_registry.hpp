// The address ranges of the open pools and their granularity, so that persist(addr, n) can tell
// whether an address needs msync. Pools add themselves when mapped and leave when unmapped.
#pragma once

#include <cstddef>
#include <optional>

#include "unimem/pmem/pmem_pool.hpp"

namespace unimem::pmem::detail {

void register_pool(const void *base, std::size_t bytes, Granularity g);
void unregister_pool(const void *base) noexcept;
/// The granularity of the pool holding all of [addr, addr + n), if one does.
std::optional<Granularity> pool_granularity(const void *addr, std::size_t n);

}  // namespace unimem::pmem::detail
