/* pte.h — page-table entry formats: x86-64 4/5-level and RISC-V Sv39/Sv48, one descriptor each. */
#ifndef MMU_PTE_H
#define MMU_PTE_H

#include "mmusim.h"

/* What the walker needs to know about a format; one walker serves all of them. */
typedef struct mmu_fmt {
  mmu_format_t id;
  const char *name;
  int levels;  /* radix levels; the root is levels-1 */
  int va_bits; /* implemented VA bits; the rest must be a sign extension */
  bool x86;    /* x86 rights combine down the walk; RISC-V uses the leaf only */
} mmu_fmt_t;

/* Decoded PTE; the walker applies the rules, the decoder only reads bits. */
typedef struct mmu_pte_dec {
  bool present;    /* P / V */
  bool leaf;       /* maps a page at this level */
  bool rsvd;       /* reserved bit or reserved encoding */
  bool misaligned; /* superpage frame not aligned to its size */
  bool r, w, x, u, g, a, d;
  uint8_t pkey;
  uint64_t addr; /* next table, or the page frame (aligned to the page size) */
} mmu_pte_dec_t;

const mmu_fmt_t *mmu_fmt_get(mmu_format_t id);

static inline unsigned mmu_va_index(uint64_t va, int level) {
  return (unsigned)((va >> (12 + 9 * level)) & 511u);
}
static inline uint64_t mmu_level_bytes(int level) {
  return 1ull << (12 + 9 * level);
}
static inline bool mmu_va_canonical(const mmu_fmt_t *f, uint64_t va) {
  int64_t s = (int64_t)(va << (64 - f->va_bits)) >> (64 - f->va_bits);
  return (uint64_t)s == va;
}

void mmu_pte_decode_fmt(const mmu_fmt_t *f, uint64_t pte, int level, const mmu_ctrl_t *ctrl,
                        uint32_t pa_bits, mmu_pte_dec_t *out);
/* A non-leaf entry pointing to the table at table_pa, permissive (rights come from leaves). */
uint64_t mmu_pte_table(const mmu_fmt_t *f, uint64_t table_pa);
/* A present leaf at level with perm (MMU_PERM_*), A and D as given. */
uint64_t mmu_pte_leaf(const mmu_fmt_t *f, uint64_t pa, uint32_t perm, int level, bool a, bool d);
uint64_t mmu_pte_a_bit(const mmu_fmt_t *f);
uint64_t mmu_pte_d_bit(const mmu_fmt_t *f);

#endif
