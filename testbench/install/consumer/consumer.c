/* consumer.c — a program outside the project that uses the installed mmusim. */
#include <mmusim.h>
#include <stdio.h>

int main(void) {
  mmu_t *mmu;
  if (mmu_create(NULL, &mmu) != MMU_OK) return 1;
  mmu_space_create(mmu, 1);
  mmu_map(mmu, 1, 0x400000, 0x200000, 0x1000, MMU_PERM_R | MMU_PERM_U, MMU_PAGE_4K);
  mmu_access_t a = {.va = 0x400234, .op = MMU_OP_READ, .user = true, .asid = 1};
  mmu_result_t r;
  mmu_translate(mmu, &a, &r);
  printf("mmusim %s pa=%#llx fault=%s\n", mmu_version(), (unsigned long long)r.pa,
         mmu_fault_kind_name(r.fault.kind));
  mmu_destroy(mmu);
  return 0;
}
