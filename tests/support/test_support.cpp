#include "test_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace unimem::test {

std::string unique_name(const std::string &label) {
  const std::string prefix = "unimem-test-" + std::to_string(getpid()) + "-";
  // Regions under this pid's prefix before our first name are leftovers of a killed process that
  // had the same pid; they would make our exclusive creates fail.
  static const bool swept = [&] {
    std::error_code ec;
    for (const auto &entry : std::filesystem::directory_iterator("/dev/shm", ec)) {
      const std::string file = entry.path().filename().string();
      if (file.starts_with(prefix)) shm_unlink(("/" + file).c_str());
    }
    return true;
  }();
  (void)swept;
  static std::atomic<int> counter{0};
  return prefix + std::to_string(counter++) + "-" + label;
}

ShmNameGuard::~ShmNameGuard() {
  std::string n = name.empty() || name[0] == '/' ? name : "/" + name;
  shm_unlink(n.c_str());
}

bool shm_exists(const std::string &name) {
  std::string path = "/dev/shm/" + (name.empty() || name[0] != '/' ? name : name.substr(1));
  return access(path.c_str(), F_OK) == 0;
}

pid_t spawn(const std::string &exe, const std::vector<std::string> &args, int *stdout_fd, std::optional<uid_t> run_as) {
  int fds[2] = {-1, -1};
  if (stdout_fd && pipe(fds) != 0) std::abort();
  std::vector<char *> argv;
  std::vector<std::string> copy = args;
  copy.insert(copy.begin(), exe);
  for (auto &a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    if (stdout_fd) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
    }
    if (run_as && (setgid(*run_as) != 0 || setuid(*run_as) != 0)) _exit(120);
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (stdout_fd) {
    close(fds[1]);
    *stdout_fd = fds[0];
  }
  return pid;
}

ChildResult wait_helper(pid_t pid, int stdout_fd) {
  ChildResult r;
  if (stdout_fd >= 0) {
    char buf[4096];
    ssize_t n;
    while ((n = read(stdout_fd, buf, sizeof buf)) > 0) r.out.append(buf, static_cast<size_t>(n));
    close(stdout_fd);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

pid_t spawn_helper(const std::vector<std::string> &args, int *stdout_fd, std::optional<uid_t> run_as) {
  return spawn(UNIMEM_TEST_HELPER_PATH, args, stdout_fd, run_as);
}

ChildResult run(const std::string &exe, const std::vector<std::string> &args, std::optional<uid_t> run_as) {
  int fd = -1;
  const pid_t pid = spawn(exe, args, &fd, run_as);
  return wait_helper(pid, fd);
}

ChildResult run_helper(const std::vector<std::string> &args, std::optional<uid_t> run_as) {
  return run(UNIMEM_TEST_HELPER_PATH, args, run_as);
}

UnreadableMapper::UnreadableMapper(const std::string &name, std::optional<uid_t> run_as) {
  const std::string path = "/" + name;  // built before fork: the child only makes system calls
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return;
  const pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    if (run_as && (setgid(*run_as) != 0 || setuid(*run_as) != 0)) _exit(2);
    const int fd = shm_open(path.c_str(), O_RDONLY, 0);
    if (fd < 0 || mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED) _exit(3);
    prctl(PR_SET_DUMPABLE, 0);
    const char c = 'r';
    if (write(ready[1], &c, 1) != 1) _exit(4);
    pause();
    _exit(0);
  }
  close(ready[1]);
  char c = 0;
  ssize_t got = -1;
  while (pid > 0 && (got = read(ready[0], &c, 1)) < 0 && errno == EINTR) {
  }
  close(ready[0]);
  const bool up = got == 1;
  if (pid > 0 && !up) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  pid_ = up ? pid : -1;
}

UnreadableMapper::~UnreadableMapper() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

}  // namespace unimem::test
