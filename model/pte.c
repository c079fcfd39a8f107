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

uint64_t mmu_pte_table(const mmu_fmt_t *f, uint64_t table_pa) {
  if (f->x86) return table_pa | MMU_X86_P | MMU_X86_RW | MMU_X86_US;
  return ((table_pa >> 12) << 10) | MMU_RV_V;
}

uint64_t mmu_pte_leaf(const mmu_fmt_t *f, uint64_t pa, uint32_t perm, int level, bool a, bool d) {
  if (f->x86) {
    uint64_t p = pa | MMU_X86_P;
    if (perm & MMU_PERM_W) p |= MMU_X86_RW;
    if (perm & MMU_PERM_U) p |= MMU_X86_US;
    if (perm & MMU_PERM_G) p |= MMU_X86_G;
    if (!(perm & MMU_PERM_X)) p |= MMU_X86_NX;
    if (level > 0) p |= MMU_X86_PS;
    if (a) p |= MMU_X86_A;
    if (d) p |= MMU_X86_D;
    p |= (uint64_t)MMU_PERM_PKEY_OF(perm) << 59;
    return p;
  }
  uint64_t p = ((pa >> 12) << 10) | MMU_RV_V;
  if (perm & MMU_PERM_R) p |= MMU_RV_R;
  if (perm & MMU_PERM_W) p |= MMU_RV_W;
  if (perm & MMU_PERM_X) p |= MMU_RV_X;
  if (perm & MMU_PERM_U) p |= MMU_RV_U;
  if (perm & MMU_PERM_G) p |= MMU_RV_G;
  if (a) p |= MMU_RV_A;
  if (d) p |= MMU_RV_D;
  return p;
}
