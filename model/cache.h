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

/* Visible here only so that mmu_cache_access, every timed PTE load's, can be inlined into the
 * walker (memory.h's mmu_mem_timed_access); everything else goes through the functions.
 *
 * Exact LRU with "an invalid way first" victims, at a few vector operations per level: each set
 * keeps per way an 8-bit fingerprint of its line and an 8-bit age (0 = most recently used,
 * ways-1 = least), sixteen ways to a 16-byte vector (GCC vector extensions: SSE2 on x86-64,
 * NEON on Arm), so a lookup compares sixteen fingerprints at once and a recency update is four
 * operations per vector. Only a matching fingerprint (1 in 256 per way otherwise) costs a
 * compare of the full tag.
 *
 * The ages of a set are always a permutation of 0..ways-1 with every invalid way older than
 * every valid one: a fill takes the way of age ways-1, which is therefore an invalid way while
 * one is left, else the LRU line. Which invalid way is taken is not observable (only the set of
 * lines held is), so hits and latencies are those of the recency-ordered lists this replaced.
 *
 * A set is one block: its fingerprint vectors, its age vectors, then its tags, so that a level
 * access touches one host page and few host lines (separate arrays measured slower: the host
 * cache and TLB misses on the 5 MiB LLC model cost more than the instructions). The vectors are
 * padded to a multiple of 16 ways and so are the tags: a padding way has tag 0, which no line
 * has (a tag is the line + 1), so that its fingerprint 0xff may match, and age 0x7f, which neither
 * an update nor the victim search changes or picks. Host memory per line: 8 bytes of tag plus 32
 * bytes per set and 16 ways (the 32 MiB LLC model: 5 MiB), padding aside.
 * A direct-mapped level keeps tags only. */
typedef struct mmu_cache_level {
  uint32_t sets, ways, groups; /* groups: 16-way vectors per set and kind */
  uint64_t mask;               /* sets - 1 when sets is a power of two, else 0 (use %) */
  bool pow2;
  size_t block;      /* bytes per set: groups fingerprint vectors, groups age vectors, tags */
  mmu_v16_t oldest;  /* ways - 1 in every lane: the age of the next victim */
  mmu_v16_t one;     /* 1 in the lanes of the ways, 0 in the padding */
  uint8_t *sets_mem; /* sets blocks, 64-byte aligned */
} mmu_cache_level_t;

struct mmu_cache {
  mmu_cache_level_t level[MMU_CACHE_LEVELS];
  int nlevels;
  /* Every level is there and has a power-of-two number of sets and 2..16 ways (the defaults):
   * the access then needs no per-level choice of indexing or layout, nor a level count. */
  bool simple;
  uint32_t latency[MMU_CACHE_LEVELS + 1]; /* cycles by where an access hits: *level_out */
  /* Every access leaves its line the most recently used of its first-level set (a hit moves it
   * there, a miss fills it there), so an access to the line of the access before hits the first
   * level and changes nothing: line + 1 of the last access, 0 = none. */
  uint64_t last;
};

/* A multiplicative hash's top byte, from the line's low 32 bits (lines of one set share their
 * low bits; a 32-bit multiply takes its factor as an immediate). */
static inline uint32_t mmu_cache_fingerprint(uint64_t line) {
  return ((uint32_t)line * 0x9e3779b9u) >> 24;
}

/* The byte b (0..255) in every lane: a multiply spreads it over 32 bits, one shuffle over the
 * vector (fewer operations than a byte broadcast). */
static inline mmu_v16_t mmu_cache_splat(uint32_t b) {
  typedef uint32_t v4x32_t __attribute__((vector_size(16)));
  uint32_t w = b * 0x01010101u;
  return (mmu_v16_t)(v4x32_t){w, w, w, w};
}

/* Makes the way of age a (in every lane of ab) the most recently used: the younger ways age by
 * one. Per vector one compare, one subtract (a true compare is -1), one compare and a mask. */
static inline mmu_v16_t mmu_cache_aged(mmu_v16_t v, mmu_v16_t ab) {
  return (v - (v < ab)) & ~(v == ab);
}

/* The tag of a way of a simple level's set at p, after the set's two vectors: one addressing
 * mode (a pointer to the tags is one more instruction per level). */
static inline uint64_t *mmu_cache_tag16(uint8_t *p, uint32_t way) {
  return (uint64_t *)(p + 32 + 8 * (size_t)way);
}

/* One level of a simple cache's part of an access (cache.c's access_in for one vector of each
 * kind): true on a hit, which becomes the most recently used line; on a miss the line is put
 * into the way of age ways-1. fpb is the line's fingerprint in every lane. */
static inline bool mmu_cache_access16(const mmu_cache_level_t *l, uint64_t line, uint64_t want,
                                      mmu_v16_t fpb) {
  uint8_t *p = l->sets_mem + (line & l->mask) * l->block;
  mmu_v16_t *fpv = (mmu_v16_t *)p, *agev = fpv + 1;
  uint32_t m = mmu_lane_mask(*fpv == fpb);
  for (; __builtin_expect(m != 0, 0); m &= m - 1) { /* the usual miss: no fingerprint matches */
    uint32_t way = (uint32_t)__builtin_ctz(m);
    if (*mmu_cache_tag16(p, way) == want) {
      uint8_t a = ((const uint8_t *)agev)[way];
      if (a) *agev = mmu_cache_aged(*agev, mmu_cache_splat(a)); /* 0: already the most recent */
      return true;
    }
  }
  /* The ages are a permutation, so exactly one lane is the victim; it takes the line's
   * fingerprint, and every other way of the set ages by one (l->one: 1 in a way's lane, 0 in a
   * padding lane, whose age stays): mmu_cache_aged(age, l->oldest). Whole vectors are stored, not
   * the way's byte: the next 16-byte load of the set would stall on a byte store (measured 13%
   * slower full walks, with 3% fewer instructions). */
  mmu_v16_t age = *agev, victim = age == l->oldest;
  /* The tags after the vectors, indexed by the int way: GCC folds the 32 bytes into the store's
   * address (from mmu_cache_tag16's p + 32 + 8 * way it added 4 to the way, then extended it). */
  uint64_t *tag = (uint64_t *)(agev + 1);
  *fpv = (*fpv & ~victim) | (fpb & victim);
  tag[__builtin_ctz(mmu_lane_mask(victim))] = want;
  *agev = (age + l->one) & ~victim;
  return false;
}

/* mmu_cache_access of a line for a cache that is not simple (cache.c). */
uint32_t mmu_cache_access_general(mmu_cache_t *c, uint64_t line, int *level_out);

/* Cycles for a PTE-sized access at pa; updates the cache state (exact LRU per set: a miss puts
 * the line into an invalid way if the set has one, else in place of the least recently used
 * line, at every level above the one that hit). *level_out is the level that hit
 * (0..MMU_CACHE_LEVELS-1) or MMU_CACHE_LEVELS for DRAM. */
static inline uint32_t mmu_cache_access(mmu_cache_t *c, uint64_t pa, int *level_out) {
  uint64_t line = pa / MMU_LINE_BYTES, want = line + 1;
  if (want == c->last) { /* only set when there is a first level */
    if (level_out) *level_out = 0;
    return c->latency[0];
  }
  if (!c->simple) return mmu_cache_access_general(c, line, level_out);
  c->last = want;
  mmu_v16_t fpb = mmu_cache_splat(mmu_cache_fingerprint(line));
  /* The levels unrolled (cache.c asserts that there are three). */
  int hit = mmu_cache_access16(&c->level[0], line, want, fpb)   ? 0
            : mmu_cache_access16(&c->level[1], line, want, fpb) ? 1
            : mmu_cache_access16(&c->level[2], line, want, fpb) ? 2
                                                                : MMU_CACHE_LEVELS;
  if (level_out) *level_out = hit;
  return c->latency[hit];
}

/* mmu_cache_access out of line, for callers that need not inline it. */
uint32_t mmu_cache_access_call(mmu_cache_t *c, uint64_t pa, int *level_out);
/* Invalidates every line. */
void mmu_cache_flush(mmu_cache_t *c);

#endif
