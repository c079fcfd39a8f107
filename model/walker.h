/* walker.h — the hardware page walker: one loop over the radix levels for every format, the
 * architectural permission checks, and A/D updates, each memory reference timed. */
#ifndef MMU_WALKER_H
#define MMU_WALKER_H

#include "memory.h"
#include "pte.h"
#include "pwc.h"

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

void mmu_walk(const mmu_walk_env_t *env, uint64_t root, const mmu_access_t *acc, mmu_walk_t *out);

/* The permission decision, shared by the walk and by a TLB hit so both decide alike. */
mmu_fault_kind_t mmu_check_rights(const mmu_fmt_t *fmt, const mmu_ctrl_t *ctrl,
                                  const mmu_rights_t *r, const mmu_access_t *acc);
/* Fills a fault record, with the x86 error code or the RISC-V cause. */
void mmu_fault_make(mmu_fault_t *f, const mmu_fmt_t *fmt, const mmu_ctrl_t *ctrl,
                    mmu_fault_kind_t kind, const mmu_access_t *acc, int level, uint64_t pte,
                    uint64_t pte_addr);
/* x86: whether PKRU disallows this data access to a user-mode address, i.e. the #PF error code's
 * PK flag, which is set whichever violation the fault reports (SDM 4.7). False for RISC-V. */
bool mmu_pk_denies(const mmu_fmt_t *fmt, const mmu_ctrl_t *ctrl, const mmu_rights_t *r,
                   const mmu_access_t *acc);

#endif
