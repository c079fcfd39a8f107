/* memory.h — sparse physical memory with real contents, a frame allocator, and the latency model
 * (set-associative caches of 64-byte lines, then DRAM: cache.h) that PTE loads go through. */
#ifndef MMU_MEMORY_H
#define MMU_MEMORY_H

#include "cache.h"
#include "mmusim.h"

#include <string.h>

#define MMU_FRAME_BYTES 4096u
#define MMU_PHYS_MAX (1ull << 40) /* the directory is sized for at most 1 TiB */

#define MMU_MEM_CHUNK_FRAMES 512u /* frames per directory chunk (2 MiB of physical memory) */

/* Visible here only so that mmu_mem_read64, a page walk's PTE read, can be inlined into the
 * walker; everything else goes through the functions. Frame storage: MMU_FRAME_BYTES of
 * contents, then a 64-bit mask of the 64-byte lines that hold real bytes (memory.c). A frame
 * without storage points at memory.c's shared no_frame (no valid line: reads as zero) and a
 * chunk without storage is the memory's no_chunk (every frame no_frame), so that a read follows
 * the directory with no test for either. */
typedef struct mmu_mem {
  uint64_t bytes, frames;
  uint8_t ***dir; /* dir[chunk][frame] -> frame storage, allocated on first write */
  uint8_t **no_chunk;
  uint64_t *alloc_bits, *table_bits;
  uint64_t free_frames, hint; /* hint: word index to start the downward search at */
  mmu_cache_t *cache;         /* the latency model of PTE loads */
  uint64_t frames_backed;
  uint64_t table_gen; /* see mmu_mem_table_gen */
} mmu_mem_t;

mmu_status_t mmu_mem_create(uint64_t phys_bytes, const mmu_cache_config_t cache[MMU_CACHE_LEVELS],
                            uint32_t dram_latency, mmu_mem_t **out);
void mmu_mem_destroy(mmu_mem_t *mem);
uint64_t mmu_mem_size(const mmu_mem_t *mem);

/* mmu_mem_read64 of an address known to be 8-byte aligned. */
static inline bool mmu_mem_read64_aligned(const mmu_mem_t *m, uint64_t pa, uint64_t *v) {
  if (pa >= m->bytes) return false;
  uint64_t fn = pa / MMU_FRAME_BYTES, off = pa % MMU_FRAME_BYTES, valid;
  const uint8_t *f = m->dir[fn / MMU_MEM_CHUNK_FRAMES][fn % MMU_MEM_CHUNK_FRAMES];
  memcpy(&valid, f + MMU_FRAME_BYTES, sizeof valid);
  if (!((valid >> (off / 64)) & 1)) {
    *v = 0;
    return true;
  }
  memcpy(v, f + off, 8);
  return true;
}
/* 8-byte aligned word access; false when pa is outside memory. Untouched memory reads as 0. */
static inline bool mmu_mem_read64(const mmu_mem_t *m, uint64_t pa, uint64_t *v) {
  return !(pa & 7) && mmu_mem_read64_aligned(m, pa, v);
}
bool mmu_mem_write64(mmu_mem_t *mem, uint64_t pa, uint64_t v);
mmu_status_t mmu_mem_read(const mmu_mem_t *mem, uint64_t pa, void *buf, size_t len);
mmu_status_t mmu_mem_write(mmu_mem_t *mem, uint64_t pa, const void *buf, size_t len);
mmu_status_t mmu_mem_zero(mmu_mem_t *mem, uint64_t pa, size_t len);
/* Direct pointer to a frame's bytes (allocating its storage, every byte real), NULL if outside
 * memory; its bytes are the frame's until the next mmu_mem_zero or mmu_mem_copy_frame of it. */
uint8_t *mmu_mem_frame_ptr(mmu_mem_t *mem, uint64_t pa);

/* Latency model (forwards to mmu_cache_access): cycles for a PTE-sized access at pa; updates
 * cache state. *level_out is the cache level that hit (0..MMU_CACHE_LEVELS-1) or
 * MMU_CACHE_LEVELS for DRAM. Inlined where level_out is given (the walker's PTE loads), called
 * where it is NULL (its rare A/D writes), so that the walker stays small enough for the compiler
 * to inline the rest of it. */
static inline uint32_t mmu_mem_timed_access(mmu_mem_t *mem, uint64_t pa, int *level_out) {
  return level_out ? mmu_cache_access(mem->cache, pa, level_out)
                   : mmu_cache_access_call(mem->cache, pa, NULL);
}
void mmu_mem_cache_flush(mmu_mem_t *mem);

/* Frame allocator (top of memory downwards, so user-chosen low addresses rarely collide). */
mmu_status_t mmu_mem_frame_alloc(mmu_mem_t *mem, uint64_t *pa);
mmu_status_t mmu_mem_frame_free(mmu_mem_t *mem, uint64_t pa);
bool mmu_mem_frame_allocated(const mmu_mem_t *mem, uint64_t pa);
uint64_t mmu_mem_frames_free(const mmu_mem_t *mem);
/* Page-table frames are marked so that a user mapping cannot point data at them by mistake. */
void mmu_mem_mark_table(mmu_mem_t *mem, uint64_t pa, bool is_table);
bool mmu_mem_is_table(const mmu_mem_t *mem, uint64_t pa);
/* Host bytes used by the model's memory bookkeeping (not frame contents), for benchmarks. */
size_t mmu_mem_host_bytes(const mmu_mem_t *mem, size_t *frame_bytes);

/* Counts the events that may change which leaf table a virtual address leads to: a page-table
 * frame freed, or written through mmu_mem_write/zero/copy_frame (mmu_mem_write64 edits of single
 * entries do not count). A cache of leaf-table addresses stays valid while it is unchanged. */
uint64_t mmu_mem_table_gen(const mmu_mem_t *mem);
/* Copies frame src to frame dst (both frame-aligned) without an intermediate buffer: only the
 * parts of src ever written are copied, the rest reads as zero in both. */
mmu_status_t mmu_mem_copy_frame(mmu_mem_t *mem, uint64_t dst, uint64_t src);

#endif
