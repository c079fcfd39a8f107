/* pwc.h — page-walk caches: one small set-associative cache per upper level, holding the entries
 * that point to the next table, tagged by ASID, so a hit lets the walk skip the levels above. */
#ifndef MMU_PWC_H
#define MMU_PWC_H

#include "cache.h" /* mmu_v16_t, mmu_lane_mask */
#include "mmusim.h"

typedef struct mmu_pwc_entry {
  uint64_t next_table; /* physical address of the table below the cached entry */
  /* x86: the rights combined from the root down to and including the cached entry, as the
   * walker keeps them: the R/W and U/S bits of an entry, and bit 63 (XD) inverted, so set when
   * executable. Unused by RISC-V, where the rights are the leaf's. */
  uint64_t x86_rights;
} mmu_pwc_entry_t;

typedef struct mmu_pwc mmu_pwc_t;

/* levels: the format's walk depth; cfg[i] configures the cache of level i+1 entries. */
mmu_status_t mmu_pwc_create(const mmu_pwc_config_t cfg[MMU_PWC_LEVELS], int levels,
                            mmu_pwc_t **out);
void mmu_pwc_destroy(mmu_pwc_t *pwc);
/* Cycles a lookup costs: all levels are probed in parallel, the slowest decides. */
uint32_t mmu_pwc_latency(const mmu_pwc_t *pwc);
/* Finds the deepest cached entry for va (lowest level >= 1); returns its level or -1. */
int mmu_pwc_lookup(mmu_pwc_t *pwc, uint64_t va, uint16_t asid, mmu_pwc_entry_t *out);
/* Caches the entry of `level` for va (the fields of mmu_pwc_entry_t, passed in registers: an
 * entry the caller had just stored would be read back with a stalling wide load). The caller has
 * just missed that level in mmu_pwc_lookup for the same va and asid (as the walk has), so no line
 * holds it yet. */
void mmu_pwc_fill(mmu_pwc_t *pwc, int level, uint64_t va, uint16_t asid, uint64_t next_table,
                  uint64_t x86_rights);

/* The caches' state, laid out and kept as pwc.c describes. Visible here only so that the lookup
 * and the usual fill can be inlined into the walker; everything else goes through the functions. */
typedef int16_t mmu_v8i16_t __attribute__((vector_size(16)));

typedef struct mmu_pwc_level {
  uint64_t vmask;              /* ~0 << (12 + 9 * level): a key is va & vmask | asid */
  uint32_t shift, stride;      /* shift: 12 + 9 * level; stride: a power of two, 1 << sbits */
  /* For a power of two of sets: a set's first line is (va >> lsh) & lmask (lsh: shift - sbits,
   * lmask: (sets - 1) << sbits), no multiply; else (va >> shift) % sets << sbits. */
  uint32_t lsh, lmask, sbits;
  uint32_t sets, ways, groups; /* groups: age vectors per set */
  /* PWC_GONE lines, plus 1 for more than 8 ways: 0 (the usual case) lets a fill take the way of
   * age ways-1 of one vector of ages after one test. */
  uint32_t slow;
  int level;
  uint32_t lines;     /* sets * stride */
  uint32_t waybits;   /* (1 << ways) - 1 for up to 8 ways */
  uint32_t end;       /* the index after this level's last line in the shared arrays */
  mmu_v8i16_t oldest; /* ways - 1 in every lane: the age of the next victim */
  mmu_v8i16_t one;    /* 1 in the lanes of the ways (the first vector's), 0 in the padding */
  uint64_t *key;      /* per line, in mmu_pwc.key */
  /* Per line, the fields of its mmu_pwc_entry_t (two arrays: a fill addresses each with the line
   * as index, where 16-byte entries took a shift and an add), in one allocation, next first. */
  uint64_t *next, *rights;
  mmu_v8i16_t *age;   /* per set, groups vectors, at mmu_pwc_age */
  uint8_t *tag;       /* per line, in mmu_pwc.tag: the ASID's low byte, EMPTY_TAG or GONE_TAG */
  /* The last lookup's key at this level and its set's first line (the set is mline >> sbits),
   * for the fill that follows a miss (mmu_pwc_fill_inline). */
  uint64_t mkey;
  uint32_t mline;
  struct mmu_pwc_level **fast; /* its level's entry in mmu_pwc.fast */
} mmu_pwc_level_t;

struct mmu_pwc {
  mmu_pwc_level_t lv[MMU_PWC_LEVELS]; /* the enabled levels, deepest (level 1) first */
  int nlv;
  mmu_pwc_level_t *lv_end;               /* lv + nlv, for the lookup's loop */
  bool pow2;                             /* every level's sets are a power of two */
  mmu_pwc_level_t *at[MMU_MAX_LEVELS];   /* level -> its lv, or NULL (0, disabled, beyond walk) */
  mmu_pwc_level_t *fast[MMU_MAX_LEVELS]; /* at[level] while its slow is 0, else NULL */
  uint32_t latency;
  uint32_t lines; /* all levels' lines, rounded up to a multiple of 16 */
  uint64_t *key;  /* the levels' keys one after the other, then PWC_NONE padding */
  uint8_t *tag;   /* likewise, then EMPTY_TAG padding and 16 bytes more; 16-byte aligned */
  uint8_t *lvof;  /* per line of the shared arrays: the index in lv of its level */
};

/* Keeps va's key and its set's first line at lv (a lookup's first step); returns the line.
 * pow2: the level's sets are a power of two (else %, right for any level). */
static inline uint32_t mmu_pwc_keep(mmu_pwc_level_t *lv, uint64_t va, uint16_t asid, bool pow2) {
  uint32_t line = pow2 ? (uint32_t)(va >> lv->lsh) & lv->lmask
                       : (uint32_t)((va >> lv->shift) % lv->sets) << lv->sbits;
  lv->mkey = (va & lv->vmask) | asid;
  lv->mline = line;
  return line;
}

/* The ages of the set whose first line is `line`: a set's take 8 bytes per line (its keys' bytes),
 * at least the 16 per 8 ways they need, so that the line indexes them with no shift. */
static inline mmu_v8i16_t *mmu_pwc_age(const mmu_pwc_level_t *lv, uint32_t line) {
  return (mmu_v8i16_t *)((char *)lv->age + 8 * (size_t)line);
}

/* Stores the entry of the kept key at the line (a fill's last step); the key's low byte is the
 * ASID's. */
static inline void mmu_pwc_put(mmu_pwc_level_t *lv, size_t line, uint64_t next_table,
                               uint64_t x86_rights) {
  uint64_t key = lv->mkey; /* read once: the stores below may alias it as far as GCC knows */
  lv->key[line] = key;
  lv->next[line] = next_table;
  lv->rights[line] = x86_rights;
  lv->tag[line] = (uint8_t)key;
}

/* mmu_pwc_lookup's hit at a way of lv's kept set (out of line): the entry to out, the way made
 * the most recently used; returns lv's level. */
int mmu_pwc_hit(mmu_pwc_level_t *lv, uint32_t way, mmu_pwc_entry_t *out);

/* mmu_pwc_lookup's levels (pow2: every level's sets are a power of two); each level's set is
 * kept for the fills of a miss. */
static inline int mmu_pwc_lookup_levels(mmu_pwc_t *p, uint64_t va, uint16_t asid,
                                        mmu_pwc_entry_t *out, bool pow2) {
  for (mmu_pwc_level_t *lv = p->lv, *end = p->lv_end; lv < end; lv++) {
    const uint64_t *key = lv->key + mmu_pwc_keep(lv, va, asid, pow2), *key1 = key + 1;
    uint64_t want = lv->mkey;
    size_t w = 0, stride = lv->stride; /* 64-bit: no extension for the addressing */
    do {
      if (key[w] == want) return mmu_pwc_hit(lv, (uint32_t)w, out);
      if (key1[w] == want) return mmu_pwc_hit(lv, (uint32_t)w + 1, out);
    } while ((w += 2) < stride);
  }
  return -1;
}

/* mmu_pwc_lookup_levels for a cache with a level whose sets are not a power of two. */
int mmu_pwc_lookup_mod(mmu_pwc_t *p, uint64_t va, uint16_t asid, mmu_pwc_entry_t *out);

/* mmu_pwc_lookup, inlined into the walker. */
static inline int mmu_pwc_lookup_inline(mmu_pwc_t *p, uint64_t va, uint16_t asid,
                                        mmu_pwc_entry_t *out) {
  if (__builtin_expect(!p->pow2, 0)) return mmu_pwc_lookup_mod(p, va, asid, out);
  return mmu_pwc_lookup_levels(p, va, asid, out, true);
}

/* mmu_pwc_fill when lv->slow is non-zero (pwc.c), out of line. */
void mmu_pwc_fill_slow(mmu_pwc_level_t *lv, uint64_t next_table, uint64_t x86_rights);

/* mmu_pwc_fill inlined into the walker, for a level below MMU_MAX_LEVELS that the last lookup
 * missed and kept (the walk's): no line holds the kept key. */
static inline void mmu_pwc_fill_inline(mmu_pwc_t *p, int level, uint64_t next_table,
                                       uint64_t x86_rights) {
  mmu_pwc_level_t *lv = p->fast[level]; /* one test for a disabled level and a non-zero slow */
  if (__builtin_expect(!lv, 0)) {
    if (p->at[level]) mmu_pwc_fill_slow(p->at[level], next_table, x86_rights);
    return;
  }
  /* Up to 8 ways, no PWC_GONE line: the way of age ways-1, made the most recently used. */
  mmu_v8i16_t *age = mmu_pwc_age(lv, lv->mline), v = *age, oldest = lv->oldest,
              victim = v == oldest;
  size_t way = (size_t)__builtin_ctz(mmu_lane_mask((mmu_v16_t)victim)) / 2;
  /* aged(v, oldest): every way but the victim is younger and ages by one (lv->one: a padding
   * lane, older than the victim, stays). */
  *age = (v + lv->one) & ~victim;
  mmu_pwc_put(lv, lv->mline + way, next_table, x86_rights);
}

/* PAGE and ASID drop the asid's entries (INVLPG flushes the PCID's paging-structure caches);
 * NONGLOBAL and ALL drop everything (upper-level entries are never global). */
void mmu_pwc_invalidate(mmu_pwc_t *pwc, mmu_inval_t kind, uint16_t asid);

#endif
