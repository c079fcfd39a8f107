/* pte.c — page-table entry formats: x86-64 4/5-level and RISC-V Sv39/Sv48. */
#include "pte.h"

static const mmu_fmt_t k_formats[MMU_FMT_COUNT] = {
    [MMU_FMT_X86_64_4L] = {MMU_FMT_X86_64_4L, "x86-64 4-level", 4, 48, true},
    [MMU_FMT_X86_64_5L] = {MMU_FMT_X86_64_5L, "x86-64 5-level", 5, 57, true},
    [MMU_FMT_SV39] = {MMU_FMT_SV39, "RISC-V Sv39", 3, 39, false},
    [MMU_FMT_SV48] = {MMU_FMT_SV48, "RISC-V Sv48", 4, 48, false},
};

const mmu_fmt_t *mmu_fmt_get(mmu_format_t id) {
  return (unsigned)id < MMU_FMT_COUNT ? &k_formats[id] : NULL;
}

/* x86 bits (Intel SDM vol. 3, tables 4-15..4-20). */
enum {
  X86_P = 1 << 0, X86_RW = 1 << 1, X86_US = 1 << 2, X86_A = 1 << 5, X86_D = 1 << 6,
  X86_PS = 1 << 7, X86_G = 1 << 8
};
#define X86_NX (1ull << 63)
/* RISC-V bits (privileged spec, Sv39 PTE). */
enum {
  RV_V = 1 << 0, RV_R = 1 << 1, RV_W = 1 << 2, RV_X = 1 << 3, RV_U = 1 << 4, RV_G = 1 << 5,
  RV_A = 1 << 6, RV_D = 1 << 7
};

static void decode_x86(uint64_t pte, int level, const mmu_ctrl_t *ctrl, uint32_t pa_bits,
                       mmu_pte_dec_t *o) {
  o->present = pte & X86_P;
  bool ps = pte & X86_PS;
  o->leaf = level == 0 || (ps && level <= 2);
  /* Address bits between MAXPHYADDR and bit 51 are reserved. */
  uint64_t rsvd_hi = (pa_bits < 52) ? (((1ull << 52) - 1) & ~((1ull << pa_bits) - 1)) : 0;
  o->rsvd = (pte & rsvd_hi) || ((pte & X86_NX) && !ctrl->nxe) || (ps && level >= 3);
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
  o->w = pte & X86_RW;
  o->u = pte & X86_US;
  o->x = !((pte & X86_NX) && ctrl->nxe);
  o->g = pte & X86_G;
  o->a = pte & X86_A;
  o->d = pte & X86_D;
  o->pkey = (uint8_t)((pte >> 59) & 15u);
}

static void decode_rv(uint64_t pte, int level, mmu_pte_dec_t *o) {
  o->present = pte & RV_V;
  o->r = pte & RV_R;
  o->w = pte & RV_W;
  o->x = pte & RV_X;
  o->u = pte & RV_U;
  o->g = pte & RV_G;
  o->a = pte & RV_A;
  o->d = pte & RV_D;
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

void mmu_pte_decode_fmt(const mmu_fmt_t *f, uint64_t pte, int level, const mmu_ctrl_t *ctrl,
                        uint32_t pa_bits, mmu_pte_dec_t *out) {
  if (f->x86)
    decode_x86(pte, level, ctrl, pa_bits, out);
  else
    decode_rv(pte, level, out);
}

uint64_t mmu_pte_table(const mmu_fmt_t *f, uint64_t table_pa) {
  if (f->x86) return table_pa | X86_P | X86_RW | X86_US;
  return ((table_pa >> 12) << 10) | RV_V;
}

uint64_t mmu_pte_leaf(const mmu_fmt_t *f, uint64_t pa, uint32_t perm, int level, bool a, bool d) {
  if (f->x86) {
    uint64_t p = pa | X86_P;
    if (perm & MMU_PERM_W) p |= X86_RW;
    if (perm & MMU_PERM_U) p |= X86_US;
    if (perm & MMU_PERM_G) p |= X86_G;
    if (!(perm & MMU_PERM_X)) p |= X86_NX;
    if (level > 0) p |= X86_PS;
    if (a) p |= X86_A;
    if (d) p |= X86_D;
    p |= (uint64_t)MMU_PERM_PKEY_OF(perm) << 59;
    return p;
  }
  uint64_t p = ((pa >> 12) << 10) | RV_V;
  if (perm & MMU_PERM_R) p |= RV_R;
  if (perm & MMU_PERM_W) p |= RV_W;
  if (perm & MMU_PERM_X) p |= RV_X;
  if (perm & MMU_PERM_U) p |= RV_U;
  if (perm & MMU_PERM_G) p |= RV_G;
  if (a) p |= RV_A;
  if (d) p |= RV_D;
  return p;
}

uint64_t mmu_pte_a_bit(const mmu_fmt_t *f) {
  return f->x86 ? X86_A : RV_A;
}
uint64_t mmu_pte_d_bit(const mmu_fmt_t *f) {
  return f->x86 ? X86_D : RV_D;
}
