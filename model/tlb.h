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
  bool r, w, x, u, dirty;
  uint8_t pkey;
  int8_t level; /* leaf level the walk found */
} mmu_tlb_entry_t;

typedef struct mmu_tlb mmu_tlb_t;

/* The arrays are visible here only so that the lookup below can be inlined into the translation
 * hot path; everything else goes through the functions. */
typedef struct mmu_tlb_array {
  uint32_t sets, ways;
  uint32_t nvalid;      /* valid entries: an empty array is not probed */
  int shift;            /* page shift of the array's size */
  uint64_t mask;        /* sets - 1 when sets is a power of two, else 0 (use %) */
  mmu_tlb_entry_t *e;   /* sets * ways */
  uint64_t *stamp;      /* LRU */
  uint8_t *plru;        /* (ways - 1) tree bits per set; bit = 1 means "go right" to the victim */
} mmu_tlb_array_t;

struct mmu_tlb {
  mmu_tlb_array_t a[MMU_PAGE_SIZES];
  uint32_t latency;
  mmu_repl_t repl;
  uint64_t rng, clock;
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
/* Drops the entry that translates va for asid (any size), if present. */
void mmu_tlb_drop(mmu_tlb_t *tlb, uint64_t va, uint16_t asid);
void mmu_tlb_invalidate(mmu_tlb_t *tlb, mmu_inval_t kind, uint16_t asid, uint64_t va);
void mmu_tlb_stats(const mmu_tlb_t *tlb, mmu_tlb_stats_t *out);
void mmu_tlb_stats_reset(mmu_tlb_t *tlb);
/* Which way of set `set` in the array of `size` holds a valid entry for vpn, or -1 (tests). */
int mmu_tlb_way_of(const mmu_tlb_t *tlb, mmu_page_size_t size, uint64_t va, uint16_t asid);

static inline int mmu_page_shift(mmu_page_size_t s) {
  return 12 + 9 * (int)s;
}

/* Tree PLRU: marks `way` as the most recently used of its set. */
void mmu_tlb_plru_touch(uint8_t *bits, uint32_t ways, uint32_t way);

/* Updates the replacement state for an access to (set, way). */
static inline void mmu_tlb_touch(mmu_tlb_t *t, mmu_tlb_array_t *a, uint32_t set, uint32_t way) {
  uint32_t base = set * a->ways;
  uint64_t now = t->clock + 1;
  t->clock = now;
  a->stamp[base + way] = now;
  if (t->repl == MMU_REPL_PLRU) mmu_tlb_plru_touch(&a->plru[base], a->ways, way);
}

static inline bool mmu_tlb_match(const mmu_tlb_entry_t *e, uint64_t vpn, uint16_t asid) {
  return e->vpn == vpn && e->valid && (e->global || e->asid == asid);
}

static inline uint32_t mmu_tlb_set_of(const mmu_tlb_array_t *a, uint64_t vpn) {
  return (uint32_t)(a->mask || a->sets == 1 ? vpn & a->mask : vpn % a->sets);
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

/* Probes every page-size array like mmu_tlb_lookup, returning the entry in place (NULL on a
 * miss). The pointer is valid until the next fill, drop or invalidation of this TLB. */
static inline const mmu_tlb_entry_t *mmu_tlb_lookup_ref(mmu_tlb_t *t, uint64_t va,
                                                        uint16_t asid) {
  t->st.lookups++;
  for (int s = 0; s < MMU_PAGE_SIZES; s++) {
    mmu_tlb_array_t *a = &t->a[s];
    if (!a->nvalid) continue;
    uint32_t set;
    int w = mmu_tlb_find(a, va >> a->shift, asid, &set);
    if (w < 0) continue;
    const mmu_tlb_entry_t *e = &a->e[set * a->ways + (uint32_t)w]; /* before the stores below */
    mmu_tlb_touch(t, a, set, (uint32_t)w);
    t->st.hits++;
    t->st.hits_by_size[s]++;
    return e;
  }
  t->st.misses++;
  return NULL;
}

#endif
