/* gmem.h from C, compiled by the C compiler: libgmem's three functions and unimem's host streams,
 * effects checked with mincore, errors as negative errno values. Exit status 0 when all checks hold. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "unimem/gmem/gmem.h"

#define PAGE (2ul << 20)

static int failures = 0;
#define CHECK(cond)                                              \
  do {                                                           \
    if (!(cond)) {                                               \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                \
    }                                                            \
  } while (0)

static size_t resident(const char *p, size_t len) {
  unsigned char vec[1024];
  size_t n = len / 4096, count = 0;
  if (n > sizeof vec || mincore((void *)p, len, vec) != 0) return (size_t)-1;
  for (size_t i = 0; i < n; ++i) count += vec[i] & 1;
  return count;
}

int main(void) {
  char *raw = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(raw != MAP_FAILED);
  char *p = (char *)(((uintptr_t)raw + PAGE - 1) & ~(uintptr_t)(PAGE - 1));
  unsigned long addr = (unsigned long)(uintptr_t)p;

  CHECK(resident(p, PAGE) == 0);
  CHECK(gmemPrefetch(addr, PAGE, 0, NULL) == 0);
  CHECK(resident(p, PAGE) == PAGE / 4096);
  memset(p, 7, PAGE);
  CHECK(gmemFreeEager(addr, PAGE, NULL) == 0);
  CHECK(resident(p, PAGE) == 0);
  CHECK(gmemFreeEager(addr + 1, PAGE, NULL) == 0); /* no whole page inside: success */

  CHECK(gmemGetNumaId() >= 0);

  void *stream = unimemStreamCreateHost();
  CHECK(stream != NULL);
  CHECK(gmemPrefetch(addr, PAGE, 0, stream) == 0);
  CHECK(unimemStreamSynchronize(stream) == 0);
  CHECK(resident(p, PAGE) == PAGE / 4096);
  CHECK(gmemFreeEager(addr, PAGE, stream) == 0);
  CHECK(unimemStreamDestroy(stream) == 0);
  CHECK(resident(p, PAGE) == 0);

  int not_a_stream = 0;
  CHECK(gmemFreeEager(0, PAGE, NULL) == -EINVAL);
  CHECK(gmemPrefetch(addr, PAGE, 1 << 20, NULL) == -ENODEV);
  CHECK(gmemPrefetch(addr, PAGE, 0, &not_a_stream) == -EINVAL);
  CHECK(unimemStreamDestroy(&not_a_stream) == -EINVAL);
  CHECK(gmemFreeEager(~0ul - 100, 4096, NULL) == -EINVAL);
  munmap(raw, 3 * PAGE);
  CHECK(gmemFreeEager(addr, PAGE, NULL) == -EFAULT);
  CHECK(gmemPrefetch(addr, PAGE, 0, NULL) == -EFAULT);

  if (failures == 0) printf("gmem C API: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
