/* fuzz_api.c — libFuzzer target: random sequences of C API calls (map, unmap, protect,
 * translate, probe, invalidate, pte_set, phys read/write, address-space create/destroy) against
 * a shadow of the mappings, with invariants checked on every step; abort() on a violation.
 *
 * Like an OS, the driver invalidates the affected page after every page-table change, so the
 * TLBs may never be stale and every translation must agree with the shadow:
 *  - no stale translation after unmap + invalidate (and after pte_set of a non-present entry);
 *  - no translation crosses ASIDs (mappings are never global here): a successful translation's
 *    PA is the one mapped in that ASID;
 *  - translate agrees with probe on the PA after a successful translate;
 *  - a user read of a U+R page and a user write of a U+R+W page succeed; a user write of a
 *    page without W faults;
 *  - bytes written to physical memory read back unchanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "mmusim.h"

#define NASID 4
#define NPAGES 2048 /* the VA universe: 8 MiB = four 2 MiB regions */
#define VBASE 0x40000000ull
#define DATA_FRAMES 256 /* data PAs: [DBASE, DBASE + 1 MiB) */
#define DBASE 0x100000ull

typedef struct shadow_page {
  bool mapped;
  bool big; /* part of a 2 MiB page */
  uint32_t perm;
  uint64_t pa; /* of this 4 KiB page */
} shadow_page_t;

static shadow_page_t sh[NASID][NPAGES];
static bool space[NASID];

static uint32_t perm_of(bool rv, uint64_t bits) {
  uint32_t p = MMU_PERM_R;
  if (bits & 1) p |= MMU_PERM_W;
  if (bits & 2) p |= MMU_PERM_X;
  if (bits & 4) p |= MMU_PERM_U;
  if (!rv && (bits & 8)) p |= MMU_PERM_PKEY((bits >> 4) & 3);
  return p;
}

/* A timed translation through mmu_translate_batch (a batch of one): the brief, completed from
 * the full result the batch returns for a fault. */
static mmu_status_t translate_batch1(mmu_t *m, const mmu_access_t *a, mmu_result_t *r) {
  mmu_brief_t b;
  size_t done = 9;
  memset(r, 0, sizeof *r);
  mmu_status_t s = mmu_translate_batch(m, a, 1, &b, &done, r);
  CHECK(done == (s == MMU_OK ? 1u : 0u));
  if (s != MMU_OK) return s;
  CHECK(b.fault == (uint8_t)r->fault.kind); /* r was only written for a fault */
  if (b.fault == MMU_FAULT_NONE) r->pa = b.pa, r->size = (mmu_page_size_t)b.size;
  return s;
}

typedef enum { BY_PROBE, BY_TRANSLATE, BY_BATCH } by_t;

/* Checks one translation against the shadow. */
static void check_translate(mmu_t *m, bool rv, uint16_t asid, uint32_t page, uint32_t off,
                            mmu_op_t op, bool user, by_t by) {
  mmu_access_t a = {VBASE + (uint64_t)page * 4096 + off, op, user, false, asid};
  mmu_result_t r, p;
  mmu_status_t s = by == BY_PROBE       ? mmu_probe(m, &a, &r)
                   : by == BY_TRANSLATE ? mmu_translate(m, &a, &r)
                                        : translate_batch1(m, &a, &r);
  if (!space[asid]) {
    CHECK(s == MMU_ERR_ASID);
    return;
  }
  CHECK(s == MMU_OK);
  const shadow_page_t *e = &sh[asid][page];
  if (!e->mapped) {
    CHECK(r.fault.kind == MMU_FAULT_NOT_PRESENT); /* no stale or foreign translation */
    return;
  }
  if (r.fault.kind == MMU_FAULT_NONE) {
    CHECK(r.pa == e->pa + off); /* this ASID's own mapping */
    CHECK(r.size == (e->big ? MMU_PAGE_2M : MMU_PAGE_4K));
    CHECK(mmu_probe(m, &a, &p) == MMU_OK);
    CHECK(p.fault.kind == MMU_FAULT_NONE && p.pa == r.pa); /* translate agrees with probe */
    CHECK(p.cycles.total == 0);
    if (op == MMU_OP_WRITE) CHECK(e->perm & MMU_PERM_W);
  } else {
    CHECK(r.fault.kind != MMU_FAULT_NOT_PRESENT);
    CHECK(r.fault.kind != MMU_FAULT_RSVD && r.fault.kind != MMU_FAULT_BUS);
  }
  if (user && (e->perm & MMU_PERM_U)) {
    bool pk = !rv && MMU_PERM_PKEY_OF(e->perm); /* PKRU may deny keys other than 0 */
    if (op == MMU_OP_READ && !pk) CHECK(r.fault.kind == MMU_FAULT_NONE);
    if (op == MMU_OP_WRITE && (e->perm & MMU_PERM_W) && !pk) CHECK(r.fault.kind == MMU_FAULT_NONE);
    if (op == MMU_OP_WRITE && !(e->perm & MMU_PERM_W)) CHECK(r.fault.kind == MMU_FAULT_WRITE);
  }
  if (user && !(e->perm & MMU_PERM_U)) CHECK(r.fault.kind == MMU_FAULT_USER);
}

static void inval_page(mmu_t *m, uint16_t asid, uint32_t page) {
  CHECK(mmu_invalidate(m, MMU_INVAL_PAGE, asid, VBASE + (uint64_t)page * 4096) == MMU_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input_t in = {data, size};
  static const mmu_format_t fmts[4] = {MMU_FMT_X86_64_4L, MMU_FMT_X86_64_5L, MMU_FMT_SV39,
                                       MMU_FMT_SV48};
  uint64_t hdr = take(&in, 1);
  mmu_config_t c;
  mmu_config_default(&c);
  c.format = fmts[hdr & 3];
  c.phys_bytes = 16u << 20;
  /* Small PTE caches: the default 32 MiB LLC model costs milliseconds per input under ASan. */
  c.cache[1] = (mmu_cache_config_t){64u << 10, 8, 16};
  c.cache[2] = (mmu_cache_config_t){256u << 10, 8, 80};
  c.dtlb.repl = (mmu_repl_t)((hdr >> 2) % 3);
  c.stlb.repl = (mmu_repl_t)((hdr >> 4) % 3);
  if (c.stlb.repl == MMU_REPL_PLRU) c.stlb.size[0].ways = c.stlb.size[1].ways = 8; /* power of 2 */
  if (hdr & 0x40) c.stlb.size[0] = (mmu_array_config_t){3, 2}; /* tiny, non-power-of-two sets */
  if (c.itlb.repl == MMU_REPL_PLRU) c.itlb.repl = MMU_REPL_LRU;
  if (hdr & 0x80) c.pwc[0] = (mmu_pwc_config_t){6, 2, 1};
  c.seed = take(&in, 1);
  bool rv = c.format == MMU_FMT_SV39 || c.format == MMU_FMT_SV48;
  mmu_t *m;
  char err[200];
  if (mmu_config_validate(&c, err, sizeof err) != MMU_OK) fprintf(stderr, "%s\n", err);
  CHECK(mmu_create(&c, &m) == MMU_OK);
  memset(sh, 0, sizeof sh);
  memset(space, 0, sizeof space);
  for (uint16_t a = 0; a < 2; a++) {
    CHECK(mmu_space_create(m, a) == MMU_OK);
    space[a] = true;
  }

  int steps = 0;
  while (in.n && steps++ < 400) {
    uint64_t op = take(&in, 1);
    uint16_t asid = (uint16_t)(op >> 6) % NASID;
    switch (op % 12) {
    case 0: { /* map a 4 KiB page */
      uint32_t page = (uint32_t)(take(&in, 2) % NPAGES);
      uint64_t frame = take(&in, 1) % DATA_FRAMES;
      uint32_t perm = perm_of(rv, take(&in, 1));
      mmu_status_t s = mmu_map(m, asid, VBASE + (uint64_t)page * 4096, DBASE + frame * 4096, 4096,
                               perm, MMU_PAGE_4K);
      if (!space[asid]) CHECK(s == MMU_ERR_ASID);
      if (s == MMU_OK) {
        CHECK(!sh[asid][page].mapped);
        sh[asid][page] = (shadow_page_t){true, false, perm, DBASE + frame * 4096};
        inval_page(m, asid,
                   page); /* a former not-present walk may be cached nowhere, but an OS would */
      } else if (space[asid] && s == MMU_ERR_OVERLAP) {
        CHECK(sh[asid][page].mapped || true); /* a non-present swap PTE also overlaps */
      }
      break;
    }
    case 1: { /* map a 2 MiB page */
      uint32_t region = (uint32_t)(take(&in, 1) % (NPAGES / 512));
      uint32_t perm = perm_of(rv, take(&in, 1));
      uint64_t pa = 0x400000ull + (take(&in, 1) % 4) * 0x200000ull;
      mmu_status_t s =
          mmu_map(m, asid, VBASE + (uint64_t)region * 0x200000, pa, 0x200000, perm, MMU_PAGE_2M);
      if (s == MMU_OK) {
        for (uint32_t i = 0; i < 512; i++) {
          CHECK(!sh[asid][region * 512 + i].mapped);
          sh[asid][region * 512 + i] = (shadow_page_t){true, true, perm, pa + i * 4096ull};
        }
        inval_page(m, asid, region * 512);
      }
      break;
    }
    case 2: { /* unmap one page (a 2 MiB page as a whole) + invalidate */
      uint32_t page = (uint32_t)(take(&in, 2) % NPAGES);
      shadow_page_t *e = &sh[asid][page];
      bool big = e->mapped && e->big;
      uint32_t first = big ? page & ~511u : page, n = big ? 512 : 1;
      mmu_status_t s = mmu_unmap(m, asid, VBASE + (uint64_t)first * 4096, n * 4096ull);
      if (space[asid] && e->mapped) CHECK(s == MMU_OK);
      if (s == MMU_OK) {
        for (uint32_t i = 0; i < n; i++)
          sh[asid][first + i].mapped = false;
        inval_page(m, asid, first);
      }
      break;
    }
    case 3: { /* protect one page + invalidate */
      uint32_t page = (uint32_t)(take(&in, 2) % NPAGES);
      uint32_t perm = perm_of(rv, take(&in, 1));
      shadow_page_t *e = &sh[asid][page];
      bool big = e->mapped && e->big;
      uint32_t first = big ? page & ~511u : page, n = big ? 512 : 1;
      mmu_status_t s = mmu_protect(m, asid, VBASE + (uint64_t)first * 4096, n * 4096ull, perm);
      if (space[asid] && e->mapped) CHECK(s == MMU_OK);
      if (s == MMU_OK) {
        for (uint32_t i = 0; i < n; i++)
          sh[asid][first + i].perm = perm;
        inval_page(m, asid, first);
      }
      break;
    }
    case 4:
    case 5:
    case 6: { /* timed translate (case 6: through mmu_translate_batch) */
      uint32_t page = (uint32_t)(take(&in, 2) % NPAGES);
      uint64_t b = take(&in, 1);
      check_translate(m, rv, asid, page, (uint32_t)(b * 16) & 0xfff, (mmu_op_t)(b % 3),
                      (b >> 2) & 1 || (b >> 3) & 1, op % 12 == 6 ? BY_BATCH : BY_TRANSLATE);
      break;
    }
    case 7: { /* probe */
      uint32_t page = (uint32_t)(take(&in, 2) % NPAGES);
      uint64_t b = take(&in, 1);
      check_translate(m, rv, asid, page, (uint32_t)(b * 8) & 0xfff, (mmu_op_t)(b % 3), true,
                      BY_PROBE);
      break;
    }
    case 8: { /* invalidate, any kind */
      uint64_t b = take(&in, 1);
      uint32_t page = (uint32_t)(take(&in, 2) % NPAGES);
      CHECK(mmu_invalidate(m, (mmu_inval_t)(b % 4), asid, VBASE + (uint64_t)page * 4096) == MMU_OK);
      break;
    }
    case 9: { /* pte_set of a non-present (swap-like) entry over a 4 KiB page, + invalidate */
      uint32_t page = (uint32_t)(take(&in, 2) % NPAGES);
      uint64_t slot = take(&in, 2);
      shadow_page_t *e = &sh[asid][page];
      if (e->mapped && e->big) break; /* would need the 2 MiB entry split */
      mmu_status_t s =
          mmu_pte_set(m, asid, VBASE + (uint64_t)page * 4096, (slot << 12) | MMU_SWAP_PTE_TAG);
      if (space[asid]) CHECK(s == MMU_OK);
      if (s == MMU_OK) {
        e->mapped = false;
        inval_page(m, asid, page);
        mmu_pte_ref_t ref;
        CHECK(mmu_pte_lookup(m, asid, VBASE + (uint64_t)page * 4096, &ref) == MMU_OK);
        CHECK(!ref.present && ref.pte == ((slot << 12) | MMU_SWAP_PTE_TAG));
      }
      break;
    }
    case 10: { /* physical write then read back, through a mapped page's PA when there is one */
      uint32_t page = (uint32_t)(take(&in, 2) % NPAGES);
      uint8_t buf[64], back[64];
      size_t len = 1 + take(&in, 1) % sizeof buf;
      for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)take(&in, 1);
      uint64_t pa =
          sh[asid][page].mapped ? sh[asid][page].pa : DBASE + (page % DATA_FRAMES) * 4096ull;
      pa += (4096 - len) & (take(&in, 1) * 61);
      CHECK(mmu_phys_write(m, pa, buf, len) == MMU_OK);
      CHECK(mmu_phys_read(m, pa, back, len) == MMU_OK);
      CHECK(memcmp(buf, back, len) == 0);
      CHECK(mmu_phys_read(m, c.phys_bytes - 8, back, 16) == MMU_ERR_RANGE);
      break;
    }
    case 11: {        /* create or destroy an address space (destroy flushes it, as an OS would) */
      if (asid < 2) { /* non-canonical and out-of-universe accesses instead */
        mmu_access_t a = {0x0000800000000000ull + take(&in, 2), MMU_OP_READ, true, false, asid};
        mmu_result_t r;
        CHECK(mmu_translate(m, &a, &r) == MMU_OK);
        if (!rv || c.format == MMU_FMT_SV39) CHECK(r.fault.kind != MMU_FAULT_NONE);
        break;
      }
      if (space[asid]) {
        CHECK(mmu_space_destroy(m, asid) == MMU_OK);
        CHECK(mmu_invalidate(m, MMU_INVAL_ASID, asid, 0) == MMU_OK);
        space[asid] = false;
        memset(sh[asid], 0, sizeof sh[asid]);
      } else {
        CHECK(mmu_space_create(m, asid) == MMU_OK);
        space[asid] = true;
      }
      break;
    }
    }
  }
  /* Final sweep: every page of every ASID agrees with the shadow. */
  for (uint16_t a = 0; a < NASID; a++)
    for (uint32_t p = 0; p < NPAGES; p += 7)
      check_translate(m, rv, a, p, 0, MMU_OP_READ, true, BY_TRANSLATE);
  mmu_destroy(m);
  return 0;
}
