/* mmu.h — the MMU top: composes L1 ITLB/DTLB, the unified L2 TLB, the page-walk caches, the walker
 * and physical memory; data flows access -> TLB -> PWC -> walker -> memory -> fault. */
#ifndef MMU_MMU_H
#define MMU_MMU_H

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
  void *ext; /* owned by layers above the model (firmware); freed by them */
  void (*ext_destroy)(void *ext);
};

mmu_status_t mmu_core_create(const mmu_config_t *cfg, mmu_t **out);
void mmu_core_destroy(mmu_t *mmu);
/* timed = false is the zero-time functional translation (mmu_probe). */
void mmu_core_translate(mmu_t *mmu, const mmu_access_t *acc, mmu_result_t *out, bool timed);
void mmu_core_invalidate(mmu_t *mmu, mmu_inval_t kind, uint16_t asid, uint64_t va);
mmu_walk_env_t mmu_core_walk_env(mmu_t *mmu, bool timed);

#endif
