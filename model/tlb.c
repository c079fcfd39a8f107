/* tlb.c — one TLB level: set-associative arrays per page size with LRU/PLRU/random. */
#include "tlb.h"

#include <stdlib.h>
#include <string.h>

typedef struct tlb_array {
  uint32_t sets, ways;
  uint32_t nvalid; /* valid entries: an empty array is not probed */
  int shift;       /* page shift of the array's size */
  uint64_t mask;   /* sets - 1 when sets is a power of two, else 0 (use %) */
  mmu_tlb_entry_t *e; /* sets * ways */
  uint64_t *stamp;    /* LRU */
  uint8_t *plru;      /* (ways - 1) tree bits per set; bit = 1 means "go right" to the victim */
} tlb_array_t;

struct mmu_tlb {
  tlb_array_t a[MMU_PAGE_SIZES];
  uint32_t latency;
  mmu_repl_t repl;
  uint64_t rng, clock;
  mmu_tlb_stats_t st;
};

mmu_status_t mmu_tlb_create(const mmu_tlb_config_t *cfg, uint64_t seed, mmu_tlb_t **out) {
  if (!cfg || !out) return MMU_ERR_NULL;
  mmu_tlb_t *t = calloc(1, sizeof *t);
  if (!t) return MMU_ERR_NOMEM;
  t->latency = cfg->latency;
  t->repl = cfg->repl;
  t->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
  for (int s = 0; s < MMU_PAGE_SIZES; s++) {
    tlb_array_t *a = &t->a[s];
    a->ways = cfg->size[s].ways;
    a->sets = a->ways ? cfg->size[s].sets : 0;
    a->shift = mmu_page_shift((mmu_page_size_t)s);
    a->mask = (a->sets && !(a->sets & (a->sets - 1))) ? a->sets - 1 : 0;
    size_t n = (size_t)a->sets * a->ways;
    if (!n) continue;
    a->e = calloc(n, sizeof *a->e);
    a->stamp = calloc(n, sizeof *a->stamp);
    a->plru = calloc((size_t)a->sets * a->ways, 1);
    if (!a->e || !a->stamp || !a->plru) {
      mmu_tlb_destroy(t);
      return MMU_ERR_NOMEM;
    }
  }
  *out = t;
  return MMU_OK;
}

void mmu_tlb_destroy(mmu_tlb_t *t) {
  if (!t) return;
  for (int s = 0; s < MMU_PAGE_SIZES; s++) {
    free(t->a[s].e);
    free(t->a[s].stamp);
    free(t->a[s].plru);
  }
  free(t);
}

uint32_t mmu_tlb_latency(const mmu_tlb_t *t) {
  return t->latency;
}
bool mmu_tlb_has_size(const mmu_tlb_t *t, mmu_page_size_t s) {
  return t->a[s].sets != 0;
}

/* Tree PLRU: node i has children 2i+1, 2i+2; leaves map to ways. On access, point every node on
 * the path away from the way; the victim follows the pointers. */
static void plru_touch(uint8_t *bits, uint32_t ways, uint32_t way) {
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
static uint32_t plru_victim(const uint8_t *bits, uint32_t ways) {
  uint32_t node = 0, lo = 0, hi = ways;
  while (hi - lo > 1) {
    uint32_t mid = (lo + hi) / 2;
    bool right = bits[node];
    node = 2 * node + (right ? 2 : 1);
    if (right)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

static uint64_t xorshift(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

static void touch(mmu_tlb_t *t, tlb_array_t *a, uint32_t set, uint32_t way) {
  a->stamp[set * a->ways + way] = ++t->clock;
  if (t->repl == MMU_REPL_PLRU) plru_touch(&a->plru[set * a->ways], a->ways, way);
}

static inline bool match(const mmu_tlb_entry_t *e, uint64_t vpn, uint16_t asid) {
  return e->valid && e->vpn == vpn && (e->global || e->asid == asid);
}

static inline uint32_t set_of(const tlb_array_t *a, uint64_t vpn) {
  return (uint32_t)(a->mask || a->sets == 1 ? vpn & a->mask : vpn % a->sets);
}

static inline int find(const tlb_array_t *a, uint64_t vpn, uint16_t asid, uint32_t *set_out) {
  uint32_t set = set_of(a, vpn);
  *set_out = set;
  const mmu_tlb_entry_t *e = &a->e[set * a->ways];
  for (uint32_t w = 0; w < a->ways; w++)
    if (match(&e[w], vpn, asid)) return (int)w;
  return -1;
}

const mmu_tlb_entry_t *mmu_tlb_lookup_ref(mmu_tlb_t *t, uint64_t va, uint16_t asid) {
  t->st.lookups++;
  for (int s = 0; s < MMU_PAGE_SIZES; s++) {
    tlb_array_t *a = &t->a[s];
    if (!a->nvalid) continue;
    uint32_t set;
    int w = find(a, va >> a->shift, asid, &set);
    if (w < 0) continue;
    touch(t, a, set, (uint32_t)w);
    t->st.hits++;
    t->st.hits_by_size[s]++;
    return &a->e[set * a->ways + (uint32_t)w];
  }
  t->st.misses++;
  return NULL;
}

bool mmu_tlb_lookup(mmu_tlb_t *t, uint64_t va, uint16_t asid, mmu_tlb_entry_t *out) {
  const mmu_tlb_entry_t *e = mmu_tlb_lookup_ref(t, va, asid);
  if (e) *out = *e;
  return e != NULL;
}

void mmu_tlb_fill(mmu_tlb_t *t, const mmu_tlb_entry_t *in) {
  tlb_array_t *a = &t->a[in->size];
  if (!a->sets) return;
  uint32_t set;
  int w = find(a, in->vpn, in->asid, &set);
  mmu_tlb_entry_t *e = &a->e[set * a->ways];
  if (w < 0) {
    for (uint32_t i = 0; i < a->ways && w < 0; i++)
      if (!e[i].valid) w = (int)i;
  }
  if (w < 0) {
    switch (t->repl) {
    case MMU_REPL_PLRU:
      w = (int)plru_victim(&a->plru[set * a->ways], a->ways);
      break;
    case MMU_REPL_RANDOM:
      w = (int)(xorshift(&t->rng) % a->ways);
      break;
    case MMU_REPL_LRU:
    default: {
      const uint64_t *st = &a->stamp[set * a->ways];
      w = 0;
      for (uint32_t i = 1; i < a->ways; i++)
        if (st[i] < st[w]) w = (int)i;
    }
    }
    t->st.evictions++;
  }
  if (!e[w].valid) a->nvalid++;
  e[w] = *in;
  e[w].valid = true;
  t->st.fills++;
  touch(t, a, set, (uint32_t)w);
}

void mmu_tlb_drop(mmu_tlb_t *t, uint64_t va, uint16_t asid) {
  for (int s = 0; s < MMU_PAGE_SIZES; s++) {
    tlb_array_t *a = &t->a[s];
    if (!a->nvalid) continue;
    uint32_t set;
    int w = find(a, va >> a->shift, asid, &set);
    if (w >= 0) {
      a->e[set * a->ways + (uint32_t)w].valid = false;
      a->nvalid--;
      t->st.invalidated++;
    }
  }
}

void mmu_tlb_invalidate(mmu_tlb_t *t, mmu_inval_t kind, uint16_t asid, uint64_t va) {
  if (kind == MMU_INVAL_PAGE) {
    mmu_tlb_drop(t, va, asid);
    return;
  }
  for (int s = 0; s < MMU_PAGE_SIZES; s++) {
    tlb_array_t *a = &t->a[s];
    if (!a->nvalid) continue;
    for (size_t i = 0; i < (size_t)a->sets * a->ways; i++) {
      mmu_tlb_entry_t *e = &a->e[i];
      if (!e->valid) continue;
      bool drop = kind == MMU_INVAL_ALL || (kind == MMU_INVAL_NONGLOBAL && !e->global) ||
                  (kind == MMU_INVAL_ASID && !e->global && e->asid == asid);
      if (drop) {
        e->valid = false;
        a->nvalid--;
        t->st.invalidated++;
      }
    }
  }
}

void mmu_tlb_stats(const mmu_tlb_t *t, mmu_tlb_stats_t *out) {
  *out = t->st;
}
void mmu_tlb_stats_reset(mmu_tlb_t *t) {
  memset(&t->st, 0, sizeof t->st);
}

int mmu_tlb_way_of(const mmu_tlb_t *t, mmu_page_size_t size, uint64_t va, uint16_t asid) {
  const tlb_array_t *a = &t->a[size];
  if (!a->sets) return -1;
  uint32_t set;
  return find(a, va >> mmu_page_shift(size), asid, &set);
}
