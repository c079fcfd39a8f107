/* tlb.h — one TLB level: a set-associative array per page size, ASID/global tags, LRU,
 * tree-PLRU or seeded random replacement. */
#ifndef MMU_TLB_H
#define MMU_TLB_H

#include "mmusim.h"

typedef struct mmu_tlb_entry {
  uint64_t vpn;  /* va >> page shift */
  uint64_t base; /* physical frame address of the page */
  uint16_t asid;
  uint8_t size; /* mmu_page_size_t */
  bool valid, global;
  /* Effective rights as the walk combined them, so a hit decides exactly as the walk did. */
  bool r, w, u, x, dirty; /* w, u, x: the order of mmu_result_t's writable, user, executable */
  uint8_t pkey;
  int8_t level; /* leaf level the walk found */
  /* The rights and D bit packed by mmu_tlb_rkey (r, w<<1, x<<2, u<<3, dirty<<4, pkey<<5): the row
   * of the MMU's access-decision table (struct mmu's allow) that a hit looks up. Set by whoever
   * builds the entry (the walk, once for both TLBs it fills); a fill copies it. */
  uint16_t rkey;
  /* Internal. LRU: the TLB clock at the entry's last access, 0 while invalid (the hit path
   * stamps the entry it holds, with no index arithmetic). */
  uint64_t stamp;
} mmu_tlb_entry_t;

/* The vpn of an invalid way: above any va >> shift, so that a probe compares vpn alone. */
#define MMU_TLB_NO_VPN UINT64_MAX

#define MMU_TLB_RKEYS 512 /* distinct values of rkey */

static inline uint16_t mmu_tlb_rkey(bool r, bool w, bool x, bool u, bool dirty, uint8_t pkey) {
  return (uint16_t)(r | w << 1 | x << 2 | u << 3 | dirty << 4 | (pkey & 15u) << 5);
}

typedef struct mmu_tlb mmu_tlb_t;

/* The arrays are visible here only so that the lookup below can be inlined into the translation
 * hot path; everything else goes through the functions. */
typedef struct mmu_tlb_array {
  uint32_t sets, ways;
  uint32_t nvalid;                /* valid entries: an empty array is not probed */
  int shift;                      /* page shift of the array's size */
  uint32_t mod;                   /* 0 when sets is a power of two (use mask), else sets (use %) */
  uint16_t set_bytes, quad_bytes; /* bytes of a set's ways, of its first ways & ~3 (drops) */
  uint64_t mask;                  /* sets - 1 when sets is a power of two */
  mmu_tlb_entry_t *e;             /* sets * ways */
  uint8_t *plru; /* (ways - 1) tree bits per set; bit = 1 means "go right" to the victim */
} mmu_tlb_array_t;

struct mmu_tlb {
  mmu_tlb_array_t a[MMU_PAGE_SIZES];
  uint32_t latency;
  mmu_repl_t repl;
  uint64_t rng, clock;
  /* The victim that a fill of the 4 KiB set hint_set would scan for, as the last missed probe
   * (mmu_tlb_lookup_ref_hint) found it on its way: the first way with the smallest stamp (its stamp
   * is still that smallest one). Exact while clock == hint_clock (every hit and fill advances the
   * clock) and hint_set is unchanged (every drop clears it), so a walk's fill need not scan the set
   * again. While exact, no array holds a match for the probe's hint_vpn (va >> 12) and hint_asid
   * either (nothing was filled since it missed), so a drop of that page has nothing to do: the
   * single-page invalidation of a page fault's address, after its walk. */
  mmu_tlb_entry_t *hint_set, *hint_way;
  uint64_t hint_vpn, hint_clock;
  uint16_t hint_asid;
  mmu_tlb_stats_t st;
};

mmu_status_t mmu_tlb_create(const mmu_tlb_config_t *cfg, uint64_t seed, mmu_tlb_t **out);
void mmu_tlb_destroy(mmu_tlb_t *tlb);
uint32_t mmu_tlb_latency(const mmu_tlb_t *tlb);
bool mmu_tlb_has_size(const mmu_tlb_t *tlb, mmu_page_size_t size);
/* Probes every page-size array; on a hit copies the entry and updates replacement state. */
bool mmu_tlb_lookup(mmu_tlb_t *tlb, uint64_t va, uint16_t asid, mmu_tlb_entry_t *out);
/* Inserts (replacing a matching entry, else an invalid way, else the policy's victim). */
void mmu_tlb_fill(mmu_tlb_t *tlb, const mmu_tlb_entry_t *e);
/* mmu_tlb_fill when the caller knows that no entry matches (it has just missed in this TLB):
 * no search for one. */
void mmu_tlb_fill_new(mmu_tlb_t *tlb, const mmu_tlb_entry_t *e);
/* Drops the entry that translates va for asid (any size), if present. */
void mmu_tlb_drop(mmu_tlb_t *tlb, uint64_t va, uint16_t asid);
/* mmu_tlb_invalidate of every kind but MMU_INVAL_PAGE (a scan of every array). */
void mmu_tlb_invalidate_scan(mmu_tlb_t *tlb, mmu_inval_t kind, uint16_t asid);
/* Inline, so that a single-page invalidation (every copy-on-write fault has one) calls
 * mmu_tlb_drop directly. */
static inline void mmu_tlb_invalidate(mmu_tlb_t *tlb, mmu_inval_t kind, uint16_t asid,
                                      uint64_t va) {
  if (kind == MMU_INVAL_PAGE)
    mmu_tlb_drop(tlb, va, asid);
  else
    mmu_tlb_invalidate_scan(tlb, kind, asid);
}
void mmu_tlb_stats(const mmu_tlb_t *tlb, mmu_tlb_stats_t *out);
void mmu_tlb_stats_reset(mmu_tlb_t *tlb);
/* Which way of set `set` in the array of `size` holds a valid entry for vpn, or -1 (tests). */
int mmu_tlb_way_of(const mmu_tlb_t *tlb, mmu_page_size_t size, uint64_t va, uint16_t asid);

static inline int mmu_page_shift(mmu_page_size_t s) {
  return 12 + 9 * (int)s;
}

/* Tree PLRU: node i has children 2i+1, 2i+2; leaves map to ways. On access, point every node on
 * the path away from the way; the victim follows the pointers. Inline: it is on the hit path. */
static inline void mmu_tlb_plru_touch(uint8_t *bits, uint32_t ways, uint32_t way) {
  uint32_t node = 0, lo = 0, hi = ways;
  while (hi - lo > 1) {
    uint32_t mid = (lo + hi) / 2;
    bool right = way >= mid;
    bits[node] = !right; /* point away */
    node = 2 * node + (right ? 2 : 1);
    if (right)
      lo = mid;
    else
      hi = mid;
  }
}

/* Invalid ways hold MMU_TLB_NO_VPN, so valid needs no test; the ASID compare comes first
 * because most entries are not global. */
static inline bool mmu_tlb_match(const mmu_tlb_entry_t *e, uint64_t vpn, uint16_t asid) {
  return e->vpn == vpn && (e->asid == asid || e->global);
}

static inline uint32_t mmu_tlb_set_of(const mmu_tlb_array_t *a, uint64_t vpn) {
  /* Expected power-of-two: the division is kept off the hit path. */
  return (uint32_t)(__builtin_expect(a->mod != 0, 0) ? vpn % a->mod : vpn & a->mask);
}

/* The first way of vpn's set that holds it for asid, or -1. */
static inline int mmu_tlb_find(const mmu_tlb_array_t *a, uint64_t vpn, uint16_t asid,
                               uint32_t *set_out) {
  uint32_t set = mmu_tlb_set_of(a, vpn);
  *set_out = set;
  const mmu_tlb_entry_t *e = &a->e[set * a->ways];
  for (uint32_t w = 0; w < a->ways; w++)
    if (mmu_tlb_match(&e[w], vpn, asid)) return (int)w;
  return -1;
}

/* Writes every field of the entry s into d, marked valid (not the replacement state). Field by
 * field: s is often an entry the walk has just built with narrow stores, and a wide copy of it
 * would stall on store forwarding. */
static inline void mmu_tlb_entry_set(mmu_tlb_entry_t *d, const mmu_tlb_entry_t *s) {
  d->vpn = s->vpn;
  d->base = s->base;
  d->asid = s->asid;
  d->size = s->size;
  d->valid = true;
  d->global = s->global;
  d->r = s->r, d->w = s->w, d->x = s->x, d->u = s->u, d->dirty = s->dirty;
  d->pkey = s->pkey;
  d->level = s->level;
  d->rkey = s->rkey;
}

/* mmu_tlb_peek from array `first` on. */
static inline const mmu_tlb_entry_t *mmu_tlb_peek_from(const mmu_tlb_t *t, int first, uint64_t va,
                                                       uint16_t asid) {
  /* Unrolled (MMU_PAGE_SIZES arrays): no loop control between the probes, hit or miss. */
#pragma GCC unroll 3
  for (int i = first; i < MMU_PAGE_SIZES; i++) {
    const mmu_tlb_array_t *a = &t->a[i];
    if (!a->nvalid) continue;
    uint64_t vpn = va >> a->shift;
    /* The set's byte offset from the precomputed stride: no multiply by the entry size. */
    const char *set = (const char *)a->e + (size_t)mmu_tlb_set_of(a, vpn) * a->set_bytes;
    const mmu_tlb_entry_t *e = (const mmu_tlb_entry_t *)set,
                          *end = (const mmu_tlb_entry_t *)(set + a->set_bytes);
    for (; e != end; e++)
      if (mmu_tlb_match(e, vpn, asid)) return e;
  }
  return NULL;
}

/* Finds the entry that translates va for asid in any page-size array, without touching any
 * state (NULL on a miss), for mmu_tlb_hit. Arrays are probed 4 KiB first, as mmu_tlb_lookup
 * does, so the same entry wins. */
static inline const mmu_tlb_entry_t *mmu_tlb_peek(const mmu_tlb_t *t, uint64_t va, uint16_t asid) {
  return mmu_tlb_peek_from(t, 0, va, asid);
}

/* Records a hit on an entry mmu_tlb_peek found: replacement state and statistics. (Lookups and
 * total hits are not counted here: mmu_tlb_stats derives them from misses and hits by size.) */
/* mmu_tlb_hit but for the PLRU tree (the caller does that part, mmu_tlb_hit_plru, when
 * t->repl == MMU_REPL_PLRU): lets a caller keep the tree walk off its hit path. size is e's, a
 * constant where the caller knows the array. */
static inline void mmu_tlb_hit_stamp_size(mmu_tlb_t *t, const mmu_tlb_entry_t *e,
                                          mmu_page_size_t size) {
  mmu_tlb_entry_t *m = (mmu_tlb_entry_t *)e; /* peek returns a const view of t's own array */
  uint64_t now = t->clock + 1;
  t->clock = now;
  m->stamp = now;
  t->st.hits_by_size[size]++;
}

static inline void mmu_tlb_hit_stamp(mmu_tlb_t *t, const mmu_tlb_entry_t *e) {
  mmu_tlb_hit_stamp_size(t, e, (mmu_page_size_t)e->size);
}

static inline void mmu_tlb_hit_plru(mmu_tlb_t *t, const mmu_tlb_entry_t *e) {
  mmu_tlb_array_t *a = &t->a[e->size];
  uint32_t i = (uint32_t)(e - a->e), way = i % a->ways;
  mmu_tlb_plru_touch(&a->plru[i - way], a->ways, way);
}

static inline void mmu_tlb_hit(mmu_tlb_t *t, const mmu_tlb_entry_t *e) {
  mmu_tlb_hit_stamp(t, e);
  /* The way is only needed here, so LRU pays no division. */
  if (t->repl == MMU_REPL_PLRU) mmu_tlb_hit_plru(t, e);
}

/* Probes every page-size array like mmu_tlb_lookup, returning the entry in place (NULL on a
 * miss). The pointer is valid until the next fill, drop or invalidation of this TLB. */
static inline const mmu_tlb_entry_t *mmu_tlb_lookup_ref(mmu_tlb_t *t, uint64_t va, uint16_t asid) {
  const mmu_tlb_entry_t *e = mmu_tlb_peek(t, va, asid);
  if (e)
    mmu_tlb_hit(t, e);
  else
    t->st.misses++;
  return e;
}

/* mmu_tlb_lookup_ref that, on a miss, leaves the 4 KiB set's victim in the hint (struct
 * mmu_tlb): the miss scans every way of the set anyway, and finding the oldest on the way costs
 * less than the fill's own scan. For the L2 TLB, which is probed only after an L1 miss. */
static inline const mmu_tlb_entry_t *mmu_tlb_lookup_ref_hint(mmu_tlb_t *t, uint64_t va,
                                                             uint16_t asid) {
  mmu_tlb_array_t *a = &t->a[MMU_PAGE_4K];
  const mmu_tlb_entry_t *e = NULL;
  if (a->sets) {
    uint64_t vpn = va >> 12, oldest = UINT64_MAX;
    char *s = (char *)a->e + (size_t)mmu_tlb_set_of(a, vpn) * a->set_bytes;
    mmu_tlb_entry_t *set = (mmu_tlb_entry_t *)s, *v = set, *w = set,
                    *end4 = (mmu_tlb_entry_t *)(s + a->quad_bytes),
                    *end = (mmu_tlb_entry_t *)(s + a->set_bytes);
    /* One way: a match ends the probe; else the first way with the smallest stamp is kept, as
     * mmu_tlb_oldest_way. Four ways a step, then the rest (no remainder dispatch before the
     * loop, 13 instructions fewer per walk than the same steps as an inline function). */
#define MMU_TLB_HINT_STEP(x)                                                                       \
  if (mmu_tlb_match(x, vpn, asid)) {                                                               \
    e = x;                                                                                         \
    goto found;                                                                                    \
  }                                                                                                \
  if ((x)->stamp < oldest) oldest = (x)->stamp, v = x;
    for (; w != end4; w += 4) {
      MMU_TLB_HINT_STEP(w)
      MMU_TLB_HINT_STEP(w + 1)
      MMU_TLB_HINT_STEP(w + 2)
      MMU_TLB_HINT_STEP(w + 3)
    }
    for (; w != end; w++) {
      MMU_TLB_HINT_STEP(w)
    }
#undef MMU_TLB_HINT_STEP
    t->hint_set = set;
    t->hint_way = v;
    t->hint_vpn = vpn;
    t->hint_asid = asid;
    t->hint_clock = t->clock;
  }
  e = mmu_tlb_peek_from(t, MMU_PAGE_4K + 1, va, asid);
  if (!e) {
    t->st.misses++;
    return NULL;
  }
found:
  mmu_tlb_hit(t, e);
  return e;
}

/* Invalid ways have stamp 0 and valid ones a positive stamp (mmu_tlb_hit, mmu_tlb_take_way), so
 * the first way with the smallest stamp is the first invalid way if there is one, else the LRU
 * way. (mmu_tlb_lookup_ref_hint finds the same way while it probes.) */
static inline mmu_tlb_entry_t *mmu_tlb_oldest_way(mmu_tlb_entry_t *e, uint32_t ways,
                                                  uint64_t *oldest) {
  uint32_t v = 0;
  uint64_t o = UINT64_MAX;
#pragma GCC unroll 4
  for (uint32_t i = 0; i < ways; i++)
    if (e[i].stamp < o) o = e[i].stamp, v = i;
  *oldest = o;
  return &e[v];
}

/* The PLRU or random victim of a full set, and the PLRU update of a fill: out of line, so that an
 * LRU fill needs few registers (tlb.c). */
uint32_t mmu_tlb_policy_victim(mmu_tlb_t *t, mmu_tlb_array_t *a, uint32_t set);
void mmu_tlb_plru_fill(mmu_tlb_array_t *a, uint32_t set, uint32_t way);

/* The way of set `set` that a fill takes (w, or the policy's choice when w is NULL), counted,
 * with the replacement state updated and the entry marked valid; the caller writes the rest. */
static inline mmu_tlb_entry_t *mmu_tlb_take_way(mmu_tlb_t *t, mmu_tlb_array_t *a, uint32_t set,
                                                mmu_tlb_entry_t *w) {
  mmu_tlb_entry_t *e = &a->e[set * a->ways];
  if (!w) {
    uint64_t oldest;
    if (t->hint_set == e && t->hint_clock == t->clock) /* see struct mmu_tlb */
      w = t->hint_way, oldest = w->stamp;
    else
      w = mmu_tlb_oldest_way(e, a->ways, &oldest);
    if (oldest) { /* every way valid: the policy's victim */
      if (t->repl != MMU_REPL_LRU) w = &e[mmu_tlb_policy_victim(t, a, set)];
      t->st.evictions++;
    }
  }
  if (!w->valid) a->nvalid++;
  w->valid = true;
  t->st.fills++;
  w->stamp = ++t->clock;
  if (t->repl == MMU_REPL_PLRU) mmu_tlb_plru_fill(a, set, (uint32_t)(w - e));
  return w;
}

/* mmu_tlb_fill_new without the copy: the way that a new entry for vpn of page size `size` takes,
 * with the fill counted and the replacement state updated; the caller writes the entry there at
 * once (mmu_tlb_entry_set). NULL (nothing filled) when the TLB has no array of that size. Inline:
 * a walk fills two TLBs. */
static inline mmu_tlb_entry_t *mmu_tlb_fill_slot(mmu_tlb_t *t, mmu_page_size_t size, uint64_t vpn) {
  mmu_tlb_array_t *a = &t->a[size];
  if (!a->sets) return NULL;
  return mmu_tlb_take_way(t, a, mmu_tlb_set_of(a, vpn), NULL);
}

#endif
