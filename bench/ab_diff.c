/* ab_diff.c — differential check for optimisations that must not change behaviour: random
 * map/unmap/protect/invalidate/control/translate/probe/translate_range sequences on several
 * configurations (x86 4- and 5-level, Sv39, Sv48; LRU, PLRU and random replacement;
 * non-power-of-two sets; disabled cache levels; small TLBs so that evictions are frequent).
 * Every status, every result field and the statistics after each configuration are hashed; two
 * builds of the library must print the same hash. Not built by CMake:
 *   gcc -O2 -Ic_api bench/ab_diff.c OLD/libmmusim.a -ljansson -lm -o diff_old
 *   gcc -O2 -Ic_api bench/ab_diff.c NEW/libmmusim.a -ljansson -lm -o diff_new
 *   ./diff_old; ./diff_new        # optional argument: operations per configuration */
#include "mmusim.h"

#include <stdio.h>
#include <stdlib.h>

static uint64_t h = 1469598103934665603ull;
static void mix(uint64_t v) {
  h = (h ^ v) * 1099511628211ull;
  h ^= h >> 29;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void mix_result(mmu_status_t s, const mmu_result_t *r) {
  mix((uint64_t)s);
  if (s) return;
  mix(r->pa), mix(r->size), mix(r->where), mix((uint64_t)(int64_t)r->pwc_level);
  mix(r->walk_reads), mix(r->walk_writes), mix(r->writable), mix(r->user), mix(r->executable);
  mix(r->cycles.tlb), mix(r->cycles.pwc), mix(r->cycles.walk), mix(r->cycles.ad);
  mix(r->cycles.total);
  const mmu_fault_t *f = &r->fault;
  mix(f->kind), mix(f->va), mix(f->op), mix(f->user), mix(f->asid);
  mix((uint64_t)(int64_t)f->level), mix(f->pte), mix(f->pte_addr), mix(f->error_code);
  mix(f->cause);
}

static void mix_tlb_stats(const mmu_tlb_stats_t *t) {
  mix(t->lookups), mix(t->hits), mix(t->misses), mix(t->fills), mix(t->evictions);
  mix(t->invalidated);
  for (int i = 0; i < MMU_PAGE_SIZES; i++) mix(t->hits_by_size[i]);
}

static void mix_stats(const mmu_t *m) {
  mmu_stats_t s;
  mix(mmu_stats_get(m, &s));
  mix(s.translations), mix(s.faults);
  for (int i = 0; i < MMU_FAULT_KIND_COUNT; i++) mix(s.faults_by_kind[i]);
  mix_tlb_stats(&s.itlb), mix_tlb_stats(&s.dtlb), mix_tlb_stats(&s.stlb);
  mix(s.pwc_lookups);
  for (int i = 0; i < MMU_MAX_LEVELS; i++) mix(s.pwc_hits_by_level[i]);
  mix(s.walks), mix(s.walk_reads), mix(s.walk_writes);
  for (int i = 0; i < MMU_MAX_LEVELS; i++) mix(s.walk_reads_by_level[i]);
  mix(s.dirty_assists);
  for (int i = 0; i < MMU_CACHE_LEVELS; i++) mix(s.cache_hits[i]);
  mix(s.dram_reads);
  mix(s.cycles.tlb), mix(s.cycles.pwc), mix(s.cycles.walk), mix(s.cycles.ad), mix(s.cycles.total);
}

/* Virtual regions: a few PML4 / Sv39-root slots so that the upper page-walk caches matter. */
static uint64_t region_va(const mmu_config_t *c, unsigned region) {
  uint64_t slot = c->format == MMU_FMT_SV39 ? (1ull << 30) : (1ull << 39);
  return 0x200000 + region * slot;
}

static void run(const mmu_config_t *c, long ops) {
  mmu_t *m;
  char err[200];
  if (mmu_config_validate(c, err, sizeof err) || mmu_create(c, &m)) {
    printf("bad configuration: %s\n", err);
    exit(1);
  }
  for (uint16_t asid = 1; asid <= 3; asid++) mix(mmu_space_create(m, asid));
  mmu_ctrl_t ctrl;
  mmu_get_ctrl(m, &ctrl);
  for (long i = 0; i < ops; i++) {
    uint16_t asid = (uint16_t)(1 + rnd() % 3);
    unsigned region = (unsigned)(rnd() % 4);
    uint64_t page = rnd() % 1024, va = region_va(c, region) + page * 4096;
    uint32_t perm = (uint32_t)(rnd() % 32) | MMU_PERM_PKEY(rnd() % 4);
    unsigned what = (unsigned)(rnd() % 100);
    if (what < 8) { /* map 1..16 pages, or a 2 MiB page */
      bool huge = rnd() % 8 == 0;
      uint64_t len = huge ? 2u << 20 : (1 + rnd() % 16) * 4096;
      uint64_t v = huge ? (va & ~0x1fffffull) : va;
      uint64_t pa = 0x10000000 + (rnd() % 4096) * (huge ? (2u << 20) : 4096);
      mix(mmu_map(m, asid, v, pa, len, perm, huge ? MMU_PAGE_2M : MMU_PAGE_4K));
    } else if (what < 11) {
      mix(mmu_unmap(m, asid, va, (1 + rnd() % 4) * 4096));
    } else if (what < 14) {
      mix(mmu_protect(m, asid, va, (1 + rnd() % 4) * 4096, perm));
    } else if (what < 17) {
      mix(mmu_invalidate(m, (mmu_inval_t)(rnd() % 4), asid, va));
    } else if (what < 18) {
      ctrl.wp = rnd() & 1, ctrl.smep = rnd() & 1, ctrl.smap = rnd() & 1, ctrl.ac = rnd() & 1;
      ctrl.pke = rnd() & 1, ctrl.pkru = (uint32_t)rnd(), ctrl.mxr = rnd() & 1;
      ctrl.sum = rnd() & 1, ctrl.svadu = rnd() % 4 != 0;
      mix(mmu_set_ctrl(m, &ctrl));
    } else {
      mmu_access_t a = {va + rnd() % 4096, (mmu_op_t)(rnd() % 3), rnd() % 4 != 0, rnd() % 8 == 0,
                        asid};
      if (rnd() % 64 == 0) a.va ^= 1ull << 62; /* non-canonical */
      mmu_result_t r;
      if (what < 22) {
        mix_result(mmu_probe(m, &a, &r), &r);
      } else if (what < 26) {
        uint32_t pages = 0;
        mix_result(mmu_translate_range(m, &a, (uint32_t)(1 + rnd() % 8192), &r, &pages), &r);
        mix(pages);
      } else {
        mix_result(mmu_translate(m, &a, &r), &r);
      }
    }
  }
  mix_stats(m);
  mmu_destroy(m);
}

int main(int argc, char **argv) {
  long ops = argc > 1 ? atol(argv[1]) : 500000;
  mmu_config_t c;
  for (int k = 0; k < 8; k++) {
    mmu_config_default(&c);
    c.phys_bytes = 4ull << 30;
    c.itlb.size[0] = (mmu_array_config_t){4, 4}; /* small: frequent evictions */
    c.dtlb.size[0] = (mmu_array_config_t){4, 4};
    c.stlb.size[0] = (mmu_array_config_t){16, 6};
    c.cache[0] = (mmu_cache_config_t){4096, 4, 5};
    c.cache[1] = (mmu_cache_config_t){64 << 10, 8, 16};
    c.cache[2] = (mmu_cache_config_t){1 << 20, 16, 80};
    switch (k) {
    case 1: c.format = MMU_FMT_X86_64_5L; break;
    case 2: c.format = MMU_FMT_SV39; break;
    case 3: c.format = MMU_FMT_SV48; break;
    case 4: /* PLRU everywhere */
      c.itlb.repl = c.dtlb.repl = c.stlb.repl = MMU_REPL_PLRU;
      c.stlb.size[0] = (mmu_array_config_t){16, 8};
      c.stlb.size[1] = (mmu_array_config_t){16, 8};
      break;
    case 5: /* random replacement, non-power-of-two sets and caches */
      c.itlb.repl = c.dtlb.repl = c.stlb.repl = MMU_REPL_RANDOM;
      c.seed = 12345;
      c.stlb.size[0] = (mmu_array_config_t){12, 5};
      c.pwc[0] = (mmu_pwc_config_t){12, 4, 2};
      c.cache[0] = (mmu_cache_config_t){64 * 3 * 7, 3, 5};
      c.cache[1] = (mmu_cache_config_t){64 * 12 * 100, 12, 16};
      break;
    case 6: /* one cache level, no PWC for two levels */
      c.cache[1] = c.cache[2] = (mmu_cache_config_t){0, 0, 0};
      c.pwc[1].entries = 0, c.pwc[2].entries = 0;
      break;
    case 7: /* default (large) configuration */
      mmu_config_default(&c);
      break;
    }
    run(&c, ops);
    printf("config %d: %016llx\n", k, (unsigned long long)h);
  }
  printf("hash %016llx\n", (unsigned long long)h);
  return 0;
}
