/* cache.c — set-associative caches of 64-byte lines then DRAM: the latency model PTE loads go
 * through. */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

typedef mmu_v16_t v16_t;

#define PAD_FP (-1) /* 0xff */
#define PAD_AGE 0x7f
#define MAX_BLOCK ((32 + 8 * 16) * 4) /* the block of a 64-way set */

/* Every set empty: the first block built once (tags 0 = invalid or padding), then copied to
 * every set. */
static void level_reset(mmu_cache_level_t *l) {
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
    mmu_cache_level_t *l = &c->level[c->nlevels++]; /* counted now: destroy frees a partial level */
    l->ways = k->ways;
    l->groups = (k->ways + 15) / 16;
    l->sets = k->size_bytes / (MMU_LINE_BYTES * k->ways);
    c->latency[c->nlevels - 1] = k->latency;
    l->pow2 = !(l->sets & (l->sets - 1));
    l->mask = l->pow2 ? l->sets - 1 : 0;
    l->oldest = (v16_t){0} + (int8_t)(l->ways - 1);
    for (uint32_t w = 0; w < 16; w++)
      l->one[w] = w < l->ways;
    l->block = l->ways == 1 ? 8 : (32 + 8 * 16) * l->groups; /* vectors and tags of 16 ways */
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

/* One level's part of an access to the set at p: true on a hit, which becomes the most recently
 * used line; on a miss the line is put into the way of age ways-1 (an invalid way if any, else
 * the LRU line) as the most recently used. Every level above the one that hits (all of them, for
 * DRAM) is filled and the levels are independent, so filling on the miss is the same as filling
 * after the lookup has ended. */
static inline bool access_in(const mmu_cache_level_t *l, uint8_t *p, uint64_t want, v16_t fpb) {
  v16_t *fpv = (v16_t *)p, *age = fpv + l->groups;
  uint64_t *tag = (uint64_t *)(age + l->groups);
  for (uint32_t g = 0; g < l->groups; g++) {
    for (uint32_t m = mmu_lane_mask(fpv[g] == fpb); m; m &= m - 1) {
      uint32_t way = g * 16 + (uint32_t)__builtin_ctz(m);
      if (tag[way] == want) {
        uint8_t a = ((const uint8_t *)age)[way];
        if (a) /* 0: already the most recent */
          for (uint32_t h = 0; h < l->groups; h++)
            age[h] = mmu_cache_aged(age[h], mmu_cache_splat(a));
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
    age[g] = mmu_cache_aged(age[g], l->oldest);
  return false;
}

uint32_t mmu_cache_access_general(mmu_cache_t *c, uint64_t line, int *level_out) {
  uint64_t want = line + 1;
  v16_t fpb = mmu_cache_splat(mmu_cache_fingerprint(line));
  c->last = c->nlevels ? want : 0;
  int hit = 0;
  for (; hit < c->nlevels; hit++) {
    const mmu_cache_level_t *l = &c->level[hit];
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

/* Here rather than in the header, which C++ includes too. */
_Static_assert(MMU_CACHE_LEVELS == 3, "cache.h's mmu_cache_access unrolls three levels");

uint32_t mmu_cache_access_call(mmu_cache_t *c, uint64_t pa, int *level_out) {
  return mmu_cache_access(c, pa, level_out);
}

void mmu_cache_flush(mmu_cache_t *c) {
  for (int i = 0; i < c->nlevels; i++)
    level_reset(&c->level[i]);
  c->last = 0;
}
