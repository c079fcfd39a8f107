/* tlb.c — one TLB level: set-associative arrays per page size with LRU/PLRU/random. */
#include "tlb.h"

#include <stdlib.h>
#include <string.h>

mmu_status_t mmu_tlb_create(const mmu_tlb_config_t *cfg, uint64_t seed, mmu_tlb_t **out) {
  if (!cfg || !out) return MMU_ERR_NULL;
  for (int s = 0; s < MMU_PAGE_SIZES; s++) /* as mmu_config_validate: set_bytes fits 16 bits */
    if (cfg->size[s].ways > 64) return MMU_ERR_CONFIG;
  mmu_tlb_t *t = calloc(1, sizeof *t);
  if (!t) return MMU_ERR_NOMEM;
  t->latency = cfg->latency;
  t->repl = cfg->repl;
  t->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
  for (int s = 0; s < MMU_PAGE_SIZES; s++) {
    mmu_tlb_array_t *a = &t->a[s];
    a->ways = cfg->size[s].ways;
    a->sets = a->ways ? cfg->size[s].sets : 0;
    a->shift = mmu_page_shift((mmu_page_size_t)s);
    bool pow2 = a->sets && !(a->sets & (a->sets - 1));
    a->mask = pow2 ? a->sets - 1 : 0;
    a->mod = pow2 ? 0 : a->sets;
    a->set_bytes = (uint16_t)(a->ways * sizeof *a->e);
    a->quad_bytes = (uint16_t)((a->ways & ~3u) * sizeof *a->e);
    size_t n = (size_t)a->sets * a->ways;
    if (!n) continue;
    /* Line-aligned, so that a set of 2^k ways spans as few host cache lines as it can. */
    size_t bytes = (n * sizeof *a->e + 63) & ~(size_t)63;
    if ((a->e = aligned_alloc(64, bytes))) {
      memset(a->e, 0, bytes);
      for (size_t i = 0; i < n; i++)
        a->e[i].vpn = MMU_TLB_NO_VPN;
    }
    a->plru = calloc(n, 1);
    if (!a->e || !a->plru) {
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

bool mmu_tlb_lookup(mmu_tlb_t *t, uint64_t va, uint16_t asid, mmu_tlb_entry_t *out) {
  const mmu_tlb_entry_t *e = mmu_tlb_lookup_ref(t, va, asid);
  if (e) *out = *e;
  return e != NULL;
}

uint32_t mmu_tlb_policy_victim(mmu_tlb_t *t, mmu_tlb_array_t *a, uint32_t set) {
  if (t->repl == MMU_REPL_PLRU) return plru_victim(&a->plru[set * a->ways], a->ways);
  return (uint32_t)(xorshift(&t->rng) % a->ways);
}

void mmu_tlb_plru_fill(mmu_tlb_array_t *a, uint32_t set, uint32_t way) {
  mmu_tlb_plru_touch(&a->plru[set * a->ways], a->ways, way);
}

static void entry_drop(mmu_tlb_t *t, mmu_tlb_array_t *a, mmu_tlb_entry_t *e) {
  e->vpn = MMU_TLB_NO_VPN;
  e->valid = false;
  e->stamp = 0; /* see mmu_tlb_oldest_way */
  t->hint_set = NULL;
  a->nvalid--;
  t->st.invalidated++;
}

void mmu_tlb_fill(mmu_tlb_t *t, const mmu_tlb_entry_t *in) {
  mmu_tlb_array_t *a = &t->a[in->size];
  if (!a->sets) return;
  uint32_t set;
  int w = mmu_tlb_find(a, in->vpn, in->asid, &set); /* replaced in place if present */
  mmu_tlb_entry_set(mmu_tlb_take_way(t, a, set, w < 0 ? NULL : &a->e[set * a->ways + (uint32_t)w]),
                    in);
}

void mmu_tlb_fill_new(mmu_tlb_t *t, const mmu_tlb_entry_t *in) {
  mmu_tlb_entry_t *d = mmu_tlb_fill_slot(t, (mmu_page_size_t)in->size, in->vpn);
  if (d) mmu_tlb_entry_set(d, in);
}

/* The first way of vpn's set in a that holds vpn for asid, or NULL: mmu_tlb_find's answer. A drop
 * mostly misses and so compares every way: vpn alone, four ways per loop step, and only a group
 * with an equal vpn is matched in full (from its first way, so the first match still wins). */
static inline mmu_tlb_entry_t *drop_find(const mmu_tlb_array_t *a, uint64_t vpn, uint16_t asid) {
  char *set = (char *)a->e + (size_t)mmu_tlb_set_of(a, vpn) * a->set_bytes;
  mmu_tlb_entry_t *e = (mmu_tlb_entry_t *)set, *end4 = (mmu_tlb_entry_t *)(set + a->quad_bytes),
                  *end = (mmu_tlb_entry_t *)(set + a->set_bytes);
  for (; e != end4; e += 4)
    if (e[0].vpn == vpn || e[1].vpn == vpn || e[2].vpn == vpn || e[3].vpn == vpn) goto check;
  for (; e != end; e++)
    if (e->vpn == vpn) goto check;
  return NULL;
check:
  for (; e != end; e++)
    if (mmu_tlb_match(e, vpn, asid)) return e;
  return NULL;
}

static inline void drop_in(mmu_tlb_t *t, mmu_tlb_array_t *a, uint64_t vpn, uint16_t asid) {
  mmu_tlb_entry_t *e = drop_find(a, vpn, asid);
  if (e) entry_drop(t, a, e);
}

/* The large-page arrays, out of line: few TLBs hold large pages, and a 4 KiB-only drop then
 * needs fewer registers. */
static __attribute__((noinline)) void drop_large(mmu_tlb_t *t, uint64_t va, uint16_t asid) {
  if (t->a[MMU_PAGE_2M].nvalid) drop_in(t, &t->a[MMU_PAGE_2M], va >> 21, asid);
  if (t->a[MMU_PAGE_1G].nvalid) drop_in(t, &t->a[MMU_PAGE_1G], va >> 30, asid);
}

_Static_assert(MMU_PAGE_SIZES == 3, "mmu_tlb_drop probes three arrays");

/* mmu_tlb_drop past its early outs; out of line, so that they need no saved registers. */
static __attribute__((noinline)) void drop_held(mmu_tlb_t *t, uint64_t va, uint16_t asid) {
  mmu_tlb_array_t *a = t->a;
  if (a[MMU_PAGE_4K].nvalid) drop_in(t, &a[MMU_PAGE_4K], va >> 12, asid);
  if (a[MMU_PAGE_2M].nvalid | a[MMU_PAGE_1G].nvalid) drop_large(t, va, asid);
}

void mmu_tlb_drop(mmu_tlb_t *t, uint64_t va, uint16_t asid) {
  /* Just missed, and nothing filled since (see struct mmu_tlb): nothing to drop. */
  if (t->hint_set && t->hint_clock == t->clock && t->hint_vpn == va >> 12 && t->hint_asid == asid)
    return;
  const mmu_tlb_array_t *a = t->a; /* empty arrays are not probed */
  if (a[MMU_PAGE_4K].nvalid | a[MMU_PAGE_2M].nvalid | a[MMU_PAGE_1G].nvalid) drop_held(t, va, asid);
}

void mmu_tlb_invalidate_scan(mmu_tlb_t *t, mmu_inval_t kind, uint16_t asid) {
  for (int s = 0; s < MMU_PAGE_SIZES; s++) {
    mmu_tlb_array_t *a = &t->a[s];
    if (!a->nvalid) continue;
    for (size_t i = 0; i < (size_t)a->sets * a->ways; i++) {
      mmu_tlb_entry_t *e = &a->e[i];
      if (!e->valid) continue;
      bool drop = kind == MMU_INVAL_ALL || (kind == MMU_INVAL_NONGLOBAL && !e->global) ||
                  (kind == MMU_INVAL_ASID && !e->global && e->asid == asid);
      if (drop) entry_drop(t, a, e);
    }
  }
}

void mmu_tlb_stats(const mmu_tlb_t *t, mmu_tlb_stats_t *out) {
  *out = t->st;
  out->hits = 0;
  for (int s = 0; s < MMU_PAGE_SIZES; s++)
    out->hits += t->st.hits_by_size[s];
  out->lookups = out->hits + out->misses;
}
void mmu_tlb_stats_reset(mmu_tlb_t *t) {
  memset(&t->st, 0, sizeof t->st);
}

int mmu_tlb_way_of(const mmu_tlb_t *t, mmu_page_size_t size, uint64_t va, uint16_t asid) {
  const mmu_tlb_array_t *a = &t->a[size];
  if (!a->sets) return -1;
  uint32_t set;
  return mmu_tlb_find(a, va >> mmu_page_shift(size), asid, &set);
}
