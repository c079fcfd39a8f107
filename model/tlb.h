/* tlb.h — one TLB level: a set-associative array per page size, ASID/global tags, LRU,
 * tree-PLRU or seeded random replacement. */
#ifndef MMU_TLB_H
#define MMU_TLB_H

#include "mmusim.h"

typedef struct mmu_tlb_entry {
  uint64_t vpn;  /* va >> page shift */
  uint64_t base; /* physical frame address of the page */
  uint16_t asid;
  uint8_t size; /* mmu_page_size_t */
  bool valid, global;
  /* Effective rights as the walk combined them, so a hit decides exactly as the walk did. */
  bool r, w, x, u, dirty;
  uint8_t pkey;
  int8_t level; /* leaf level the walk found */
} mmu_tlb_entry_t;

typedef struct mmu_tlb mmu_tlb_t;

mmu_status_t mmu_tlb_create(const mmu_tlb_config_t *cfg, uint64_t seed, mmu_tlb_t **out);
void mmu_tlb_destroy(mmu_tlb_t *tlb);
uint32_t mmu_tlb_latency(const mmu_tlb_t *tlb);
bool mmu_tlb_has_size(const mmu_tlb_t *tlb, mmu_page_size_t size);
/* Probes every page-size array; on a hit copies the entry and updates replacement state. */
bool mmu_tlb_lookup(mmu_tlb_t *tlb, uint64_t va, uint16_t asid, mmu_tlb_entry_t *out);
/* The same lookup, returning the entry in place (NULL on a miss). The pointer is valid until
 * the next fill, drop or invalidation of this TLB. */
const mmu_tlb_entry_t *mmu_tlb_lookup_ref(mmu_tlb_t *tlb, uint64_t va, uint16_t asid);
/* Inserts (replacing a matching entry, else an invalid way, else the policy's victim). */
void mmu_tlb_fill(mmu_tlb_t *tlb, const mmu_tlb_entry_t *e);
/* Drops the entry that translates va for asid (any size), if present. */
void mmu_tlb_drop(mmu_tlb_t *tlb, uint64_t va, uint16_t asid);
void mmu_tlb_invalidate(mmu_tlb_t *tlb, mmu_inval_t kind, uint16_t asid, uint64_t va);
void mmu_tlb_stats(const mmu_tlb_t *tlb, mmu_tlb_stats_t *out);
void mmu_tlb_stats_reset(mmu_tlb_t *tlb);
/* Which way of set `set` in the array of `size` holds a valid entry for vpn, or -1 (tests). */
int mmu_tlb_way_of(const mmu_tlb_t *tlb, mmu_page_size_t size, uint64_t va, uint16_t asid);

static inline int mmu_page_shift(mmu_page_size_t s) {
  return 12 + 9 * (int)s;
}

#endif
