/* mmu.c — the MMU top: TLB hierarchy, then page-walk caches and walker on a miss. */
#include "mmu.h"

#include <stdlib.h>
#include <string.h>

/* The walks' environments (struct mmu's env), made once the blocks exist. */
static mmu_walk_env_t walk_env_make(mmu_t *m, bool timed) {
  mmu_walk_env_t env = {.fmt = m->fmt,
                        .mem = m->mem,
                        .pwc = timed ? m->pwc : NULL,
                        .ctrl = &m->ctrl,
                        .pa_bits = m->cfg.pa_bits,
                        .ad_update_latency = m->cfg.ad_update_latency,
                        .walk_start_latency = m->cfg.walk_start_latency,
                        .pwc_latency = timed && m->pwc ? mmu_pwc_latency(m->pwc) : 0,
                        .timed = timed};
  mmu_walk_env_pa_masks(&env);
  return env;
}

mmu_status_t mmu_core_create(const mmu_config_t *cfg, mmu_t **out) {
  mmu_t *m = calloc(1, sizeof *m);
  if (!m) return MMU_ERR_NOMEM;
  m->cfg = *cfg;
  m->fmt = mmu_fmt_get(cfg->format);
  m->ctrl = (mmu_ctrl_t){.wp = true, .nxe = true, .smep = true, .smap = true, .svadu = true};
  mmu_status_t s = mmu_mem_create(cfg->phys_bytes, cfg->cache, cfg->dram_latency, &m->mem);
  if (!s) s = mmu_tlb_create(&cfg->itlb, cfg->seed, &m->itlb);
  if (!s) s = mmu_tlb_create(&cfg->dtlb, cfg->seed * 3 + 1, &m->dtlb);
  if (!s) s = mmu_tlb_create(&cfg->stlb, cfg->seed * 7 + 2, &m->stlb);
  if (!s) s = mmu_pwc_create(cfg->pwc, m->fmt->levels, &m->pwc);
  if (s) {
    mmu_core_destroy(m);
    return s;
  }
  m->env[0] = walk_env_make(m, false);
  m->env[1] = walk_env_make(m, true);
  *out = m;
  return MMU_OK;
}

void mmu_core_destroy(mmu_t *m) {
  if (!m) return;
  if (m->ext && m->ext_destroy) m->ext_destroy(m->ext);
  if (m->walk_destroy_fn) m->walk_destroy_fn(m->walk_ctx);
  mmu_pwc_destroy(m->pwc);
  mmu_tlb_destroy(m->stlb);
  mmu_tlb_destroy(m->dtlb);
  mmu_tlb_destroy(m->itlb);
  mmu_mem_destroy(m->mem);
  free(m);
}

uint16_t mmu_core_allow_row(mmu_t *m, unsigned rkey) {
  mmu_rights_t r = {rkey & 1, rkey >> 1 & 1, rkey >> 2 & 1, rkey >> 3 & 1, (uint8_t)(rkey >> 5)};
  bool dirty = rkey >> 4 & 1;
  uint16_t row = MMU_ALLOW_DONE;
  for (int op = 0; op < MMU_OP_COUNT; op++)
    for (int bits = 0; bits < 4; bits++) {
      mmu_access_t a = {.op = (mmu_op_t)op, .user = bits >> 1, .implicit = bits & 1};
      if (mmu_check_rights_inline(m->fmt, &m->ctrl, &r, &a) == MMU_FAULT_NONE &&
          (op != MMU_OP_WRITE || dirty))
        row |= (uint16_t)(1u << mmu_allow_bit(&a));
    }
  m->allow[rkey] = row;
  return row;
}

void mmu_core_set_ctrl(mmu_t *m, const mmu_ctrl_t *ctrl) {
  m->ctrl = *ctrl;
  memset(m->allow, 0, sizeof m->allow);
}

static inline const mmu_walk_env_t *walk_env(const mmu_t *m, bool timed) {
  return &m->env[timed];
}

mmu_walk_env_t mmu_core_walk_env(mmu_t *m, bool timed) {
  return *walk_env(m, timed);
}

/* A TLB hit whose cached rights forbid the access faults like the walk would; the TLB entry is
 * dropped, as x86 does on a page fault (SDM 4.10.4.1). The record's PTE is looked up for info. */
static void tlb_fault(mmu_t *m, const mmu_access_t *acc, const mmu_tlb_entry_t *e,
                      mmu_fault_kind_t kind, mmu_result_t *out) {
  mmu_walk_t w;
  mmu_walk(walk_env(m, false), m->root[acc->asid], acc, &w);
  uint64_t pte = w.fault.pte, addr = w.fault.pte_addr;
  mmu_fault_make(&out->fault, m->fmt, &m->ctrl, kind, acc, e->level, pte, addr);
  mmu_rights_t r = {e->r, e->w, e->x, e->u, e->pkey};
  if (mmu_pk_denies(m->fmt, &m->ctrl, &r, acc)) out->fault.error_code |= MMU_PFEC_PK;
  mmu_tlb_drop(m->itlb, acc->va, acc->asid);
  mmu_tlb_drop(m->dtlb, acc->va, acc->asid);
  mmu_tlb_drop(m->stlb, acc->va, acc->asid);
}

/* Field by field: the walk has just written the record with narrow stores, and a wide copy of
 * it would stall on store forwarding. */
static inline void fault_copy(mmu_fault_t *d, const mmu_fault_t *s) {
  d->kind = s->kind;
  d->va = s->va;
  d->op = s->op;
  d->user = s->user;
  d->asid = s->asid;
  d->level = s->level;
  d->pte = s->pte;
  d->pte_addr = s->pte_addr;
  d->error_code = s->error_code;
  d->cause = s->cause;
}

/* The result of an access that no TLB answered without a walk (miss, fault, D update): the
 * "nothing yet" record, field by field rather than memset (a slow-starting `rep stos`). */
static void result_start(mmu_result_t *out, const mmu_access_t *acc, mmu_hit_where_t where,
                         uint64_t tlb_cycles) {
  out->pa = 0;
  out->size = MMU_PAGE_4K;
  out->where = where;
  out->pwc_level = -1;
  out->walk_reads = out->walk_writes = 0;
  out->writable = out->user = out->executable = false;
  out->cycles = (mmu_cycles_t){tlb_cycles, 0, 0, 0, 0};
  mmu_fault_none(&out->fault, acc, -1, 0, 0);
}

/* The statistics and cycle totals of a finished translation (timed). */
static inline void result_count(mmu_t *m, const mmu_result_t *out) {
  m->st.cycles.tlb += out->cycles.tlb;
  m->st.cycles.pwc += out->cycles.pwc;
  m->st.cycles.walk += out->cycles.walk;
  m->st.cycles.ad += out->cycles.ad;
  if (out->fault.kind != MMU_FAULT_NONE) {
    m->st.faults++;
    m->st.faults_by_kind[out->fault.kind]++;
  }
}

/* What a walk caches in a TLB entry beyond vpn and base, read out of the walk record once. */
typedef struct walk_meta {
  uint16_t asid, rkey;
  uint8_t size, pkey;
  bool global, r, w, x, u, dirty;
} walk_meta_t;

/* Writes the entry that a walk built into the TLB way d (which the fill has marked valid):
 * straight from registers, so that no entry is built on the stack and copied. */
static inline void entry_from_walk(mmu_tlb_entry_t *d, uint64_t vpn, uint64_t base, walk_meta_t k) {
  d->vpn = vpn;
  d->base = base;
  d->asid = k.asid;
  d->size = k.size;
  d->global = k.global;
  d->r = k.r, d->w = k.w, d->x = k.x, d->u = k.u;
  d->dirty = k.dirty;
  d->pkey = k.pkey;
  d->level = (int8_t)k.size;
  d->rkey = k.rkey;
}

/* A walk after both TLBs missed (e NULL) or for a D-bit assist (e the hit entry), with its fills
 * and the whole result. Inlined into its two callers, so that the common one (timed, e NULL,
 * from mmu_core_translate_l1_missed) is specialised; forced, because it is near GCC's inlining
 * limit (a few more instructions in the TLB fill it inlines made GCC call it: +50 per walk). */
static inline __attribute__((always_inline)) void
translate_walk(mmu_t *m, const mmu_access_t *acc, mmu_result_t *out, bool timed, mmu_tlb_t *l1,
               const mmu_tlb_entry_t *e, mmu_hit_where_t where, uint64_t tlb_cycles) {
  /* Every field of the result is written once, below (no result_start). */
  const mmu_walk_env_t *env = walk_env(m, timed);
  mmu_walk_t w;
  if (m->walk_fn && timed)
    m->walk_fn(m->walk_ctx, env, m->root[acc->asid], acc, &w);
  else
    mmu_walk(env, m->root[acc->asid], acc, &w);
  fault_copy(&out->fault, &w.fault);
  out->walk_reads = w.reads;
  out->walk_writes = w.writes;
  out->pwc_level = w.pwc_level;
  out->cycles.tlb = tlb_cycles;
  out->cycles.pwc = w.cyc_pwc;
  out->cycles.walk = w.cyc_walk;
  out->cycles.ad = w.cyc_ad;
  out->cycles.total = tlb_cycles + w.cyc_pwc + w.cyc_walk + w.cyc_ad;
  if (timed) {
    m->st.walks += w.fault.kind != MMU_FAULT_NONCANONICAL;
    m->st.walk_reads += w.reads;
    m->st.walk_writes += w.writes;
    for (int l = 0; l < MMU_MAX_LEVELS; l++)
      m->st.walk_reads_by_level[l] += w.reads_by_level[l];
    for (int c = 0; c < MMU_CACHE_LEVELS; c++)
      m->st.cache_hits[c] += w.cache_level_hits[c];
    m->st.dram_reads += w.cache_level_hits[MMU_CACHE_LEVELS];
    if (m->pwc && w.fault.kind != MMU_FAULT_NONCANONICAL) {
      m->st.pwc_lookups++;
      if (w.pwc_level > 0) m->st.pwc_hits_by_level[w.pwc_level]++;
    }
  }
  if (w.fault.kind == MMU_FAULT_NONE) {
    mmu_page_size_t size = (mmu_page_size_t)w.leaf_level;
    int shift = mmu_page_shift(size);
    uint64_t vpn = acc->va >> shift, base = w.pa & ~(mmu_level_bytes(w.leaf_level) - 1);
    out->pa = base | (acc->va & ((1ull << shift) - 1));
    out->size = size;
    out->writable = w.rights.w;
    out->user = w.rights.u;
    out->executable = w.rights.x;
    out->where = MMU_HIT_WALK;
    uint16_t rkey =
        mmu_tlb_rkey(w.rights.r, w.rights.w, w.rights.x, w.rights.u, w.dirty, w.rights.pkey);
    walk_meta_t k = {acc->asid,  rkey,       (uint8_t)size, w.rights.pkey, w.global,
                     w.rights.r, w.rights.w, w.rights.x,    w.rights.u,    w.dirty};
    if (timed && e) { /* D-bit assist: the entries are there, replaced in place */
      mmu_tlb_entry_t ne = {.valid = true};
      entry_from_walk(&ne, vpn, base, k);
      mmu_tlb_fill(m->stlb, &ne);
      mmu_tlb_fill(l1, &ne);
    } else if (timed) { /* both TLBs have just missed: the ways are written in place */
      mmu_tlb_entry_t *d = mmu_tlb_fill_slot(m->stlb, size, vpn);
      if (d) entry_from_walk(d, vpn, base, k);
      if ((d = mmu_tlb_fill_slot(l1, size, vpn))) entry_from_walk(d, vpn, base, k);
    }
  } else {
    out->pa = 0;
    out->size = MMU_PAGE_4K;
    out->where = where;
    out->writable = out->user = out->executable = false;
  }
  if (!timed) {
    out->cycles = (mmu_cycles_t){0, 0, 0, 0, 0};
    return;
  }
  result_count(m, out);
}

void mmu_core_translate_rest(mmu_t *m, const mmu_access_t *acc, mmu_result_t *out, bool timed,
                             mmu_tlb_t *l1, const mmu_tlb_entry_t *e, mmu_fault_kind_t kind,
                             mmu_hit_where_t where, uint64_t tlb_cycles) {
  if (e && kind != MMU_FAULT_NONE) {
    result_start(out, acc, where, tlb_cycles);
    tlb_fault(m, acc, e, kind, out);
    out->cycles.total = out->cycles.tlb + out->cycles.pwc + out->cycles.walk + out->cycles.ad;
    if (!timed) {
      out->cycles = (mmu_cycles_t){0, 0, 0, 0, 0};
      return;
    }
    result_count(m, out);
    return;
  }
  /* A write through an entry with D clear: re-walk to set D (x86 microcode assist). */
  if (e) m->st.dirty_assists++;
  translate_walk(m, acc, out, timed, l1, e, where, tlb_cycles);
}

mmu_status_t mmu_core_translate_l1_missed(mmu_t *m, const mmu_access_t *acc, mmu_result_t *out) {
  /* A non-canonical address never hits (see mmu_translate) and is not looked up at all. */
  if (!mmu_va_canonical(m->fmt, acc->va)) {
    mmu_core_translate(m, acc, out, true);
    return MMU_OK;
  }
  m->st.translations++;
  mmu_tlb_t *l1 = acc->op == MMU_OP_EXEC ? m->itlb : m->dtlb;
  l1->st.misses++;
  mmu_hit_where_t where = MMU_HIT_NONE;
  uint64_t tlb_cycles = acc->op == MMU_OP_EXEC ? m->cfg.itlb.latency : m->cfg.dtlb.latency;
  const mmu_tlb_entry_t *e = mmu_core_l2_lookup(m, l1, acc, &where, &tlb_cycles);
  if (!e) /* both TLBs missed: the walk, specialised (mmu_core_translate_hit would go there) */
    translate_walk(m, acc, out, true, l1, NULL, MMU_HIT_NONE, tlb_cycles);
  else
    mmu_core_translate_hit(m, acc, out, true, l1, e, where, tlb_cycles);
  return MMU_OK;
}

void mmu_core_invalidate(mmu_t *m, mmu_inval_t kind, uint16_t asid, uint64_t va) {
  mmu_tlb_invalidate(m->itlb, kind, asid, va);
  mmu_tlb_invalidate(m->dtlb, kind, asid, va);
  mmu_tlb_invalidate(m->stlb, kind, asid, va);
  mmu_pwc_invalidate(m->pwc, kind, asid);
  if (m->walk_inval_fn) m->walk_inval_fn(m->walk_ctx, kind, asid, va);
}
