/* readme_example.c — the README's C API example, built and run by the test suite. */
#include <mmusim.h>
#include <stdio.h>

int main(void) {
  mmu_config_t cfg;
  mmu_config_default(&cfg); /* x86-64 4-level, Skylake-like TLBs */
  cfg.format = MMU_FMT_X86_64_5L;
  mmu_t *mmu;
  if (mmu_create(&cfg, &mmu) != MMU_OK) return 1;
  mmu_space_create(mmu, 1); /* ASID 1 gets a root table */
  mmu_map(mmu, 1, 0x7f0000000000, 0x200000, 0x200000, MMU_PERM_R | MMU_PERM_W | MMU_PERM_U,
          MMU_PAGE_2M);
  mmu_access_t acc = {.va = 0x7f0000001234, .op = MMU_OP_WRITE, .user = true, .asid = 1};
  mmu_result_t r;
  for (int i = 0; i < 2; i++) { /* a cold walk, then an L1 TLB hit */
    mmu_translate(mmu, &acc, &r);
    printf("pa=%#llx fault=%s reads=%u cycles: tlb=%llu walk=%llu ad=%llu total=%llu\n",
           (unsigned long long)r.pa, mmu_fault_kind_name(r.fault.kind), r.walk_reads,
           (unsigned long long)r.cycles.tlb, (unsigned long long)r.cycles.walk,
           (unsigned long long)r.cycles.ad, (unsigned long long)r.cycles.total);
  }
  mmu_destroy(mmu);
  return 0;
}
