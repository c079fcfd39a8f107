/* cache.c — set-associative caches of 64-byte lines then DRAM: the latency model PTE loads go
 * through. */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

/* Exact LRU with "an invalid way first" victims, at a few vector operations per level: each set
 * keeps per way an 8-bit fingerprint of its line and an 8-bit age (0 = most recently used,
 * ways-1 = least), sixteen ways to a 16-byte vector (GCC vector extensions: SSE2 on x86-64,
 * NEON on Arm), so a lookup compares sixteen fingerprints at once and a recency update is four
 * operations per vector. Only a matching fingerprint (1 in 128 per way otherwise) costs a
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
 * padded to a multiple of 16 ways, the tags are not: a padding lane has fingerprint 0xff, which no
 * line gets, and age 0x7f, which neither an update nor the victim search changes or picks. Host
 * memory per line: 8 bytes of tag plus 32 bytes per set and 16 ways (the 32 MiB LLC model: 5 MiB).
 * A direct-mapped level keeps tags only. */
typedef mmu_v16_t v16_t;
typedef uint64_t v2x64_t __attribute__((vector_size(16)));

#define PAD_FP (-1) /* 0xff */
#define PAD_AGE 0x7f
#define MAX_BLOCK (2 * 4 * 16 + 64 * 8) /* the block of a 64-way set */

typedef struct cache_level {
  uint32_t sets, ways, groups;          /* groups: 16-way vectors per set and kind */
  uint64_t mask;                        /* sets - 1 when sets is a power of two, else 0 (use %) */
  bool pow2;
  size_t block;      /* bytes per set: groups fingerprint vectors, groups age vectors, ways tags */
  v16_t oldest;      /* ways - 1 in every lane: the age of the next victim */
  v16_t one;         /* 1 in the lanes of the ways, 0 in the padding */
  uint8_t *sets_mem; /* sets blocks, 64-byte aligned */
} cache_level_t;

struct mmu_cache {
  cache_level_t level[MMU_CACHE_LEVELS];
  int nlevels;
  /* Every level is there and has a power-of-two number of sets and 2..16 ways (the defaults):
   * the access loop then needs no per-level choice of indexing or layout, nor a level count. */
  bool simple;
  uint32_t latency[MMU_CACHE_LEVELS + 1]; /* cycles by where an access hits: *level_out */
  /* Every access leaves its line the most recently used of its first-level set (a hit moves it
   * there, a miss fills it there), so an access to the line of the access before hits the first
   * level and changes nothing: line + 1 of the last access, 0 = none. */
  uint64_t last;
};

/* A multiplicative hash's top seven bits, from every bit of the line (lines of one set share
 * their low bits), in every lane: 0..127, never the padding's 0xff. A multiply spreads the byte
 * (fewer operations than a vector broadcast); one bit less than a byte costs a tag compare in
 * 1 of 128 ways instead of 1 of 255, fewer instructions than excluding one value. */
static inline v16_t fingerprints(uint64_t line) {
  uint64_t b = ((line * 0x9e3779b97f4a7c15ull) >> 57) * 0x0101010101010101ull;
  return (v16_t)(v2x64_t){b, b};
}

/* Every set empty: the first block built once (tags 0 = invalid), then copied to every set. */
static void level_reset(cache_level_t *l) {
  _Alignas(16) uint8_t first[MAX_BLOCK] = {0};
  if (l->ways > 1) {
    int8_t *fp = (int8_t *)first, *age = fp + 16 * l->groups;
    for (uint32_t w = 0; w < l->groups * 16; w++) {
      fp[w] = w < l->ways ? 0 : PAD_FP;
      age[w] = w < l->ways ? (int8_t)w : PAD_AGE;
    }
  }
  for (uint64_t s = 0; s < l->sets; s++)
    memcpy(l->sets_mem + s * l->block, first, l->block);
}

mmu_status_t mmu_cache_create(const mmu_cache_config_t cfg[MMU_CACHE_LEVELS], uint32_t dram_latency,
                              mmu_cache_t **out) {
  if (!out || !cfg) return MMU_ERR_NULL;
  *out = NULL;
  mmu_cache_t *c = calloc(1, sizeof *c);
  if (!c) return MMU_ERR_NOMEM;
  c->latency[MMU_CACHE_LEVELS] = dram_latency;
  for (int i = 0; i < MMU_CACHE_LEVELS; i++) {
    const mmu_cache_config_t *k = &cfg[i];
    if (k->size_bytes == 0) break; /* levels after a disabled one are ignored */
    if (k->ways < 1 || k->ways > 64 || k->size_bytes % (MMU_LINE_BYTES * k->ways)) {
      mmu_cache_destroy(c);
      return MMU_ERR_CONFIG; /* mmu_config_check names the field; this guards the arrays */
    }
    cache_level_t *l = &c->level[c->nlevels++]; /* counted now: destroy frees a partial level */
    l->ways = k->ways;
    l->groups = (k->ways + 15) / 16;
    l->sets = k->size_bytes / (MMU_LINE_BYTES * k->ways);
    c->latency[c->nlevels - 1] = k->latency;
    l->pow2 = !(l->sets & (l->sets - 1));
    l->mask = l->pow2 ? l->sets - 1 : 0;
    l->oldest = (v16_t){0} + (int8_t)(l->ways - 1);
    for (uint32_t w = 0; w < 16; w++)
      l->one[w] = w < l->ways;
    /* Blocks a multiple of 16 bytes, so that every block's vectors are aligned. */
    l->block = l->ways == 1 ? 8 : (32 * l->groups + 8 * l->ways + 15) & ~(size_t)15;
    size_t bytes = ((size_t)l->sets * l->block + 63) & ~(size_t)63;
    l->sets_mem = aligned_alloc(64, bytes);
    if (!l->sets_mem) {
      mmu_cache_destroy(c);
      return MMU_ERR_NOMEM;
    }
    level_reset(l);
  }
  c->simple = c->nlevels == MMU_CACHE_LEVELS;
  for (int i = 0; i < c->nlevels; i++)
    c->simple &= c->level[i].pow2 && c->level[i].ways > 1 && c->level[i].groups == 1;
  *out = c;
  return MMU_OK;
}

void mmu_cache_destroy(mmu_cache_t *c) {
  if (!c) return;
  for (int i = 0; i < MMU_CACHE_LEVELS; i++)
    free(c->level[i].sets_mem);
  free(c);
}

/* Makes the way of age a (in every lane of ab) the most recently used: the younger ways age by
 * one. Per vector one compare, one subtract (a true compare is -1), one compare and a mask. */
static inline v16_t aged(v16_t v, v16_t ab) {
  return (v - (v < ab)) & ~(v == ab);
}

/* One level's part of an access to the set at p: true on a hit, which becomes the most recently
 * used line; on a miss the line is put into the way of age ways-1 (an invalid way if any, else
 * the LRU line) as the most recently used. Every level above the one that hits (all of them, for
 * DRAM) is filled and the levels are independent, so filling on the miss is the same as filling
 * after the lookup has ended. */
static inline bool access_in(const cache_level_t *l, uint8_t *p, uint64_t want, v16_t fpb) {
  v16_t *fpv = (v16_t *)p, *age = fpv + l->groups;
  uint64_t *tag = (uint64_t *)(age + l->groups);
  for (uint32_t g = 0; g < l->groups; g++) {
    for (uint32_t m = mmu_lane_mask(fpv[g] == fpb); m; m &= m - 1) {
      uint32_t way = g * 16 + (uint32_t)__builtin_ctz(m);
      if (tag[way] == want) {
        int8_t a = ((const int8_t *)age)[way];
        if (a) /* 0: already the most recent */
          for (uint32_t h = 0; h < l->groups; h++)
            age[h] = aged(age[h], (v16_t){0} + a);
        return true;
      }
    }
  }
  for (uint32_t g = 0; g < l->groups; g++) {
    v16_t victim = age[g] == l->oldest;
    uint32_t m = mmu_lane_mask(victim);
    if (m) {
      fpv[g] = (fpv[g] & ~victim) | (fpb & victim);
      tag[g * 16 + (uint32_t)__builtin_ctz(m)] = want;
      break;
    }
  }
  for (uint32_t g = 0; g < l->groups; g++)
    age[g] = aged(age[g], l->oldest);
  return false;
}

/* access_in for a level of c->simple: one vector of each kind. The ages are a permutation, so
 * exactly one lane is the victim; it takes the line's fingerprint byte, and every other way of
 * the set ages by one (l->one: 1 in a way's lane, 0 in a padding lane, whose age stays). */
static inline bool access16(const cache_level_t *l, uint64_t line, uint64_t want, v16_t fpb) {
  uint8_t *p = l->sets_mem + (line & l->mask) * l->block;
  v16_t *fpv = (v16_t *)p, *agev = fpv + 1;
  uint64_t *tag = (uint64_t *)(agev + 1);
  uint32_t m = mmu_lane_mask(*fpv == fpb);
  for (; __builtin_expect(m != 0, 0); m &= m - 1) { /* the usual miss: no fingerprint matches */
    uint32_t way = (uint32_t)__builtin_ctz(m);
    if (tag[way] == want) {
      int8_t a = ((const int8_t *)agev)[way];
      if (a) *agev = aged(*agev, (v16_t){0} + a); /* 0: already the most recent */
      return true;
    }
  }
  v16_t age = *agev, victim = age == l->oldest;
  uint32_t way = (uint32_t)__builtin_ctz(mmu_lane_mask(victim));
  ((int8_t *)fpv)[way] = fpb[0];
  tag[way] = want;
  *agev = (age + l->one) & ~victim; /* aged(age, l->oldest) */
  return false;
}

/* The access loop for caches that are not c->simple, out of line so that the simple loop keeps
 * few registers to save. */
static __attribute__((noinline)) uint32_t access_general(mmu_cache_t *c, uint64_t line,
                                                         int *level_out) {
  uint64_t want = line + 1;
  v16_t fpb = fingerprints(line);
  c->last = c->nlevels ? want : 0;
  int hit = 0;
  for (; hit < c->nlevels; hit++) {
    const cache_level_t *l = &c->level[hit];
    uint8_t *p = l->sets_mem + (l->pow2 ? line & l->mask : line % l->sets) * l->block;
    if (l->ways == 1) { /* direct mapped: no choice, no ages */
      uint64_t *tag = (uint64_t *)p;
      bool h = *tag == want;
      *tag = want;
      if (h) break;
    } else if (access_in(l, p, want, fpb)) {
      break;
    }
  }
  if (hit == c->nlevels) hit = MMU_CACHE_LEVELS;
  if (level_out) *level_out = hit;
  return c->latency[hit];
}

uint32_t mmu_cache_access(mmu_cache_t *c, uint64_t pa, int *level_out) {
  uint64_t line = pa / MMU_LINE_BYTES, want = line + 1;
  if (want == c->last) { /* only set when there is a first level */
    if (level_out) *level_out = 0;
    return c->latency[0];
  }
  if (!c->simple) return access_general(c, line, level_out);
  c->last = want;
  v16_t fpb = fingerprints(line);
  _Static_assert(MMU_CACHE_LEVELS == 3, "the levels of a simple cache, unrolled");
  int hit = access16(&c->level[0], line, want, fpb)   ? 0
            : access16(&c->level[1], line, want, fpb) ? 1
            : access16(&c->level[2], line, want, fpb) ? 2
                                                      : MMU_CACHE_LEVELS;
  if (level_out) *level_out = hit;
  return c->latency[hit];
}

void mmu_cache_flush(mmu_cache_t *c) {
  for (int i = 0; i < c->nlevels; i++)
    level_reset(&c->level[i]);
  c->last = 0;
}
