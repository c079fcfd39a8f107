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

/* A non-leaf entry pointing to the table at table_pa, permissive (rights come from leaves). */
uint64_t mmu_pte_table(const mmu_fmt_t *f, uint64_t table_pa);
/* A present leaf at level with perm (MMU_PERM_*), A and D as given. */
uint64_t mmu_pte_leaf(const mmu_fmt_t *f, uint64_t pa, uint32_t perm, int level, bool a, bool d);

/* x86 bits (Intel SDM vol. 3, tables 4-15..4-20). */
enum {
  MMU_X86_P = 1 << 0,
  MMU_X86_RW = 1 << 1,
  MMU_X86_US = 1 << 2,
  MMU_X86_A = 1 << 5,
  MMU_X86_D = 1 << 6,
  MMU_X86_PS = 1 << 7,
  MMU_X86_G = 1 << 8
};
#define MMU_X86_NX (1ull << 63)
/* RISC-V bits (privileged spec, Sv39 PTE). */
enum {
  MMU_RV_V = 1 << 0,
  MMU_RV_R = 1 << 1,
  MMU_RV_W = 1 << 2,
  MMU_RV_X = 1 << 3,
  MMU_RV_U = 1 << 4,
  MMU_RV_G = 1 << 5,
  MMU_RV_A = 1 << 6,
  MMU_RV_D = 1 << 7
};

/* Inline: the walker tests the leaf's D bit with it. */
static inline uint64_t mmu_pte_a_bit(const mmu_fmt_t *f) {
  return f->x86 ? (uint64_t)MMU_X86_A : (uint64_t)MMU_RV_A;
}
static inline uint64_t mmu_pte_d_bit(const mmu_fmt_t *f) {
  return f->x86 ? (uint64_t)MMU_X86_D : (uint64_t)MMU_RV_D;
}

static inline void mmu_pte_decode_x86(uint64_t pte, int level, const mmu_ctrl_t *ctrl,
                                      uint32_t pa_bits, mmu_pte_dec_t *o) {
  o->present = pte & MMU_X86_P;
  bool ps = pte & MMU_X86_PS;
  o->leaf = level == 0 || (ps && level <= 2);
  /* Address bits between MAXPHYADDR and bit 51 are reserved. */
  uint64_t rsvd_hi = (pa_bits < 52) ? (((1ull << 52) - 1) & ~((1ull << pa_bits) - 1)) : 0;
  o->rsvd = (pte & rsvd_hi) || ((pte & MMU_X86_NX) && !ctrl->nxe) || (ps && level >= 3);
  uint64_t addr = pte & ((1ull << pa_bits) - 1) & ~0xfffull;
  o->misaligned = false;
  if (o->leaf && level > 0) {
    /* Bit 12 is PAT in a large-page entry; bits 13..size-1 must be zero. */
    uint64_t low = (mmu_level_bytes(level) - 1) & ~0x1fffull;
    o->misaligned = (addr & low) != 0;
    addr &= ~(mmu_level_bytes(level) - 1);
  }
  o->addr = addr;
  o->r = true;
  o->w = pte & MMU_X86_RW;
  o->u = pte & MMU_X86_US;
  o->x = !((pte & MMU_X86_NX) && ctrl->nxe);
  o->g = pte & MMU_X86_G;
  o->a = pte & MMU_X86_A;
  o->d = pte & MMU_X86_D;
  o->pkey = (uint8_t)((pte >> 59) & 15u);
}

static inline void mmu_pte_decode_rv(uint64_t pte, int level, mmu_pte_dec_t *o) {
  o->present = pte & MMU_RV_V;
  o->r = pte & MMU_RV_R;
  o->w = pte & MMU_RV_W;
  o->x = pte & MMU_RV_X;
  o->u = pte & MMU_RV_U;
  o->g = pte & MMU_RV_G;
  o->a = pte & MMU_RV_A;
  o->d = pte & MMU_RV_D;
  o->pkey = 0;
  o->leaf = o->r || o->x;
  uint64_t ppn = (pte >> 10) & ((1ull << 44) - 1);
  o->addr = ppn << 12;
  /* Bits 63..54 are reserved without Svpbmt/Svnapot; W without R is reserved; non-leaf A/D/U
   * are reserved; a pointer at level 0 and leaves above 1 GiB are not supported. */
  o->rsvd = (pte >> 54) != 0 || (o->w && !o->r) || (!o->leaf && (o->a || o->d || o->u)) ||
            (!o->leaf && level == 0) || (o->leaf && level > 2);
  o->misaligned = false;
  if (o->leaf && level > 0) {
    o->misaligned = (o->addr & (mmu_level_bytes(level) - 1)) != 0;
    o->addr &= ~(mmu_level_bytes(level) - 1);
  }
}

/* Inline: the walker calls it once per level, and the decoded record then lives in registers. */
static inline void mmu_pte_decode_fmt(const mmu_fmt_t *f, uint64_t pte, int level,
                                      const mmu_ctrl_t *ctrl, uint32_t pa_bits,
                                      mmu_pte_dec_t *out) {
  if (f->x86)
    mmu_pte_decode_x86(pte, level, ctrl, pa_bits, out);
  else
    mmu_pte_decode_rv(pte, level, out);
}

/* The format-independent view of a decoded leaf (the API's mmu_pte_decode, the firmware). */
static inline void mmu_pte_fields_of(const mmu_pte_dec_t *d, mmu_pte_fields_t *f) {
  f->present = d->present;
  f->accessed = d->a;
  f->dirty = d->d;
  f->pa = d->addr;
  f->perm = (d->r ? MMU_PERM_R : 0) | (d->w ? MMU_PERM_W : 0) | (d->x ? MMU_PERM_X : 0) |
            (d->u ? MMU_PERM_U : 0) | (d->g ? MMU_PERM_G : 0) | MMU_PERM_PKEY(d->pkey);
}

#endif
