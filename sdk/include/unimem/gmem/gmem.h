/* gmem.h: libgmem's C interface over unimem's gmem (sdk/include/unimem/gmem/gmem.hpp has the C++
 * one and the full semantics). The three libgmem functions keep their exact prototypes; the
 * unimemStream* functions are unimem's additions, because a C program on a machine without a GPU
 * has no native stream to pass.
 *
 * Return values, as libgmem: 0 on success, a negative errno value on failure:
 *   -EINVAL   null address, addr + size wraps, a bad page size (UNIMEM_GMEM_PAGE_SIZE), a stream
 *             that is neither NULL, a unimem host stream, nor a native stream of a GPU runtime
 *             linked in, or a stream of the wrong kind for the memory or the target
 *   -EFAULT   part of [addr, addr + size) is not mapped
 *   -ENODEV   hnid names no node (gmemPrefetch); no GPU where one is needed
 *   -ENOTSUP  the target cannot prefetch this memory
 *   -ENOMEM   out of memory
 *   -EIO      any other failure of the OS or GPU runtime
 * An asynchronous call (non-NULL stream) reports its late errors from unimemStreamSynchronize, for a
 * host stream and for a native GPU stream alike (unimem keeps a wrapper per native stream it has
 * seen; unimemStreamDestroy drops that wrapper and leaves the native stream to its owner).
 *
 * The page is 2 MiB, or the power of two given in bytes by UNIMEM_GMEM_PAGE_SIZE at the first call.
 * hnids: CPU NUMA nodes under their Linux numbers, then CUDA devices, then HIP devices. */
#ifndef UNIMEM_GMEM_H
#define UNIMEM_GMEM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Releases the physical pages of every whole page inside [addr, addr + size). */
int gmemFreeEager(unsigned long addr, size_t size, void *stream);
/* Makes the pages covering [addr, addr + size) resident on node hnid; marks them hot if they are. */
int gmemPrefetch(unsigned long addr, size_t size, int hnid, void *stream);
/* The heterogeneous NUMA id of the current device (>= 0), or a negative errno value. */
int gmemGetNumaId(void);

/* A new host stream (one worker thread running calls in order), or NULL when none can be made. */
void *unimemStreamCreateHost(void);
/* Waits for a stream's calls; returns the first error among them (0 if none). */
int unimemStreamSynchronize(void *stream);
/* Waits for the stream, then frees a host stream or forgets a native one. -EINVAL for a pointer
 * unimem does not know. */
int unimemStreamDestroy(void *stream);

#ifdef __cplusplus
}
#endif

#endif /* UNIMEM_GMEM_H */
