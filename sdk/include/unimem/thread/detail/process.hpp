// Host process facts the robust locks need.
#pragma once

#include <cstdint>

namespace unimem::detail {

/// The calling process's pid (cached; refreshed after fork).
std::uint32_t current_pid() noexcept;

/// False only when @p pid certainly does not exist (kill(pid, 0) fails with ESRCH). A zombie that
/// its parent has not reaped still counts as alive.
bool process_alive(std::uint32_t pid) noexcept;

}  // namespace unimem::detail
