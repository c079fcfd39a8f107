/* cache.h — set-associative caches of 64-byte lines then DRAM: the latency model PTE loads go
 * through. */
#ifndef MMU_CACHE_H
#define MMU_CACHE_H

#include "mmusim.h"

#define MMU_LINE_BYTES 64u

typedef struct mmu_cache mmu_cache_t;

/* Levels after the first disabled one (size_bytes 0) are ignored, as the configuration check
 * requires; MMU_ERR_CONFIG for ways outside 1..64 or a size not a multiple of 64 * ways. */
mmu_status_t mmu_cache_create(const mmu_cache_config_t cfg[MMU_CACHE_LEVELS], uint32_t dram_latency,
                              mmu_cache_t **out);
void mmu_cache_destroy(mmu_cache_t *c);
/* Cycles for a PTE-sized access at pa; updates the cache state (exact LRU per set: a miss puts
 * the line into an invalid way if the set has one, else in place of the least recently used
 * line, at every level above the one that hit). *level_out is the level that hit
 * (0..MMU_CACHE_LEVELS-1) or MMU_CACHE_LEVELS for DRAM. */
uint32_t mmu_cache_access(mmu_cache_t *c, uint64_t pa, int *level_out);
/* Invalidates every line. */
void mmu_cache_flush(mmu_cache_t *c);

#endif
