// Thread scopes, as in libcu++: which threads an atomic operation must be coherent with.
#pragma once

namespace unimem {

/// Anything in shared or host-mapped memory must use `system` (other processes, host <-> GPU).
enum class thread_scope { system, device, block, thread };

}  // namespace unimem
