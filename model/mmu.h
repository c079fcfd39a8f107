/* mmu.h — the MMU top: composes L1 ITLB/DTLB, the unified L2 TLB, the page-walk caches, the walker
 * and physical memory; data flows access -> TLB -> PWC -> walker -> memory -> fault. */
#ifndef MMU_MMU_H
#define MMU_MMU_H

#include <stddef.h>
#include <string.h>

#include "memory.h"
#include "pte.h"
#include "pwc.h"
#include "tlb.h"
#include "walker.h"

/* An alternative walker (e.g. the Verilated RTL walker): same inputs, same output record. It
 * must time its own memory references and may use env->mem. */
typedef void (*mmu_walk_fn)(void *ctx, const mmu_walk_env_t *env, uint64_t root,
                            const mmu_access_t *acc, mmu_walk_t *out);

struct mmu {
  mmu_config_t cfg;
  mmu_ctrl_t ctrl;
  const mmu_fmt_t *fmt;
  mmu_mem_t *mem;
  mmu_tlb_t *itlb, *dtlb, *stlb;
  mmu_pwc_t *pwc;
  uint64_t root[MMU_MAX_ASID + 1]; /* root table of each address space */
  bool space[MMU_MAX_ASID + 1];    /* whether the ASID has an address space */
  mmu_walk_fn walk_fn;
  void *walk_ctx;
  /* Hooks of the attached walker (rtl_backend/), either may be NULL: walk_inval_fn runs at the
   * end of mmu_core_invalidate (e.g. to flush the RTL page-walk cache); walk_destroy_fn runs in
   * mmu_core_destroy after the firmware's ext_destroy, before the blocks are freed. */
  void (*walk_inval_fn)(void *ctx, mmu_inval_t kind, uint16_t asid, uint64_t va);
  void (*walk_destroy_fn)(void *ctx);
  mmu_stats_t st;
  /* The walks' environments, functional ([0]) and timed ([1]), built once at create: every field
   * is fixed for the MMU's life (the control state is read through its pointer). */
  mmu_walk_env_t env[2];
  /* Access decisions of TLB hits, by entry rkey: bit mmu_allow_bit(acc) is set when a hit may be
   * used as it is (the rights allow the access and a write finds D set); bit 15 marks a row as
   * computed. Rows are computed on first use and cleared whenever the control state changes. */
  uint16_t allow[MMU_TLB_RKEYS];
  void *ext; /* owned by layers above the model (firmware); freed by them */
  void (*ext_destroy)(void *ext);
};

mmu_status_t mmu_core_create(const mmu_config_t *cfg, mmu_t **out);
void mmu_core_destroy(mmu_t *mmu);
/* The rest of mmu_core_translate after the TLB lookups (e: the hit entry or NULL, kind: the
 * rights check of a hit, where and tlb_cycles so far): a TLB-hit fault, a D-bit assist or a
 * walk. */
void mmu_core_translate_rest(mmu_t *mmu, const mmu_access_t *acc, mmu_result_t *out, bool timed,
                             mmu_tlb_t *l1, const mmu_tlb_entry_t *e, mmu_fault_kind_t kind,
                             mmu_hit_where_t where, uint64_t tlb_cycles);

#define MMU_ALLOW_DONE 0x8000u
static inline unsigned mmu_allow_bit(const mmu_access_t *acc) {
  return (unsigned)acc->op * 4u + (unsigned)acc->user * 2u + (unsigned)acc->implicit;
}
/* Computes row rkey of m->allow with the full rights check (mmu_check_rights_inline). */
uint16_t mmu_core_allow_row(mmu_t *m, unsigned rkey);
/* Sets the control state (clears the decision table). */
void mmu_core_set_ctrl(mmu_t *m, const mmu_ctrl_t *ctrl);

/* Whether a TLB hit on e may be used as it is for acc (its rights allow the access and a write
 * finds D set). A row not computed yet reads 0: the caller's slow path decides, and computes it. */
static inline bool mmu_hit_allowed(const mmu_t *m, const mmu_tlb_entry_t *e,
                                   const mmu_access_t *acc) {
  return m->allow[e->rkey] >> mmu_allow_bit(acc) & 1;
}

/* The physical address of va through entry e. */
static inline uint64_t mmu_entry_pa(const mmu_tlb_entry_t *e, uint64_t va) {
  return e->base | (va & ((1ull << mmu_page_shift((mmu_page_size_t)e->size)) - 1));
}

static inline void mmu_result_from_entry(mmu_result_t *out, const mmu_tlb_entry_t *e, uint64_t va) {
  out->pa = mmu_entry_pa(e, va);
  out->size = (mmu_page_size_t)e->size;
  out->writable = e->w;
  out->user = e->u;
  out->executable = e->x;
}

/* The access record is the fault record's va, op, user, (padding), asid: one 16-byte copy.
 * (Checked where the header is compiled as C; C++ users see the same layout.) */
#ifndef __cplusplus
_Static_assert(
    sizeof(mmu_access_t) == 16 &&
        offsetof(mmu_fault_t, op) - offsetof(mmu_fault_t, va) == offsetof(mmu_access_t, op) &&
        offsetof(mmu_fault_t, user) - offsetof(mmu_fault_t, va) == offsetof(mmu_access_t, user) &&
        offsetof(mmu_fault_t, asid) - offsetof(mmu_fault_t, va) == offsetof(mmu_access_t, asid) &&
        offsetof(mmu_fault_t, level) - offsetof(mmu_fault_t, va) == 16,
    "mmu_result_hit copies the access into the fault record");
#endif

/* The whole result of a TLB hit used as it is (the fault record says "none", as mmu_fault_none
 * writes it). In field order, so that the compiler merges adjacent stores; the fault record's
 * va..asid are copied from acc at once (its padding byte after user gets acc->implicit). */
static inline void mmu_result_hit_size(mmu_result_t *out, const mmu_tlb_entry_t *e,
                                       mmu_page_size_t size, const mmu_access_t *acc,
                                       mmu_hit_where_t where, uint64_t tlb_cycles) {
  out->pa = e->base | (acc->va & ((1ull << mmu_page_shift(size)) - 1)); /* mmu_entry_pa */
  out->size = size;
  out->where = where;
  out->pwc_level = -1;
  out->walk_reads = 0;
  out->walk_writes = 0;
  out->writable = e->w;
  out->user = e->u;
  out->executable = e->x;
  out->cycles = (mmu_cycles_t){tlb_cycles, 0, 0, 0, tlb_cycles};
  out->fault.kind = MMU_FAULT_NONE;
  memcpy(&out->fault.va, acc, sizeof *acc);
  out->fault.level = -1;
  out->fault.pte = 0;
  out->fault.pte_addr = 0;
  out->fault.error_code = 0;
  out->fault.cause = 0;
}

/* mmu_result_hit_size for e's size: the size is a constant where the caller knows the array. */
static inline void mmu_result_hit(mmu_result_t *out, const mmu_tlb_entry_t *e,
                                  const mmu_access_t *acc, mmu_hit_where_t where,
                                  uint64_t tlb_cycles) {
  mmu_result_hit_size(out, e, (mmu_page_size_t)e->size, acc, where, tlb_cycles);
}

/* After the L1 TLB missed: the L2 TLB (an L2 hit fills the L1). Returns the hit entry or NULL
 * and adds the L2 latency to *tlb_cycles. */
static inline const mmu_tlb_entry_t *mmu_core_l2_lookup(mmu_t *m, mmu_tlb_t *l1,
                                                        const mmu_access_t *acc,
                                                        mmu_hit_where_t *where,
                                                        uint64_t *tlb_cycles) {
  *tlb_cycles += m->cfg.stlb.latency;
  /* A miss leaves its set's victim for the walk's fill (see struct mmu_tlb). */
  const mmu_tlb_entry_t *e = mmu_tlb_lookup_ref_hint(m->stlb, acc->va, acc->asid);
  if (e) {
    *where = MMU_HIT_L2;
    mmu_tlb_fill_new(l1, e); /* the L1 has just missed */
  }
  return e;
}

/* The end of a translation once the TLBs have been probed: the common case, a hit that the cached
 * rights allow and that needs no D update, inline (the result is written once, only the
 * statistics that change are updated); everything else is mmu_core_translate_rest. */
static inline void mmu_core_translate_hit(mmu_t *m, const mmu_access_t *acc, mmu_result_t *out,
                                          bool timed, mmu_tlb_t *l1, const mmu_tlb_entry_t *e,
                                          mmu_hit_where_t where, uint64_t tlb_cycles) {
  mmu_fault_kind_t kind = MMU_FAULT_NONE;
  if (e) {
    mmu_rights_t r = {e->r, e->w, e->x, e->u, e->pkey};
    kind = mmu_check_rights_inline(m->fmt, &m->ctrl, &r, acc);
    if (!(m->allow[e->rkey] & MMU_ALLOW_DONE)) mmu_core_allow_row(m, e->rkey);
    if (kind == MMU_FAULT_NONE && (acc->op != MMU_OP_WRITE || e->dirty)) {
      mmu_result_hit(out, e, acc, where, tlb_cycles);
      m->st.cycles.tlb += tlb_cycles; /* cycles.total is summed by mmu_stats_get */
      return;
    }
  }
  mmu_core_translate_rest(m, acc, out, timed, l1, e, kind, where, tlb_cycles);
}

/* timed = false is the zero-time functional translation (mmu_probe): no TLB lookups. */
static inline void mmu_core_translate(mmu_t *m, const mmu_access_t *acc, mmu_result_t *out,
                                      bool timed) {
  if (timed) m->st.translations++;
  mmu_tlb_t *l1 = acc->op == MMU_OP_EXEC ? m->itlb : m->dtlb;
  /* The hit entry is used in place: nothing fills, drops or invalidates a TLB before its last
   * use (mmu_core_translate_rest reads it before dropping it on a fault). */
  const mmu_tlb_entry_t *e = NULL;
  mmu_hit_where_t where = MMU_HIT_NONE;
  uint64_t tlb_cycles = 0;
  if (timed && mmu_va_canonical(m->fmt, acc->va)) {
    /* The TLBs were created with these latencies (mmu_tlb_latency), read here without a call. */
    tlb_cycles = acc->op == MMU_OP_EXEC ? m->cfg.itlb.latency : m->cfg.dtlb.latency;
    if ((e = mmu_tlb_lookup_ref(l1, acc->va, acc->asid)))
      where = MMU_HIT_L1;
    else
      e = mmu_core_l2_lookup(m, l1, acc, &where, &tlb_cycles);
  }
  mmu_core_translate_hit(m, acc, out, timed, l1, e, where, tlb_cycles);
}

/* mmu_core_translate for a timed access whose L1 TLB probe (mmu_tlb_peek) has just missed, so
 * that the probe is not repeated: counts the miss and goes on from the L2 TLB. Returns MMU_OK
 * (so that the caller can tail-call it). */
mmu_status_t mmu_core_translate_l1_missed(mmu_t *m, const mmu_access_t *acc, mmu_result_t *out);

void mmu_core_invalidate(mmu_t *mmu, mmu_inval_t kind, uint16_t asid, uint64_t va);
mmu_walk_env_t mmu_core_walk_env(mmu_t *mmu, bool timed);

#endif
