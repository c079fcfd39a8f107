/* cache.h — set-associative caches of 64-byte lines then DRAM: the latency model PTE loads go
 * through. */
#ifndef MMU_CACHE_H
#define MMU_CACHE_H

#include "mmusim.h"

#define MMU_LINE_BYTES 64u

/* Sixteen bytes as one vector (GCC vector extensions: SSE2 on x86-64, NEON on Arm), for the
 * caches here and the page-walk caches' ASID search. */
typedef int8_t mmu_v16_t __attribute__((vector_size(16)));

/* Bit i set when byte lane i of m (lanes 0 or -1, e.g. a compare's result) is set: SSE2's
 * pmovmskb, which every x86-64 compiler has, else a portable fallback from the two 64-bit halves
 * of a little-endian host (lane i is byte i % 8 of half i / 8, as the callers assume), where a
 * multiply gathers the eight top bits of a half into its top byte. The only target-specific code
 * of the model. */
static inline uint32_t mmu_lane_mask(mmu_v16_t m) {
#if defined(__SSE2__)
  typedef char v16c_t __attribute__((vector_size(16))); /* the builtin's type */
  return (uint32_t)__builtin_ia32_pmovmskb128((v16c_t)m);
#else
  typedef uint64_t v2x64_t __attribute__((vector_size(16)));
  v2x64_t h = ((v2x64_t)m >> 7) & 0x0101010101010101ull;
  return (uint32_t)((h[0] * 0x0102040810204080ull) >> 56) |
         (uint32_t)((h[1] * 0x0102040810204080ull) >> 56) << 8;
#endif
}

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
