/* mmusim.c — the C API door: argument checks, configuration defaults and validation, and the
 * calls that forward to the model's blocks. Nothing here aborts on user input. */
#include "mmusim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmu.h"

const char *mmu_strerror(mmu_status_t s) {
  static const char *const k[MMU_STATUS_COUNT] = {
      [MMU_OK] = "success",
      [MMU_ERR_NULL] = "a required pointer argument is NULL",
      [MMU_ERR_CONFIG] = "a configuration field is out of range",
      [MMU_ERR_NOMEM] = "out of host memory",
      [MMU_ERR_ALIGN] = "address or length not aligned to the page size",
      [MMU_ERR_RANGE] = "address beyond physical memory or the virtual address width",
      [MMU_ERR_OVERLAP] = "mapping overlaps an existing mapping",
      [MMU_ERR_NOT_MAPPED] = "address is not mapped",
      [MMU_ERR_ASID] = "ASID out of range, in use, or without an address space",
      [MMU_ERR_NO_FRAME] = "no free physical frame",
      [MMU_ERR_ARG] = "argument out of range",
      [MMU_ERR_IO] = "host file error",
      [MMU_ERR_PARSE] = "malformed input",
      [MMU_ERR_EOF] = "end of trace",
      [MMU_ERR_STATE] = "call not valid in the current state",
  };
  return (unsigned)s < MMU_STATUS_COUNT ? k[s] : "unknown status";
}

const char *mmu_version(void) {
#define MMU_STR2(x) #x
#define MMU_STR(x) MMU_STR2(x)
  return MMU_STR(MMU_VERSION_MAJOR) "." MMU_STR(MMU_VERSION_MINOR) "." MMU_STR(MMU_VERSION_PATCH);
}

const char *mmu_fault_kind_name(mmu_fault_kind_t k) {
  static const char *const n[MMU_FAULT_KIND_COUNT] = {"none",
                                                      "not-present",
                                                      "reserved-bit",
                                                      "misaligned-superpage",
                                                      "non-canonical",
                                                      "user-to-supervisor",
                                                      "write-to-read-only",
                                                      "no-execute",
                                                      "smep",
                                                      "smap",
                                                      "protection-key",
                                                      "not-readable",
                                                      "accessed-dirty",
                                                      "bus-error"};
  return (unsigned)k < MMU_FAULT_KIND_COUNT ? n[k] : "unknown";
}

uint64_t mmu_page_bytes(mmu_page_size_t s) {
  return (unsigned)s < MMU_PAGE_SIZES ? 1ull << (12 + 9 * (int)s) : 0;
}

/* ---- configuration ---- */
void mmu_config_default(mmu_config_t *c) {
  if (!c) return;
  memset(c, 0, sizeof *c);
  c->format = MMU_FMT_X86_64_4L;
  c->phys_bytes = 16ull << 30;
  c->pa_bits = 46;
  /* TLB geometry: Intel Skylake-SP (Intel 64 and IA-32 Architectures Optimization Reference
   * Manual, table "TLB parameters"); latencies in docs/cost-model.md. */
  c->itlb = (mmu_tlb_config_t){{{16, 8}, {1, 8}, {0, 0}}, 1, MMU_REPL_LRU};
  c->dtlb = (mmu_tlb_config_t){{{16, 4}, {8, 4}, {1, 4}}, 1, MMU_REPL_LRU};
  c->stlb = (mmu_tlb_config_t){{{128, 12}, {128, 12}, {4, 4}}, 9, MMU_REPL_LRU};
  c->pwc[0] = (mmu_pwc_config_t){32, 4, 2};              /* PDE cache */
  c->pwc[1] = (mmu_pwc_config_t){4, 4, 2};               /* PDPTE cache */
  c->pwc[2] = (mmu_pwc_config_t){2, 2, 2};               /* PML4E cache */
  c->pwc[3] = (mmu_pwc_config_t){2, 2, 2};               /* PML5E cache */
  c->cache[0] = (mmu_cache_config_t){48u << 10, 12, 5};  /* L1D */
  c->cache[1] = (mmu_cache_config_t){2u << 20, 16, 16};  /* L2 */
  c->cache[2] = (mmu_cache_config_t){32u << 20, 16, 80}; /* LLC share */
  c->dram_latency = 300;
  c->ad_update_latency = 20;
  c->walk_start_latency = 1;
  c->seed = 1;
}

static mmu_status_t bad(char *err, size_t n, const char *fmt, ...) {
  if (err && n) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
  }
  return MMU_ERR_CONFIG;
}

static bool pow2(uint64_t x) {
  return x && !(x & (x - 1));
}

static mmu_status_t check_tlb(const char *name, const mmu_tlb_config_t *t, char *err, size_t n) {
  static const char *const sz[MMU_PAGE_SIZES] = {"4k", "2m", "1g"};
  if ((unsigned)t->repl > MMU_REPL_RANDOM)
    return bad(err, n, "%s.repl: %u is not a policy (allowed: 0 lru, 1 plru, 2 random)", name,
               (unsigned)t->repl);
  if (t->latency > 1000)
    return bad(err, n, "%s.latency: %u out of range (allowed 0..1000 cycles)", name, t->latency);
  for (int s = 0; s < MMU_PAGE_SIZES; s++) {
    const mmu_array_config_t *a = &t->size[s];
    if (a->ways > 64)
      return bad(err, n, "%s.%s.ways: %u out of range (allowed 0..64)", name, sz[s], a->ways);
    if (!a->ways) continue;
    if (a->sets < 1 || a->sets > 65536)
      return bad(err, n, "%s.%s.sets: %u out of range (allowed 1..65536)", name, sz[s], a->sets);
    if (t->repl == MMU_REPL_PLRU && !pow2(a->ways))
      return bad(err, n, "%s.%s.ways: %u is not a power of two (tree-PLRU needs 1, 2, 4 .. 64)",
                 name, sz[s], a->ways);
  }
  return MMU_OK;
}

mmu_status_t mmu_config_validate(const mmu_config_t *c, char *err, size_t n) {
  if (err && n) err[0] = '\0';
  if (!c) return MMU_ERR_NULL;
  if ((unsigned)c->format >= MMU_FMT_COUNT)
    return bad(err, n, "format: %u out of range (allowed 0..%d)", (unsigned)c->format,
               MMU_FMT_COUNT - 1);
  if (c->pa_bits < 32 || c->pa_bits > 52)
    return bad(err, n, "pa_bits: %u out of range (allowed 32..52)", c->pa_bits);
  uint64_t max_phys = MMU_PHYS_MAX;
  if (c->pa_bits < 40) max_phys = 1ull << c->pa_bits;
  if (c->phys_bytes < (64u << 10) || c->phys_bytes > max_phys || c->phys_bytes % 4096)
    return bad(err, n, "phys_bytes: %llu out of range (allowed 65536..%llu, a multiple of 4096)",
               (unsigned long long)c->phys_bytes, (unsigned long long)max_phys);
  mmu_status_t s;
  if ((s = check_tlb("itlb", &c->itlb, err, n)) || (s = check_tlb("dtlb", &c->dtlb, err, n)) ||
      (s = check_tlb("stlb", &c->stlb, err, n)))
    return s;
  for (int i = 0; i < MMU_PWC_LEVELS; i++) {
    const mmu_pwc_config_t *p = &c->pwc[i];
    if (p->entries > 4096)
      return bad(err, n, "pwc[%d].entries: %u out of range (allowed 0..4096)", i, p->entries);
    if (p->entries && (p->ways < 1 || p->ways > p->entries || p->entries % p->ways))
      return bad(err, n, "pwc[%d].ways: %u invalid (allowed 1..entries, dividing entries=%u)", i,
                 p->ways, p->entries);
    if (p->latency > 1000)
      return bad(err, n, "pwc[%d].latency: %u out of range (allowed 0..1000)", i, p->latency);
  }
  bool off = false;
  for (int i = 0; i < MMU_CACHE_LEVELS; i++) {
    const mmu_cache_config_t *k = &c->cache[i];
    if (!k->size_bytes) {
      off = true;
      continue;
    }
    if (off)
      return bad(err, n, "cache[%d].size_bytes: %u but cache[%d] is disabled (allowed 0)", i,
                 k->size_bytes, i - 1);
    if (k->ways < 1 || k->ways > 64)
      return bad(err, n, "cache[%d].ways: %u out of range (allowed 1..64)", i, k->ways);
    if (k->size_bytes % (64u * k->ways) || k->size_bytes > (1u << 30))
      return bad(err, n,
                 "cache[%d].size_bytes: %u invalid (allowed up to 1 GiB, a multiple of 64*ways=%u)",
                 i, k->size_bytes, 64u * k->ways);
    if (k->latency > 100000)
      return bad(err, n, "cache[%d].latency: %u out of range (allowed 0..100000)", i, k->latency);
  }
  if (c->dram_latency < 1 || c->dram_latency > 100000)
    return bad(err, n, "dram_latency: %u out of range (allowed 1..100000)", c->dram_latency);
  if (c->ad_update_latency > 100000)
    return bad(err, n, "ad_update_latency: %u out of range (allowed 0..100000)",
               c->ad_update_latency);
  if (c->walk_start_latency > 100000)
    return bad(err, n, "walk_start_latency: %u out of range (allowed 0..100000)",
               c->walk_start_latency);
  return MMU_OK;
}

/* ---- lifecycle ---- */
mmu_status_t mmu_create(const mmu_config_t *cfg, mmu_t **out) {
  if (!out) return MMU_ERR_NULL;
  *out = NULL;
  mmu_config_t def;
  if (!cfg) {
    mmu_config_default(&def);
    cfg = &def;
  }
  mmu_status_t s = mmu_config_validate(cfg, NULL, 0);
  if (s) return s;
  return mmu_core_create(cfg, out);
}

void mmu_destroy(mmu_t *mmu) {
  mmu_core_destroy(mmu);
}

const mmu_config_t *mmu_config(const mmu_t *mmu) {
  return mmu ? &mmu->cfg : NULL;
}

mmu_status_t mmu_get_ctrl(const mmu_t *mmu, mmu_ctrl_t *ctrl) {
  if (!mmu || !ctrl) return MMU_ERR_NULL;
  *ctrl = mmu->ctrl;
  return MMU_OK;
}

mmu_status_t mmu_set_ctrl(mmu_t *mmu, const mmu_ctrl_t *ctrl) {
  if (!mmu || !ctrl) return MMU_ERR_NULL;
  mmu_core_set_ctrl(mmu, ctrl);
  return MMU_OK;
}

/* ---- translation ---- */
static mmu_status_t check_access(const mmu_t *mmu, const mmu_access_t *acc, const void *out) {
  if (!mmu || !acc || !out) return MMU_ERR_NULL;
  if ((unsigned)acc->op >= MMU_OP_COUNT) return MMU_ERR_ARG;
  if (acc->asid > MMU_MAX_ASID || !mmu->space[acc->asid]) return MMU_ERR_ASID;
  return MMU_OK;
}

/* Everything but the common case below and L1 misses: argument errors, faults, D-bit assists.
 * Not inlined, so that the fast path of mmu_translate makes no call (only tail calls). */
static __attribute__((noinline)) mmu_status_t translate_slow(mmu_t *mmu, const mmu_access_t *acc,
                                                             mmu_result_t *out) {
  mmu_status_t s = check_access(mmu, acc, out);
  if (s) return s;
  mmu_core_translate(mmu, acc, out, true);
  return MMU_OK;
}

/* The common case, an L1 TLB hit the cached rights allow and that needs no D update, is decided
 * before any state changes; an L1 miss goes on from the L2 TLB; anything else starts over in
 * translate_slow, which probes the same L1 TLB again and so behaves exactly as if this path did
 * not exist. */
/* Whether acc (non-NULL) is a valid access; then its L1 TLB and the entry it hits there, without
 * side effects (NULL on a miss). */
static inline bool l1_peek(const mmu_t *mmu, const mmu_access_t *acc, mmu_tlb_t **l1,
                           const mmu_tlb_entry_t **e) {
  if ((unsigned)acc->op >= MMU_OP_COUNT || acc->asid > MMU_MAX_ASID || !mmu->space[acc->asid])
    return false;
  *l1 = acc->op == MMU_OP_EXEC ? mmu->itlb : mmu->dtlb;
  *e = mmu_tlb_peek(*l1, acc->va, acc->asid);
  return true;
}

/* The rest of mmu_translate's L1 hit: statistics, replacement state (but the PLRU tree) and the
 * result. The latency is the L1 TLB's own copy of its configured latency (mmu_tlb_create), so
 * that no branch on the op picks it. size is e's, a constant where the caller knows the array. */
static inline void translate_hit(mmu_t *mmu, const mmu_access_t *acc, mmu_result_t *out,
                                 mmu_tlb_t *l1, const mmu_tlb_entry_t *e, mmu_page_size_t size) {
  uint64_t lat = l1->latency;
  mmu->st.translations++;
  mmu->st.cycles.tlb += lat;
  mmu_tlb_hit_stamp_size(l1, e, size);
  mmu_result_hit_size(out, e, size, acc, MMU_HIT_L1, lat);
}

/* translate_hit for a PLRU L1 TLB; out of line (a tail call), so that the tree walk's registers
 * are not saved on the LRU hit path. */
static __attribute__((noinline)) mmu_status_t translate_hit_plru(mmu_t *mmu,
                                                                 const mmu_access_t *acc,
                                                                 mmu_result_t *out, mmu_tlb_t *l1,
                                                                 const mmu_tlb_entry_t *e) {
  mmu_tlb_hit_plru(l1, e);
  translate_hit(mmu, acc, out, l1, e, (mmu_page_size_t)e->size);
  return MMU_OK;
}

/* mmu_translate once the L1 TLB of a valid acc has been probed (e: the entry, NULL on a miss). */
static inline mmu_status_t translate_peeked(mmu_t *mmu, const mmu_access_t *acc, mmu_result_t *out,
                                            mmu_tlb_t *l1, const mmu_tlb_entry_t *e) {
  if (!e) return mmu_core_translate_l1_missed(mmu, acc, out);
  if (!mmu_hit_allowed(mmu, e, acc)) return translate_slow(mmu, acc, out);
  if (l1->repl == MMU_REPL_PLRU) return translate_hit_plru(mmu, acc, out, l1, e);
  translate_hit(mmu, acc, out, l1, e, (mmu_page_size_t)e->size);
  return MMU_OK;
}

/* mmu_translate of a valid acc from the L1 TLB's array `first` on: everything but a hit in a
 * power-of-two 4 KiB array. Out of line (a tail call with the original arguments), so that the
 * 4 KiB probe in mmu_translate keeps few values live. */
static __attribute__((noinline)) mmu_status_t translate_from(mmu_t *mmu, const mmu_access_t *acc,
                                                             mmu_result_t *out, int first) {
  mmu_tlb_t *l1 = acc->op == MMU_OP_EXEC ? mmu->itlb : mmu->dtlb;
  return translate_peeked(mmu, acc, out, l1, mmu_tlb_peek_from(l1, first, acc->va, acc->asid));
}

mmu_status_t mmu_translate(mmu_t *mmu, const mmu_access_t *acc, mmu_result_t *out) {
  /* No canonical check here: a TLB entry's vpn holds every upper bit of the canonical address
   * it was filled for, so a non-canonical address never hits (it faults in translate_slow). */
  if (!mmu) return translate_slow(mmu, acc, out);
  if (!acc) return translate_slow(mmu, acc, out);
  if (!out) return translate_slow(mmu, acc, out);
  if ((unsigned)acc->op >= MMU_OP_COUNT || acc->asid > MMU_MAX_ASID || !mmu->space[acc->asid])
    return translate_slow(mmu, acc, out);
  mmu_tlb_t *l1 = acc->op == MMU_OP_EXEC ? mmu->itlb : mmu->dtlb;
  /* The 4 KiB array, probed here first as mmu_tlb_peek does, with its shift a constant and no
   * test on the hit path: an empty array holds MMU_TLB_NO_VPN in every way (no va >> 12 matches
   * it), and a non-power-of-two one has mask 0, so that set 0 is probed, which holds vpn only
   * when vpn % sets is 0, i.e. when it is vpn's set. Its misses are told apart below. */
  const mmu_tlb_array_t *a = &l1->a[MMU_PAGE_4K];
  uint64_t vpn = acc->va >> 12;
  /* In integers: e is NULL when there is no 4 KiB array (and set_bytes 0). */
  uintptr_t set = (uintptr_t)a->e + (uintptr_t)(vpn & a->mask) * a->set_bytes;
  const mmu_tlb_entry_t *e = (const mmu_tlb_entry_t *)set,
                        *end = (const mmu_tlb_entry_t *)(set + a->set_bytes);
  if (e != end) /* no ways: no array */
    do
      if (mmu_tlb_match(e, vpn, acc->asid)) goto hit;
    while (++e != end);
  if (__builtin_expect(a->mod != 0, 0)) return translate_from(mmu, acc, out, MMU_PAGE_4K);
  /* Missed in the 4 KiB array: no large pages held, the L1 TLB has missed. */
  if (!(l1->a[MMU_PAGE_2M].nvalid | l1->a[MMU_PAGE_1G].nvalid))
    return mmu_core_translate_l1_missed(mmu, acc, out);
  return translate_from(mmu, acc, out, MMU_PAGE_4K + 1);
hit:
  /* From here acc's fields are read again, not kept in registers across the probe: that would
   * need a callee-saved register (a push and a pop) on the hit path. */
  __asm__("" : "+r"(acc));
  if (!mmu_hit_allowed(mmu, e, acc)) return translate_slow(mmu, acc, out);
  if (l1->repl == MMU_REPL_PLRU) return translate_hit_plru(mmu, acc, out, l1, e);
  translate_hit(mmu, acc, out, l1, e, MMU_PAGE_4K);
  return MMU_OK;
}

static inline void brief_of(mmu_brief_t *b, const mmu_result_t *r) {
  b->pa = r->pa;
  /* The configuration's ranges bound an access below 2^32 cycles (5 levels of DRAM loads and
   * A/D updates at their maxima are a few million); saturate anyway. */
  b->cycles = r->cycles.total > UINT32_MAX ? UINT32_MAX : (uint32_t)r->cycles.total;
  b->where = (uint8_t)r->where;
  b->fault = (uint8_t)r->fault.kind;
  b->size = (uint8_t)r->size;
  b->walk_reads = r->walk_reads > UINT8_MAX ? UINT8_MAX : (uint8_t)r->walk_reads;
}

/* A batch's access that its loop does not answer: through mmu_translate, briefed, or, when the
 * loop's probe found a valid access that missed the whole L1 TLB (l1_missed), from the L2 TLB
 * on, as mmu_translate would go after its own probe. Not inlined, so that the loop's values stay
 * in registers across it. *faulted is set when it faulted. */
static __attribute__((noinline)) mmu_status_t batch_slow(mmu_t *mmu, const mmu_access_t *a,
                                                         mmu_brief_t *b, mmu_result_t *fault,
                                                         bool *faulted, bool l1_missed) {
  mmu_result_t r;
  mmu_status_t s = l1_missed ? mmu_core_translate_l1_missed(mmu, a, &r) : mmu_translate(mmu, a, &r);
  if (s) return s;
  brief_of(b, &r);
  *faulted = r.fault.kind != MMU_FAULT_NONE;
  if (*faulted && fault) *fault = r;
  return MMU_OK;
}

/* The loop of mmu_translate's fast path without a call per access: an L1 hit the decision table
 * allows is answered here, everything else goes through mmu_translate itself, so the batch
 * behaves exactly like the calls it replaces. The hit path's two MMU statistics are counted in
 * registers (hits per L1 TLB) and added once: the sums are what n calls leave behind. */
mmu_status_t mmu_translate_batch(mmu_t *mmu, const mmu_access_t *acc, size_t n, mmu_brief_t *out,
                                 size_t *done, mmu_result_t *fault) {
  if (done) *done = 0;
  if (!mmu || ((!acc || !out) && n)) return MMU_ERR_NULL;
  uint64_t dhits = 0, ihits = 0;
  mmu_status_t s = MMU_OK;
  const mmu_access_t *a = acc, *end = acc + n;
  for (; a != end; a++, out++) {
    mmu_tlb_t *l1;
    const mmu_tlb_entry_t *e;
    bool valid = l1_peek(mmu, a, &l1, &e);
    if (valid && e && mmu_hit_allowed(mmu, e, a)) {
      bool ex = a->op == MMU_OP_EXEC;
      if (ex)
        ihits++;
      else
        dhits++;
      mmu_tlb_hit(l1, e);
      uint32_t lat = ex ? mmu->cfg.itlb.latency : mmu->cfg.dtlb.latency;
      *out = (mmu_brief_t){mmu_entry_pa(e, a->va), lat, MMU_HIT_L1, MMU_FAULT_NONE, e->size, 0};
      continue;
    }
    bool faulted = false;
    if ((s = batch_slow(mmu, a, out, fault, &faulted, valid && !e))) break;
    if (faulted) {
      a++;
      break;
    }
  }
  mmu->st.translations += dhits + ihits;
  mmu->st.cycles.tlb += dhits * mmu->cfg.dtlb.latency + ihits * mmu->cfg.itlb.latency;
  if (done) *done = (size_t)(a - acc);
  return s;
}

mmu_status_t mmu_probe(mmu_t *mmu, const mmu_access_t *acc, mmu_result_t *out) {
  mmu_status_t s = check_access(mmu, acc, out);
  if (s) return s;
  mmu_core_translate(mmu, acc, out, false);
  return MMU_OK;
}

mmu_status_t mmu_translate_range(mmu_t *mmu, const mmu_access_t *acc, uint32_t size,
                                 mmu_result_t *out, uint32_t *pages_out) {
  mmu_status_t s = check_access(mmu, acc, out);
  if (s) return s;
  if (size == 0) return MMU_ERR_ARG;
  uint64_t first = acc->va >> 12, last = (acc->va + size - 1) >> 12;
  mmu_result_t r;
  mmu_cycles_t sum = {0};
  uint32_t pages = 0;
  for (uint64_t p = first;; p++) {
    mmu_access_t a = *acc;
    if (p != first) a.va = p << 12;
    mmu_core_translate(mmu, &a, &r, true);
    pages++;
    sum.tlb += r.cycles.tlb, sum.pwc += r.cycles.pwc, sum.walk += r.cycles.walk;
    sum.ad += r.cycles.ad, sum.total += r.cycles.total;
    if (p == first) *out = r;
    if (r.fault.kind != MMU_FAULT_NONE) {
      if (p != first) out->fault = r.fault;
      break;
    }
    if (p == last) break;
  }
  out->cycles = sum;
  if (pages_out) *pages_out = pages;
  return MMU_OK;
}

mmu_status_t mmu_invalidate(mmu_t *mmu, mmu_inval_t kind, uint16_t asid, uint64_t va) {
  if (!mmu) return MMU_ERR_NULL;
  if ((unsigned)kind > MMU_INVAL_ALL) return MMU_ERR_ARG;
  if (asid > MMU_MAX_ASID) return MMU_ERR_ASID;
  mmu_core_invalidate(mmu, kind, asid, va);
  return MMU_OK;
}

/* ---- statistics ---- */
mmu_status_t mmu_stats_get(const mmu_t *mmu, mmu_stats_t *out) {
  if (!mmu || !out) return MMU_ERR_NULL;
  *out = mmu->st;
  /* The hot paths keep the parts; the total is their sum. */
  out->cycles.total = out->cycles.tlb + out->cycles.pwc + out->cycles.walk + out->cycles.ad;
  mmu_tlb_stats(mmu->itlb, &out->itlb);
  mmu_tlb_stats(mmu->dtlb, &out->dtlb);
  mmu_tlb_stats(mmu->stlb, &out->stlb);
  return MMU_OK;
}

mmu_status_t mmu_stats_reset(mmu_t *mmu) {
  if (!mmu) return MMU_ERR_NULL;
  memset(&mmu->st, 0, sizeof mmu->st);
  mmu_tlb_stats_reset(mmu->itlb);
  mmu_tlb_stats_reset(mmu->dtlb);
  mmu_tlb_stats_reset(mmu->stlb);
  return MMU_OK;
}

/* ---- physical memory ---- */
mmu_status_t mmu_phys_read(const mmu_t *mmu, uint64_t pa, void *buf, size_t len) {
  if (!mmu) return MMU_ERR_NULL;
  return mmu_mem_read(mmu->mem, pa, buf, len);
}

mmu_status_t mmu_phys_write(mmu_t *mmu, uint64_t pa, const void *buf, size_t len) {
  if (!mmu) return MMU_ERR_NULL;
  return mmu_mem_write(mmu->mem, pa, buf, len);
}

mmu_status_t mmu_phys_zero(mmu_t *mmu, uint64_t pa, size_t len) {
  if (!mmu) return MMU_ERR_NULL;
  return mmu_mem_zero(mmu->mem, pa, len);
}

mmu_status_t mmu_frame_alloc(mmu_t *mmu, uint64_t *pa) {
  if (!mmu) return MMU_ERR_NULL;
  return mmu_mem_frame_alloc(mmu->mem, pa);
}

mmu_status_t mmu_frame_free(mmu_t *mmu, uint64_t pa) {
  if (!mmu) return MMU_ERR_NULL;
  if (mmu_mem_is_table(mmu->mem, pa)) return MMU_ERR_STATE; /* owned by a page table */
  return mmu_mem_frame_free(mmu->mem, pa);
}

uint64_t mmu_frames_free(const mmu_t *mmu) {
  return mmu ? mmu_mem_frames_free(mmu->mem) : 0;
}
