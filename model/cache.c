/* cache.c — set-associative caches of 64-byte lines then DRAM: the latency model PTE loads go
 * through. */
#include "cache.h"

#include <stdlib.h>
#include <string.h>

/* Each set keeps its tags in recency order (way 0 = most recently used) with the invalid
 * entries at the tail, which is exactly LRU with "an invalid way first" victims; a hit is found
 * after few compares when there is locality, and no time stamps are needed. */
typedef struct cache_level {
  uint32_t sets, ways, latency;
  uint64_t mask; /* sets - 1 when sets is a power of two, else 0 (use %) */
  bool pow2;
  uint64_t *tag; /* line number + 1; 0 = invalid */
} cache_level_t;

struct mmu_cache {
  cache_level_t level[MMU_CACHE_LEVELS];
  int nlevels;
  uint32_t dram_latency;
};

mmu_status_t mmu_cache_create(const mmu_cache_config_t cfg[MMU_CACHE_LEVELS],
                              uint32_t dram_latency, mmu_cache_t **out) {
  if (!out || !cfg) return MMU_ERR_NULL;
  *out = NULL;
  mmu_cache_t *c = calloc(1, sizeof *c);
  if (!c) return MMU_ERR_NOMEM;
  c->dram_latency = dram_latency;
  for (int i = 0; i < MMU_CACHE_LEVELS; i++) {
    const mmu_cache_config_t *k = &cfg[i];
    if (k->size_bytes == 0) break; /* levels after a disabled one are ignored */
    cache_level_t *l = &c->level[c->nlevels];
    l->ways = k->ways;
    l->sets = k->size_bytes / (MMU_LINE_BYTES * k->ways);
    l->latency = k->latency;
    l->pow2 = !(l->sets & (l->sets - 1));
    l->mask = l->pow2 ? l->sets - 1 : 0;
    l->tag = calloc((size_t)l->sets * l->ways, sizeof(uint64_t));
    if (!l->tag) {
      mmu_cache_destroy(c);
      return MMU_ERR_NOMEM;
    }
    c->nlevels++;
  }
  *out = c;
  return MMU_OK;
}

void mmu_cache_destroy(mmu_cache_t *c) {
  if (!c) return;
  for (int i = 0; i < MMU_CACHE_LEVELS; i++) free(c->level[i].tag);
  free(c);
}

static inline uint64_t *cache_set(cache_level_t *l, uint64_t line) {
  uint64_t set = l->pow2 ? line & l->mask : line % l->sets;
  return &l->tag[set * l->ways];
}

/* Moves tag[0 .. n-1] up by one way; a loop rather than memmove, whose call costs more than
 * the few words a set holds. */
static inline void shift_down(uint64_t *tag, uint32_t n) {
  for (uint32_t i = n; i > 0; i--) tag[i] = tag[i - 1];
}

/* A hit moves the line to the front of its set. */
static bool cache_probe(cache_level_t *l, uint64_t line) {
  uint64_t *tag = cache_set(l, line), want = line + 1;
  /* Invalid entries (0) never equal want, so one compare per way suffices. */
  for (uint32_t w = 0; w < l->ways; w++) {
    if (tag[w] == want) {
      shift_down(tag, w);
      tag[0] = want;
      return true;
    }
  }
  return false;
}

/* Inserts at the front; the tail entry (an invalid one if any, else the LRU line) drops. */
static void cache_fill(cache_level_t *l, uint64_t line) {
  uint64_t *tag = cache_set(l, line);
  shift_down(tag, l->ways - 1);
  tag[0] = line + 1;
}

uint32_t mmu_cache_access(mmu_cache_t *c, uint64_t pa, int *level_out) {
  uint64_t line = pa / MMU_LINE_BYTES;
  int hit = c->nlevels;
  for (int i = 0; i < c->nlevels; i++) {
    if (cache_probe(&c->level[i], line)) {
      hit = i;
      break;
    }
  }
  for (int i = 0; i < hit; i++) cache_fill(&c->level[i], line);
  if (level_out) *level_out = hit < c->nlevels ? hit : MMU_CACHE_LEVELS;
  return hit < c->nlevels ? c->level[hit].latency : c->dram_latency;
}

void mmu_cache_flush(mmu_cache_t *c) {
  for (int i = 0; i < c->nlevels; i++)
    memset(c->level[i].tag, 0, (size_t)c->level[i].sets * c->level[i].ways * sizeof(uint64_t));
}
