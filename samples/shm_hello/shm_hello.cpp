// shm_hello: one region, two processes, no copies. The first process creates a shared region and
// puts a small board in it (a Mutex, a visit counter, a greeting); it then starts a second process
// (itself, exec'd) which attaches by name, reads the greeting in place, counts visits under the
// same lock as the first, and leaves a note whose ShmPtr the first process resolves.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/memory/memory_manager.hpp"
#include "unimem/thread/mutex.hpp"

using namespace unimem;

namespace {

constexpr BackendId kRegion{0};
constexpr AllocatorId kAlloc{0};
constexpr int kVisits = 100000;

struct Board {
  Mutex lock;
  std::uint64_t visits;
  char greeting[64];
  ShmPtr<char> note;  // written by the visitor, resolved by the host
  char note_text[64];
};

void visit(Board &board) {
  for (int i = 0; i < kVisits; ++i) {
    ScopedLock guard(board.lock);
    ++board.visits;
  }
}

int visitor(const char *name) {
  MemoryManager mm;
  auto region = mm.attach_backend<PosixShmBackend>(kRegion, name);
  if (!region) return std::fprintf(stderr, "visitor: %s\n", region.error().what().c_str()), 1;
  if (auto ok = mm.register_allocator(kAlloc, kRegion); !ok) return 1;
  auto &board = *reinterpret_cast<Board *>((*region)->data());
  std::printf("  [visitor pid %d] attached '%s' at %p and read: \"%s\"\n", getpid(), name,
              static_cast<void *>((*region)->base()), board.greeting);
  visit(board);
  std::snprintf(board.note_text, sizeof board.note_text, "pid %d was here", getpid());
  board.note = *mm.to_shm(kAlloc, board.note_text);
  return 0;
}

int host(const char *self) {
  MemoryManager mm;
  const std::string name = "unimem-shm-hello-" + std::to_string(getpid());
  auto region = mm.create_backend<PosixShmBackend>(kRegion, name, 1 << 20);
  if (!region) return std::fprintf(stderr, "shm_hello: %s\n", region.error().what().c_str()), 1;
  if (auto ok = mm.register_allocator(kAlloc, kRegion); !ok) return 1;
  auto *board = new ((*region)->data()) Board{};
  std::snprintf(board->greeting, sizeof board->greeting, "hello from pid %d", getpid());
  std::printf("  [host pid %d] created '%s' (%zu bytes) at %p\n", getpid(), name.c_str(), (*region)->region_size(),
              static_cast<void *>((*region)->base()));

  std::fflush(stdout);  // the visitor writes to the same stdout
  const pid_t child = fork();
  if (child == 0) {
    execl(self, self, "--visit", name.c_str(), static_cast<char *>(nullptr));
    _exit(127);
  }
  visit(*board);  // at the same time as the visitor, under the same lock
  int status = 0;
  waitpid(child, &status, 0);
  const bool child_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  const char *note = mm.to_address(board->note);
  const bool ok = child_ok && board->visits == 2u * kVisits && note;
  std::printf("  [host] visits counted by both processes under one Mutex: %llu (expected %d)\n",
              static_cast<unsigned long long>(board->visits), 2 * kVisits);
  std::printf("  [host] the visitor's note, through its ShmPtr {allocator %u, offset %llu}: \"%s\"\n",
              board->note.alloc.value, static_cast<unsigned long long>(board->note.off.offset()), note ? note : "(none)");
  (void)mm.destroy_backend(kRegion);
  std::printf("shm_hello: %s\n", ok ? "OK" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc == 3 && std::strcmp(argv[1], "--visit") == 0) return visitor(argv[2]);
  if (argc != 1) return std::fprintf(stderr, "usage: %s\n", argv[0]), 2;
  return host("/proc/self/exe");
}
