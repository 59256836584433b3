// Test support: unique region names, a guard that removes them, and fork + exec of the helper
// program (tests/helper) so multi-process tests run a genuinely separate process image.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace unimem::test {

/// "unimem-test-<pid>-<n>-<label>": unique per process and call, so parallel ctest runs never collide.
std::string unique_name(const std::string &label);

/// Removes a shm name on scope exit (whether or not the test created it successfully).
struct ShmNameGuard {
  std::string name;
  explicit ShmNameGuard(std::string n) : name(std::move(n)) {}
  ~ShmNameGuard();
};

/// @return whether /dev/shm has an entry for @p name (with or without the leading '/').
bool shm_exists(const std::string &name);

struct ChildResult {
  int exit_code = -1;  ///< exit status, or 128 + signal when the child was killed
  std::string out;     ///< everything the child wrote to stdout
};

/// Starts program @p exe with @p args (fork + exec); if @p run_as is set the child drops to that
/// uid/gid first. With @p stdout_fd, the child's stdout is a pipe whose read end is returned there.
pid_t spawn(const std::string &exe, const std::vector<std::string> &args, int *stdout_fd = nullptr,
            std::optional<uid_t> run_as = std::nullopt);
/// spawn() of the test helper program.
pid_t spawn_helper(const std::vector<std::string> &args, int *stdout_fd = nullptr,
                   std::optional<uid_t> run_as = std::nullopt);
/// Waits for a child from spawn_helper and collects its output.
ChildResult wait_helper(pid_t pid, int stdout_fd = -1);
/// spawn + wait_helper.
ChildResult run(const std::string &exe, const std::vector<std::string> &args, std::optional<uid_t> run_as = std::nullopt);
ChildResult run_helper(const std::vector<std::string> &args, std::optional<uid_t> run_as = std::nullopt);

/// A process that maps shm region @p name read-only and then makes itself non-dumpable, so that
/// other processes of its user cannot read its maps; as @p run_as if set. Killed and reaped with
/// this object. pid() is -1 if it could not drop privileges or map the region.
class UnreadableMapper {
 public:
  UnreadableMapper(const std::string &name, std::optional<uid_t> run_as);
  ~UnreadableMapper();
  UnreadableMapper(const UnreadableMapper &) = delete;
  UnreadableMapper &operator=(const UnreadableMapper &) = delete;
  pid_t pid() const noexcept { return pid_; }

 private:
  pid_t pid_ = -1;
};

}  // namespace unimem::test

/// Asserts (GoogleTest) that a Result is ok, printing its error otherwise.
#define UNIMEM_ASSERT_OK(expr)                          \
  do {                                                  \
    const auto &unimem_r_ = (expr);                     \
    ASSERT_TRUE(unimem_r_) << unimem_r_.error().what(); \
  } while (0)
