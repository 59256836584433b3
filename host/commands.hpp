// The subcommands of the `unimem` tool; each prints its report and returns the exit code
// (0 success, 1 the operation failed, 2 usage error).
#pragma once

#include <string>
#include <vector>

namespace unimem::tool {

extern const char *const kUsage;

/// Prints "unimem: <why>" and the usage text to stderr; returns 2.
int usage_error(const std::string &why);

int info();

int shm_list();
/// @param check_only only the header and allocator checks, not the region's description
int shm_inspect(const char *name, bool check_only, bool reclaim);
int shm_remove(const char *name, bool force);

/// @param args the arguments after "bench"
int bench(const std::vector<std::string> &args);

}  // namespace unimem::tool
