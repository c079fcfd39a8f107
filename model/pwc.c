/* pwc.c — page-walk caches, one per upper level, LRU within a set. */
#include "pwc.h"

#include <stdlib.h>

/* An empty line has tag PWC_NONE, which no va gives (va >> 21 < 2^43), so a lookup compares the
 * tag and the ASID only. */
#define PWC_NONE UINT64_MAX

typedef struct pwc_line {
  uint64_t tag; /* va >> (12 + 9 * level), or PWC_NONE */
  uint64_t stamp;
  uint16_t asid;
  mmu_pwc_entry_t e;
} pwc_line_t;

typedef struct pwc_level {
  uint32_t sets, ways;
  uint64_t mask; /* sets - 1 when sets is a power of two, else 0 (use %) */
  bool pow2;
  pwc_line_t *line;
} pwc_level_t;

struct mmu_pwc {
  pwc_level_t lv[MMU_MAX_LEVELS]; /* indexed by level; lv[0] unused */
  int levels;
  uint32_t latency;
  uint64_t clock;
};

mmu_status_t mmu_pwc_create(const mmu_pwc_config_t cfg[MMU_PWC_LEVELS], int levels,
                            mmu_pwc_t **out) {
  if (!cfg || !out) return MMU_ERR_NULL;
  mmu_pwc_t *p = calloc(1, sizeof *p);
  if (!p) return MMU_ERR_NOMEM;
  p->levels = levels;
  for (int l = 1; l < levels; l++) {
    const mmu_pwc_config_t *c = &cfg[l - 1];
    if (!c->entries) continue;
    pwc_level_t *lv = &p->lv[l];
    lv->ways = c->ways;
    lv->sets = c->entries / c->ways;
    lv->pow2 = !(lv->sets & (lv->sets - 1));
    lv->mask = lv->pow2 ? lv->sets - 1 : 0;
    lv->line = calloc(c->entries, sizeof *lv->line);
    if (!lv->line) {
      mmu_pwc_destroy(p);
      return MMU_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < c->entries; i++)
      lv->line[i].tag = PWC_NONE;
    if (c->latency > p->latency) p->latency = c->latency;
  }
  *out = p;
  return MMU_OK;
}

void mmu_pwc_destroy(mmu_pwc_t *p) {
  if (!p) return;
  for (int l = 0; l < MMU_MAX_LEVELS; l++)
    free(p->lv[l].line);
  free(p);
}

uint32_t mmu_pwc_latency(const mmu_pwc_t *p) {
  return p->latency;
}

static inline pwc_line_t *set_of(pwc_level_t *lv, uint64_t tag) {
  return &lv->line[(lv->pow2 ? tag & lv->mask : tag % lv->sets) * lv->ways];
}

static pwc_line_t *find(pwc_level_t *lv, uint64_t tag, uint16_t asid) {
  pwc_line_t *set = set_of(lv, tag);
  for (uint32_t w = 0; w < lv->ways; w++)
    if (set[w].tag == tag && set[w].asid == asid) return &set[w];
  return NULL;
}

int mmu_pwc_lookup(mmu_pwc_t *p, uint64_t va, uint16_t asid, mmu_pwc_entry_t *out) {
  for (int l = 1; l < p->levels; l++) {
    pwc_level_t *lv = &p->lv[l];
    if (!lv->line) continue;
    pwc_line_t *hit = find(lv, va >> (12 + 9 * l), asid);
    if (hit) {
      hit->stamp = ++p->clock;
      *out = hit->e;
      return l;
    }
  }
  return -1;
}

void mmu_pwc_fill(mmu_pwc_t *p, int level, uint64_t va, uint16_t asid, uint64_t next_table,
                  uint64_t x86_rights) {
  if (level < 1 || level >= p->levels || !p->lv[level].line) return;
  pwc_level_t *lv = &p->lv[level];
  uint64_t tag = va >> (12 + 9 * level);
  /* No line holds the tag (the walk's lookup has just missed this level), and invalid lines have
   * stamp 0 while valid ones have positive stamps: the first line with the smallest stamp is the
   * first invalid line, else the LRU line. */
  pwc_line_t *set = set_of(lv, tag), *slot = &set[0];
  for (uint32_t w = 1; w < lv->ways; w++)
    if (set[w].stamp < slot->stamp) slot = &set[w];
  slot->tag = tag;
  slot->asid = asid;
  slot->stamp = ++p->clock;
  slot->e.next_table = next_table;
  slot->e.x86_rights = x86_rights;
}

void mmu_pwc_invalidate(mmu_pwc_t *p, mmu_inval_t kind, uint16_t asid) {
  for (int l = 1; l < p->levels; l++) {
    pwc_level_t *lv = &p->lv[l];
    if (!lv->line) continue;
    for (uint32_t i = 0; i < lv->sets * lv->ways; i++) {
      bool all = kind == MMU_INVAL_ALL || kind == MMU_INVAL_NONGLOBAL;
      if (all || lv->line[i].asid == asid) {
        lv->line[i].tag = PWC_NONE;
        lv->line[i].stamp = 0; /* see mmu_pwc_fill */
      }
    }
  }
}
