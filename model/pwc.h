/* pwc.h — page-walk caches: one small set-associative cache per upper level, holding the entries
 * that point to the next table, tagged by ASID, so a hit lets the walk skip the levels above. */
#ifndef MMU_PWC_H
#define MMU_PWC_H

#include "mmusim.h"

typedef struct mmu_pwc_entry {
  uint64_t next_table; /* physical address of the table below the cached entry */
  /* x86: the rights combined from the root down to and including the cached entry, as the
   * walker keeps them: the R/W and U/S bits of an entry, and bit 63 (XD) inverted, so set when
   * executable. Unused by RISC-V, where the rights are the leaf's. */
  uint64_t x86_rights;
} mmu_pwc_entry_t;

typedef struct mmu_pwc mmu_pwc_t;

/* levels: the format's walk depth; cfg[i] configures the cache of level i+1 entries. */
mmu_status_t mmu_pwc_create(const mmu_pwc_config_t cfg[MMU_PWC_LEVELS], int levels,
                            mmu_pwc_t **out);
void mmu_pwc_destroy(mmu_pwc_t *pwc);
/* Cycles a lookup costs: all levels are probed in parallel, the slowest decides. */
uint32_t mmu_pwc_latency(const mmu_pwc_t *pwc);
/* Finds the deepest cached entry for va (lowest level >= 1); returns its level or -1. */
int mmu_pwc_lookup(mmu_pwc_t *pwc, uint64_t va, uint16_t asid, mmu_pwc_entry_t *out);
/* Caches the entry of `level` for va (the fields of mmu_pwc_entry_t, passed in registers: an
 * entry the caller had just stored would be read back with a stalling wide load). The last
 * mmu_pwc_lookup was for the same va and asid and missed that level, which nothing filled since
 * (as in a walk), so no line holds the entry yet and the lookup kept its set. */
void mmu_pwc_fill(mmu_pwc_t *pwc, int level, uint64_t va, uint16_t asid, uint64_t next_table,
                  uint64_t x86_rights);
/* PAGE and ASID drop the asid's entries (INVLPG flushes the PCID's paging-structure caches);
 * NONGLOBAL and ALL drop everything (upper-level entries are never global). */
void mmu_pwc_invalidate(mmu_pwc_t *pwc, mmu_inval_t kind, uint16_t asid);

#endif
