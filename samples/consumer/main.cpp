// A program outside the unimem tree: a shared region, a ThreadLocalAllocator in it, and a record
// that a child process (this program again) finds through its ShmPtr and updates in place.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "unimem/memory/allocator/thread_local_allocator.hpp"
#include "unimem/memory/backend/posix_shm_backend.hpp"
#include "unimem/memory/memory_manager.hpp"

using namespace unimem;

struct Record {
  int visits;
  char text[32];
};

int main(int argc, char **argv) {
  MemoryManager mm;
  if (argc == 3) {  // the child: attach, resolve, update
    if (!mm.attach_backend<PosixShmBackend>(BackendId{0}, argv[1])) return 2;
    auto heap = mm.attach_allocator<ThreadLocalAllocator>(AllocatorId{0}, BackendId{0});
    if (!heap) return 3;
    const ShmPtr<Record> p{AllocatorId{0}, 0, OffsetPtr<Record>(std::stoull(argv[2]))};
    Record *r = mm.to_address(p);
    ++r->visits;
    std::strcpy(r->text, "updated by the child");
    return 0;
  }
  const std::string name = "unimem-consumer-" + std::to_string(getpid());
  if (!mm.create_backend<PosixShmBackend>(BackendId{0}, name, 16 << 20)) return 1;
  auto heap = mm.create_allocator<ThreadLocalAllocator>(AllocatorId{0}, BackendId{0});
  FullPtr<Record> r = (*heap)->allocate<Record>({});
  *r.ptr = Record{1, "written by the parent"};
  std::fflush(stdout);
  if (fork() == 0) {
    execl("/proc/self/exe", argv[0], name.c_str(), std::to_string(r.shm.off.offset()).c_str(), static_cast<char *>(nullptr));
    _exit(127);
  }
  int status = 0;
  wait(&status);
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && r->visits == 2;
  std::printf("consumer: visits=%d text=\"%s\": %s\n", r->visits, r->text, ok ? "OK" : "FAILED");
  (void)mm.destroy_backend(BackendId{0});
  return ok ? 0 : 1;
}
