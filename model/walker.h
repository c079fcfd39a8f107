/* walker.h — the hardware page walker: one loop over the radix levels for every format, the
 * architectural permission checks, and A/D updates, each memory reference timed. */
#ifndef MMU_WALKER_H
#define MMU_WALKER_H

#include "memory.h"
#include "pte.h"
#include "pwc.h"

#include <stddef.h>

/* Effective rights of a translation (x86: combined over the levels; RISC-V: the leaf's). */
typedef struct mmu_rights {
  bool r, w, x, u;
  uint8_t pkey;
} mmu_rights_t;

typedef struct mmu_walk_env {
  const mmu_fmt_t *fmt;
  mmu_mem_t *mem;
  mmu_pwc_t *pwc; /* NULL: no page-walk cache */
  const mmu_ctrl_t *ctrl;
  uint32_t pa_bits;
  uint32_t ad_update_latency;
  uint32_t walk_start_latency;
  uint32_t pwc_latency; /* mmu_pwc_latency(pwc), read once at create; 0 without a PWC */
  /* x86, from pa_bits: the entries' reserved physical-address bits (pa_bits..51) and the mask of
   * a next table's or page's address (bits 12..pa_bits-1); mmu_walk_env_pa_masks sets them. */
  uint64_t x86_rsvd_pa, x86_addr;
  bool timed; /* false: functional walk, no cache/PWC state touched, no A/D writes */
} mmu_walk_env_t;

typedef struct mmu_walk {
  mmu_fault_t fault; /* kind NONE on success */
  uint64_t pa;
  int leaf_level;
  mmu_rights_t rights;
  bool global, dirty;
  int pwc_level; /* level of the page-walk-cache entry that was used, -1 none */
  uint32_t reads, writes;
  uint32_t reads_by_level[MMU_MAX_LEVELS];
  int cache_level_hits[MMU_CACHE_LEVELS + 1]; /* PTE loads by where they hit; last = DRAM */
  uint64_t cyc_pwc, cyc_walk, cyc_ad;
} mmu_walk_t;

/* Sets env's x86_rsvd_pa and x86_addr from its pa_bits (<= 52). */
static inline void mmu_walk_env_pa_masks(mmu_walk_env_t *env) {
  uint64_t pa_mask = (1ull << env->pa_bits) - 1;
  env->x86_rsvd_pa = ((1ull << 52) - 1) & ~pa_mask;
  env->x86_addr = pa_mask & ~0xfffull;
}

void mmu_walk(const mmu_walk_env_t *env, uint64_t root, const mmu_access_t *acc, mmu_walk_t *out);

/* The permission decision, shared by the walk and by a TLB hit so both decide alike. */
mmu_fault_kind_t mmu_check_rights(const mmu_fmt_t *fmt, const mmu_ctrl_t *ctrl,
                                  const mmu_rights_t *r, const mmu_access_t *acc);

/* PKRU access-disable / write-disable bits of the page's protection key. */
static inline bool mmu_pkru_ad(const mmu_ctrl_t *c, const mmu_rights_t *r) {
  return (c->pkru >> (2 * r->pkey)) & 1u;
}
static inline bool mmu_pkru_wd(const mmu_ctrl_t *c, const mmu_rights_t *r) {
  return (c->pkru >> (2 * r->pkey + 1)) & 1u;
}

/* The same decision, inlined into the hot paths (mmu_check_rights is this function). */
static inline mmu_fault_kind_t mmu_check_rights_inline(const mmu_fmt_t *fmt, const mmu_ctrl_t *c,
                                                       const mmu_rights_t *r,
                                                       const mmu_access_t *acc) {
  bool wr = acc->op == MMU_OP_WRITE, ex = acc->op == MMU_OP_EXEC;
  if (!fmt->x86) { /* RISC-V privileged spec, 4.3.2 steps 5-6 */
    if (acc->user && !r->u) return MMU_FAULT_USER;
    if (!acc->user && r->u) {
      if (ex) return MMU_FAULT_SMEP; /* S-mode never executes U pages */
      if (!c->sum) return MMU_FAULT_SMAP;
    }
    if (acc->op == MMU_OP_READ && !(r->r || (c->mxr && r->x))) return MMU_FAULT_READ;
    if (wr && !r->w) return MMU_FAULT_WRITE;
    if (ex && !r->x) return MMU_FAULT_NX;
    return MMU_FAULT_NONE;
  }
  /* Intel SDM vol. 3, 4.6 (access rights) and 4.6.2 (protection keys). The PKRU bits are only
   * read when CR4.PKE is set (the `c->pke &&` before each use). */
  if (acc->user) {
    if (!r->u) return MMU_FAULT_USER;
    if (wr && !r->w) return MMU_FAULT_WRITE;
    if (ex && !r->x) return MMU_FAULT_NX;
    if (c->pke && !ex && mmu_pkru_ad(c, r)) return MMU_FAULT_PKEY;
    if (c->pke && wr && mmu_pkru_wd(c, r)) return MMU_FAULT_PKEY;
    return MMU_FAULT_NONE;
  }
  if (r->u && ex && c->smep) return MMU_FAULT_SMEP;
  if (r->u && !ex && c->smap && (acc->implicit || !c->ac)) return MMU_FAULT_SMAP;
  if (wr && !r->w && c->wp) return MMU_FAULT_WRITE;
  if (ex && !r->x) return MMU_FAULT_NX;
  if (c->pke && r->u && !ex && mmu_pkru_ad(c, r)) return MMU_FAULT_PKEY;
  if (c->pke && r->u && wr && mmu_pkru_wd(c, r) && c->wp) return MMU_FAULT_PKEY;
  return MMU_FAULT_NONE;
}

/* mmu_fault_make(f, ..., MMU_FAULT_NONE, acc, level, pte, pte_addr), inlined. pte and pte_addr
 * are one 16-byte store, as mmu.c's fault_copy loads them (a load of two narrower stores waits
 * until they are in the cache). */
#ifndef __cplusplus /* C++ (the co-simulation) includes this header too */
_Static_assert(offsetof(mmu_fault_t, pte_addr) == offsetof(mmu_fault_t, pte) + 8, "mmu_fault_none");
#endif
static inline void mmu_fault_none(mmu_fault_t *f, const mmu_access_t *acc, int level, uint64_t pte,
                                  uint64_t pte_addr) {
  f->kind = MMU_FAULT_NONE;
  f->va = acc->va;
  f->op = acc->op;
  f->user = acc->user;
  f->asid = acc->asid;
  f->level = level;
  typedef uint64_t v2u64_t __attribute__((vector_size(16)));
  v2u64_t p = {pte, pte_addr};
  memcpy(&f->pte, &p, sizeof p);
  f->error_code = 0;
  f->cause = 0;
}
/* Fills a fault record, with the x86 error code or the RISC-V cause. */
void mmu_fault_make(mmu_fault_t *f, const mmu_fmt_t *fmt, const mmu_ctrl_t *ctrl,
                    mmu_fault_kind_t kind, const mmu_access_t *acc, int level, uint64_t pte,
                    uint64_t pte_addr);
/* x86: whether PKRU disallows this data access to a user-mode address, i.e. the #PF error code's
 * PK flag, which is set whichever violation the fault reports (SDM 4.7). False for RISC-V. */
bool mmu_pk_denies(const mmu_fmt_t *fmt, const mmu_ctrl_t *ctrl, const mmu_rights_t *r,
                   const mmu_access_t *acc);

#endif
