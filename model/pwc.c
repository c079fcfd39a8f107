/* pwc.c — page-walk caches, one per upper level, LRU within a set. */
#include "pwc.h"

#include <stdlib.h>

#include "cache.h" /* mmu_v16_t, mmu_lane_mask */

/* A line's key is its va with the bits below the level's reach cleared (va >> (12 + 9 * level)
 * is the tag) and its ASID in the low bits (free: the reach is at least 21 bits), so that a
 * lookup compares one word per way. An empty line has key PWC_NONE, which no key has (bits 16-20
 * of a key are clear). A set has `stride` lines, ways rounded up to even, so that a lookup
 * compares two ways per step; a padding line stays empty and never matches.
 *
 * Exact LRU as in cache.c: each set keeps a 16-bit age per way (0 = most recently used, ways-1 =
 * least), eight ways to a 16-byte vector, padded with PAD_AGE lanes that no update changes or
 * picks. The ages are a permutation of 0..ways-1 with every empty way older than every valid one,
 * so a fill takes the way of age ways-1: an empty way while one is left, else the LRU line. Which
 * empty way is taken is not observable (only which lines a set holds is), so hits and victims are
 * those of the per-line stamps this replaced; a fill is a few vector operations instead of a
 * search, for any number of ways.
 *
 * The lines' ASIDs are also kept apart, PWC_NO_ASID for an empty or padding line, in an array
 * padded to a multiple of 8 lines that an invalidation searches eight lines per compare. */
#define PWC_NONE UINT64_MAX
#define PWC_NO_ASID 0xffffu
#define PAD_AGE 0x7fff

typedef int16_t v8i16_t __attribute__((vector_size(16)));

typedef struct pwc_level {
  uint64_t vmask;              /* ~0 << (12 + 9 * level): a key is va & vmask | asid */
  uint64_t mask;               /* sets - 1 when sets is a power of two, else 0 (use %) */
  uint32_t shift, stride;      /* shift: 12 + 9 * level */
  uint32_t sets, ways, groups; /* groups: age vectors per set */
  bool pow2;
  int level;
  uint32_t lines;     /* sets * stride */
  v8i16_t oldest;     /* ways - 1 in every lane: the age of the next victim */
  uint64_t *key;      /* per line */
  mmu_pwc_entry_t *e; /* per line */
  v8i16_t *age;       /* per set, groups vectors */
  uint16_t *asid;     /* per line, padded to a multiple of 8: the key's ASID or PWC_NO_ASID */
} pwc_level_t;

struct mmu_pwc {
  pwc_level_t lv[MMU_PWC_LEVELS]; /* the enabled levels, deepest (level 1) first */
  int nlv;
  pwc_level_t *at[MMU_MAX_LEVELS]; /* level -> its lv, or NULL (0, disabled, beyond the walk) */
  uint32_t latency;
};

/* Makes the way of age a (in every lane of ab) the most recently used: the younger ways age by
 * one (a true compare is -1). */
static inline v8i16_t aged(v8i16_t v, v8i16_t ab) {
  return (v - (v < ab)) & ~(v == ab);
}

static void level_clear(pwc_level_t *lv) {
  for (uint32_t i = 0; i < lv->lines; i++)
    lv->key[i] = PWC_NONE;
  for (uint32_t i = 0; i < (lv->lines + 7) / 8 * 8; i++)
    lv->asid[i] = PWC_NO_ASID;
  for (uint32_t s = 0; s < lv->sets; s++)
    for (uint32_t w = 0; w < lv->groups * 8; w++)
      lv->age[s * lv->groups + w / 8][w % 8] = w < lv->ways ? (int16_t)w : PAD_AGE;
}

mmu_status_t mmu_pwc_create(const mmu_pwc_config_t cfg[MMU_PWC_LEVELS], int levels,
                            mmu_pwc_t **out) {
  if (!cfg || !out) return MMU_ERR_NULL;
  mmu_pwc_t *p = calloc(1, sizeof *p);
  if (!p) return MMU_ERR_NOMEM;
  for (int l = 1; l < levels && l <= MMU_PWC_LEVELS; l++) {
    const mmu_pwc_config_t *c = &cfg[l - 1];
    if (!c->entries) continue;
    pwc_level_t *lv = &p->lv[p->nlv];
    p->at[l] = lv;
    p->nlv++; /* counted now: destroy frees a partial level */
    lv->level = l;
    lv->shift = 12 + 9 * (uint32_t)l;
    lv->vmask = ~0ull << lv->shift;
    lv->ways = c->ways;
    lv->stride = (c->ways + 1) & ~1u;
    lv->groups = (c->ways + 7) / 8;
    lv->sets = c->entries / c->ways;
    lv->pow2 = !(lv->sets & (lv->sets - 1));
    lv->mask = lv->pow2 ? lv->sets - 1 : 0;
    lv->lines = lv->sets * lv->stride;
    lv->oldest = (v8i16_t){0} + (int16_t)(c->ways - 1);
    lv->key = malloc(lv->lines * sizeof *lv->key);
    lv->e = calloc(lv->lines, sizeof *lv->e);
    lv->age = aligned_alloc(16, (size_t)lv->sets * lv->groups * sizeof *lv->age);
    lv->asid = aligned_alloc(16, (lv->lines + 7) / 8 * 16);
    if (!lv->key || !lv->e || !lv->age || !lv->asid) {
      mmu_pwc_destroy(p);
      return MMU_ERR_NOMEM;
    }
    level_clear(lv);
    if (c->latency > p->latency) p->latency = c->latency;
  }
  *out = p;
  return MMU_OK;
}

void mmu_pwc_destroy(mmu_pwc_t *p) {
  if (!p) return;
  for (int i = 0; i < p->nlv; i++) {
    free(p->lv[i].key);
    free(p->lv[i].e);
    free(p->lv[i].age);
    free(p->lv[i].asid);
  }
  free(p);
}

uint32_t mmu_pwc_latency(const mmu_pwc_t *p) {
  return p->latency;
}

/* The set of va at level lv. */
static inline uint32_t set_of(const pwc_level_t *lv, uint64_t va) {
  uint64_t tag = va >> lv->shift;
  return (uint32_t)(__builtin_expect(lv->pow2, 1) ? tag & lv->mask : tag % lv->sets);
}

int mmu_pwc_lookup(mmu_pwc_t *p, uint64_t va, uint16_t asid, mmu_pwc_entry_t *out) {
  for (const pwc_level_t *lv = p->lv, *end = p->lv + p->nlv; lv < end; lv++) {
    uint64_t want = (va & lv->vmask) | asid;
    uint32_t set = set_of(lv, va);
    const uint64_t *key = lv->key + set * lv->stride, *last = key + lv->stride, *k = key;
    do {
      const uint64_t *hit = k[0] == want ? k : k[1] == want ? k + 1 : NULL;
      if (hit) {
        uint32_t way = (uint32_t)(hit - key), groups = lv->groups;
        v8i16_t *age = lv->age + set * groups;
        int16_t a = ((const int16_t *)age)[way];
        *out = lv->e[hit - lv->key];
        if (a) /* 0: already the most recent */
          for (uint32_t g = 0; g < groups; g++)
            age[g] = aged(age[g], (v8i16_t){0} + a);
        return lv->level;
      }
    } while ((k += 2) < last);
  }
  return -1;
}

/* The way of age ways-1 of the set at age, made the most recently used (the ages are a
 * permutation: exactly one lane has that age). For more than 8 ways, out of line so that the
 * usual fill keeps few registers to save. */
static __attribute__((noinline)) uint32_t victim_n(v8i16_t *age, uint32_t groups, v8i16_t oldest) {
  uint32_t way = 0;
  for (uint32_t g = 0; g < groups; g++) {
    uint32_t m = mmu_lane_mask((mmu_v16_t)(age[g] == oldest));
    if (m) way = g * 8 + (uint32_t)__builtin_ctz(m) / 2;
    age[g] = aged(age[g], oldest);
  }
  return way;
}

void mmu_pwc_fill(mmu_pwc_t *p, int level, uint64_t va, uint16_t asid, uint64_t next_table,
                  uint64_t x86_rights) {
  const pwc_level_t *lv = (unsigned)level < MMU_MAX_LEVELS ? p->at[level] : NULL;
  if (!lv) return;
  /* No line holds the key (the walk's lookup has just missed this level). */
  uint32_t set = set_of(lv, va), way;
  v8i16_t *age = lv->age + set * lv->groups, oldest = lv->oldest;
  if (lv->groups == 1) { /* up to 8 ways (every default level) */
    v8i16_t v = *age, victim = v == oldest;
    way = (uint32_t)__builtin_ctz(mmu_lane_mask((mmu_v16_t)victim)) / 2;
    *age = (v - (v < oldest)) & ~victim; /* aged(v, oldest) */
  } else {
    way = victim_n(age, lv->groups, oldest);
  }
  uint32_t line = set * lv->stride + way;
  lv->key[line] = (va & lv->vmask) | asid;
  lv->e[line] = (mmu_pwc_entry_t){next_table, x86_rights};
  lv->asid[line] = asid;
}

/* Empties a valid line: it becomes the oldest of its set (the lines older than it one younger),
 * so that empty lines stay older than valid ones. The fields are read before any store. */
static inline void drop(pwc_level_t *lv, uint32_t line) {
  uint32_t stride = lv->stride, groups = lv->groups;
  uint32_t set = line / stride, way = line - set * stride;
  v8i16_t *age = lv->age + set * groups, oldest = lv->oldest;
  int16_t a = ((const int16_t *)age)[way];
  lv->key[line] = PWC_NONE;
  lv->asid[line] = PWC_NO_ASID;
  if (groups == 1) { /* up to 8 ways: the lane of age a is the line's */
    v8i16_t v = *age, gone = v == a;
    *age = ((v + ((v > a) & ~(v > oldest))) & ~gone) | (oldest & gone);
    return;
  }
  for (uint32_t g = 0; g < groups; g++) {
    v8i16_t v = age[g];
    age[g] = v + ((v > a) & ~(v > oldest)); /* padding lanes stay */
  }
  ((int16_t *)age)[way] = oldest[0];
}

void mmu_pwc_invalidate(mmu_pwc_t *p, mmu_inval_t kind, uint16_t asid) {
  bool all = kind == MMU_INVAL_ALL || kind == MMU_INVAL_NONGLOBAL;
  for (pwc_level_t *lv = p->lv, *end = p->lv + p->nlv; lv < end; lv++) {
    if (all) {
      level_clear(lv);
      continue;
    }
    const v8i16_t *v = (const v8i16_t *)lv->asid;
    const uint64_t *key = lv->key;
    uint32_t lines = lv->lines;
    for (uint32_t first = 0; first < lines; first += 8, v++) {
      /* Two mask bits per 16-bit lane: the even ones. */
      for (uint32_t m = mmu_lane_mask((mmu_v16_t)(*v == (int16_t)asid)) & 0x5555u; m; m &= m - 1) {
        uint32_t line = first + (uint32_t)__builtin_ctz(m) / 2;
        /* Asid 0xffff also finds the empty, padding and vector-padding lines: skipped. */
        if (line < lines && key[line] != PWC_NONE) drop(lv, line);
      }
    }
  }
}
