/* pwc.c — page-walk caches, one per upper level, LRU within a set. */
#include "pwc.h"

#include <stdlib.h>
#include <string.h>

#include "cache.h" /* mmu_v16_t, mmu_lane_mask */

/* A line's key is its va with the bits below the level's reach cleared (va >> (12 + 9 * level)
 * is the tag) and its ASID in the low bits (free: the reach is at least 21 bits), so that a
 * lookup compares one word per way. An empty line has key PWC_NONE or PWC_GONE, which no key has
 * (bits 16-20 of a key are clear). A set has `stride` lines, ways rounded up to a power of two (at
 * least 2), so that a lookup compares two ways per step and finds the set's first line with a
 * shift and a mask; a padding line stays empty and never matches.
 *
 * Exact LRU as in cache.c: each set keeps a 16-bit age per way (0 = most recently used, ways-1 =
 * least), eight ways to a 16-byte vector, padded with PAD_AGE lanes that no update changes or
 * picks. The ages are a permutation of 0..ways-1. A line never filled since ALL/NONGLOBAL is
 * PWC_NONE and older than every other line of its set, so a fill takes the way of age ways-1:
 * such a line while one is left, else the LRU line. A line dropped by an ASID invalidation
 * becomes PWC_GONE and keeps its age (re-ordering the set's ages per dropped line was most of an
 * invalidation's cost); a level's `slow` counts them, and while it is non-zero a fill takes a
 * PWC_GONE way of its set if there is one, which is what the re-ordered ages would have had it
 * take: an empty way. Which empty way a fill takes is not observable (only which lines a set
 * holds is), so hits and victims are those of the per-line stamps this replaced.
 *
 * For the ASID invalidation, every level's keys sit in one array, and beside it one byte per
 * line: the low byte of the line's ASID, EMPTY_TAG for a PWC_NONE line and GONE_TAG for a
 * PWC_GONE one, padded to a multiple of 16 lines, so that the search compares sixteen lines of
 * all levels at once (a 16-bit ASID per line, level by level, took twice the compares and a loop
 * per level) and checks the key of each candidate (another ASID with the same low byte, or an
 * empty line). */
#define PWC_NONE UINT64_MAX
#define PWC_GONE (UINT64_MAX - 1)
#define KEY_LOW 0x1fffffu /* a key's ASID and the bits clear in a valid key */
#define EMPTY_TAG 0xff
#define GONE_TAG 0xfe
#define PAD_AGE 0x7fff

/* Makes the way of age a (in every lane of ab) the most recently used: the younger ways age by
 * one (a true compare is -1). */
static inline mmu_v8i16_t aged(mmu_v8i16_t v, mmu_v8i16_t ab) {
  return (v - (v < ab)) & ~(v == ab);
}

static void level_clear(mmu_pwc_level_t *lv) {
  for (uint32_t i = 0; i < lv->lines; i++) {
    lv->key[i] = PWC_NONE;
    lv->tag[i] = EMPTY_TAG;
  }
  for (uint32_t s = 0; s < lv->sets; s++)
    for (uint32_t w = 0; w < lv->groups * 8; w++)
      mmu_pwc_age(lv, s * lv->stride)[w / 8][w % 8] = w < lv->ways ? (int16_t)w : PAD_AGE;
  lv->slow = lv->groups > 1;
  *lv->fast = lv->slow ? NULL : lv;
}

mmu_status_t mmu_pwc_create(const mmu_pwc_config_t cfg[MMU_PWC_LEVELS], int levels,
                            mmu_pwc_t **out) {
  if (!cfg || !out) return MMU_ERR_NULL;
  mmu_pwc_t *p = calloc(1, sizeof *p);
  if (!p) return MMU_ERR_NOMEM;
  p->pow2 = true;
  uint32_t lines = 0;
  for (int l = 1; l < levels && l <= MMU_PWC_LEVELS; l++) {
    const mmu_pwc_config_t *c = &cfg[l - 1];
    if (!c->entries) continue;
    mmu_pwc_level_t *lv = &p->lv[p->nlv];
    p->at[l] = lv;
    lv->fast = &p->fast[l];
    p->nlv++; /* counted now: destroy frees a partial level */
    lv->level = l;
    lv->shift = 12 + 9 * (uint32_t)l;
    lv->vmask = ~0ull << lv->shift;
    lv->ways = c->ways;
    for (lv->sbits = 1; (1u << lv->sbits) < c->ways; lv->sbits++) {
    }
    lv->stride = 1u << lv->sbits;
    lv->lsh = lv->shift - lv->sbits;
    lv->groups = (c->ways + 7) / 8;
    lv->sets = c->entries / c->ways;
    bool pow2 = !(lv->sets & (lv->sets - 1));
    lv->lmask = pow2 ? (lv->sets - 1) << lv->sbits : 0;
    p->pow2 &= pow2;
    lv->lines = lv->sets * lv->stride;
    lv->waybits = c->ways < 8 ? (1u << c->ways) - 1 : 0xffu;
    lv->end = lines += lv->lines;
    lv->oldest = (mmu_v8i16_t){0} + (int16_t)(c->ways - 1);
    for (uint32_t w = 0; w < 8; w++)
      lv->one[w] = w < c->ways;
    lv->next = calloc(2 * (size_t)lv->lines, sizeof *lv->next);
    lv->rights = lv->next + lv->lines;
    /* 8 bytes per line (mmu_pwc_age): at least 16 per group, as stride >= ways >= 2 * groups. */
    lv->age = aligned_alloc(16, (size_t)lv->lines * 8);
    if (!lv->next || !lv->age) {
      mmu_pwc_destroy(p);
      return MMU_ERR_NOMEM;
    }
    if (c->latency > p->latency) p->latency = c->latency;
  }
  p->lv_end = p->lv + p->nlv;
  p->lines = (lines + 15) & ~15u;
  p->key = malloc((p->lines ? p->lines : 1) * sizeof *p->key);
  p->tag = aligned_alloc(16, p->lines + 16); /* + 16: a fill reads a set's tags as 16 bytes */
  p->lvof = malloc(p->lines ? p->lines : 1);
  if (!p->key || !p->tag || !p->lvof) {
    mmu_pwc_destroy(p);
    return MMU_ERR_NOMEM;
  }
  for (uint32_t i = lines; i < p->lines + 16; i++) {
    if (i < p->lines) p->key[i] = PWC_NONE;
    p->tag[i] = EMPTY_TAG;
  }
  for (int i = 0; i < p->nlv; i++) {
    mmu_pwc_level_t *lv = &p->lv[i];
    lv->key = p->key + (lv->end - lv->lines);
    lv->tag = p->tag + (lv->end - lv->lines);
    for (uint32_t j = lv->end - lv->lines; j < lv->end; j++)
      p->lvof[j] = (uint8_t)i;
    level_clear(lv);
  }
  *out = p;
  return MMU_OK;
}

void mmu_pwc_destroy(mmu_pwc_t *p) {
  if (!p) return;
  for (int i = 0; i < p->nlv; i++) {
    free(p->lv[i].next);
    free(p->lv[i].age);
  }
  free(p->key);
  free(p->tag);
  free(p->lvof);
  free(p);
}

uint32_t mmu_pwc_latency(const mmu_pwc_t *p) {
  return p->latency;
}

int mmu_pwc_hit(mmu_pwc_level_t *lv, uint32_t way, mmu_pwc_entry_t *out) {
  uint32_t groups = lv->groups;
  mmu_v8i16_t *age = mmu_pwc_age(lv, lv->mline);
  int16_t a = ((const int16_t *)age)[way];
  *out = (mmu_pwc_entry_t){lv->next[lv->mline + way], lv->rights[lv->mline + way]};
  if (a) /* 0: already the most recent */
    for (uint32_t g = 0; g < groups; g++)
      age[g] = aged(age[g], (mmu_v8i16_t){0} + a);
  return lv->level;
}

int mmu_pwc_lookup_mod(mmu_pwc_t *p, uint64_t va, uint16_t asid, mmu_pwc_entry_t *out) {
  return mmu_pwc_lookup_levels(p, va, asid, out, false);
}

int mmu_pwc_lookup(mmu_pwc_t *p, uint64_t va, uint16_t asid, mmu_pwc_entry_t *out) {
  return mmu_pwc_lookup_inline(p, va, asid, out);
}

/* mmu_pwc_fill for more than 8 ways: a PWC_GONE way of the set if there is one, else the way of
 * age ways-1 (the ages are a permutation: exactly one lane has that age), made the most recently
 * used. */
static __attribute__((noinline)) void fill_wide(mmu_pwc_level_t *lv, uint64_t next_table,
                                                uint64_t x86_rights) {
  uint32_t line = lv->mline, groups = lv->groups, way = 0;
  mmu_v8i16_t *age = mmu_pwc_age(lv, line), oldest = lv->oldest;
  uint32_t w = lv->ways;
  if (lv->slow > 1) /* some PWC_GONE line in the level besides the 1 for the wide sets */
    for (w = 0; w < lv->ways && lv->key[line + w] != PWC_GONE; w++) {
    }
  if (w < lv->ways) {
    mmu_v8i16_t a = (mmu_v8i16_t){0} + ((const int16_t *)age)[w];
    for (uint32_t g = 0; g < groups; g++)
      age[g] = aged(age[g], a);
    lv->slow--;
    way = w;
  } else {
    for (uint32_t g = 0; g < groups; g++) {
      uint32_t m = mmu_lane_mask((mmu_v16_t)(age[g] == oldest));
      if (m) way = g * 8 + (uint32_t)__builtin_ctz(m) / 2;
      age[g] = aged(age[g], oldest);
    }
  }
  mmu_pwc_put(lv, line + way, next_table, x86_rights);
}

/* mmu_pwc_fill when lv->slow is non-zero: a PWC_GONE way of the set if there is one (made the
 * most recently used, as a hit would), else the way of age ways-1. Out of line, so that the
 * inlined usual fill stays small. */
void mmu_pwc_fill_slow(mmu_pwc_level_t *lv, uint64_t next_table, uint64_t x86_rights) {
  if (lv->groups != 1) {
    fill_wide(lv, next_table, x86_rights);
    return;
  }
  uint32_t line = lv->mline, way;
  mmu_v8i16_t *age = mmu_pwc_age(lv, line), v = *age, oldest = lv->oldest;
  /* Found by tag, then by key (a valid line's tag may equal GONE_TAG). */
  mmu_v16_t t;
  memcpy(&t, lv->tag + line, sizeof t); /* the tag array has 16 bytes of padding */
  uint32_t m = mmu_lane_mask(t == (mmu_v16_t){0} + (int8_t)GONE_TAG) & lv->waybits;
  for (; m; m &= m - 1)
    if (lv->key[line + (uint32_t)__builtin_ctz(m)] == PWC_GONE) break;
  if (m) {
    way = (uint32_t)__builtin_ctz(m);
    oldest = (mmu_v8i16_t){0} + ((const int16_t *)age)[way];
    if (!--lv->slow) *lv->fast = lv; /* (a wide level's slow stays >= 1) */
  }
  mmu_v8i16_t victim = v == oldest;
  if (!m) way = (uint32_t)__builtin_ctz(mmu_lane_mask((mmu_v16_t)victim)) / 2;
  *age = (v - (v < oldest)) & ~victim; /* aged(v, the way's age) */
  mmu_pwc_put(lv, line + way, next_table, x86_rights);
}

void mmu_pwc_fill(mmu_pwc_t *p, int level, uint64_t va, uint16_t asid, uint64_t next_table,
                  uint64_t x86_rights) {
  if ((unsigned)level >= MMU_MAX_LEVELS || !p->at[level]) return;
  mmu_pwc_keep(p->at[level], va, asid, p->pow2); /* what the lookup that missed it kept */
  mmu_pwc_fill_inline(p, level, next_table, x86_rights);
}

void mmu_pwc_invalidate(mmu_pwc_t *p, mmu_inval_t kind, uint16_t asid) {
  if (kind == MMU_INVAL_ALL || kind == MMU_INVAL_NONGLOBAL) {
    for (int i = 0; i < p->nlv; i++)
      level_clear(&p->lv[i]);
    return;
  }
  const mmu_v16_t want = (mmu_v16_t){0} + (int8_t)asid;
  const mmu_v16_t *t = (const mmu_v16_t *)p->tag;
  for (uint32_t first = 0; first < p->lines; first += 64, t += 4) {
    /* Up to 64 lines to one mask (three vectors for the default levels): one test, no loop. */
    uint64_t m = mmu_lane_mask(t[0] == want);
    if (first + 16 < p->lines) m |= (uint64_t)mmu_lane_mask(t[1] == want) << 16;
    if (first + 32 < p->lines) m |= (uint64_t)mmu_lane_mask(t[2] == want) << 32;
    if (first + 48 < p->lines) m |= (uint64_t)mmu_lane_mask(t[3] == want) << 48;
    for (; m; m &= m - 1) {
      uint32_t line = first + (uint32_t)__builtin_ctzll(m);
      /* Not an empty line, nor another ASID's with the same low byte. */
      if ((p->key[line] & KEY_LOW) != asid) continue;
      p->key[line] = PWC_GONE; /* its age stays: the set's order is unchanged */
      p->tag[line] = GONE_TAG;
      mmu_pwc_level_t *lv = &p->lv[p->lvof[line]];
      lv->slow++;
      *lv->fast = NULL;
    }
  }
}
