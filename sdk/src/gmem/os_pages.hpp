// OS-page helpers shared by the gmem sources: argument checks and the "is it mapped" probe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "unimem/core/error.hpp"
#include "unimem/gmem/page_range.hpp"

namespace unimem::gmem::detail {

std::size_t os_page_size() noexcept;

/// The OS pages covering [addr, addr + size): invalid_argument for a null address or a wrap.
Result<PageRange> os_pages(const void *addr, std::size_t size);

/// The address of each OS page of @p range (OS-page aligned), as move_pages takes them.
std::vector<void *> page_addresses(const PageRange &range);

/// bad_address naming the range the caller passed.
Error unmapped(const void *addr, std::size_t size);

/// Success when every page of @p range (OS-page aligned) is mapped (msync probes the VMAs and
/// touches no page); otherwise unmapped(addr, size).
Result<void> check_mapped(const PageRange &range, const void *addr, std::size_t size);

/// Whether [begin, end) (OS-page aligned) is entirely mapped.
bool is_mapped(std::uint64_t begin, std::uint64_t end) noexcept;

/// @p outer clipped to the mapped pages that adjoin @p inner, which must be mapped and inside it.
PageRange clip_to_mapped(const PageRange &outer, const PageRange &inner) noexcept;

}  // namespace unimem::gmem::detail
