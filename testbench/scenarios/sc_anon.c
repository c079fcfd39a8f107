/* Scenario: first touch of anonymous memory (malloc'd heap being initialised). */
#include <string.h>

#include "scenario.h"

#define PAGES 4096u

void sc_anon(const sc_env_t *env, sc_result_t *res) {
  (void)env;
  mmu_t *mmu;
  mmu_kernel_t *k;
  uint32_t pid;
  if (!sc_boot(NULL, &mmu, &k, &pid)) return sc_fail(res, "boot failed");
  uint64_t base;
  mmu_mmap(k, pid, 0, PAGES * 4096ull, MMU_PROT_READ | MMU_PROT_WRITE,
           MMU_MAP_PRIVATE | MMU_MAP_ANON, -1, 0, &base);
  mmu_koutcome_t o;
  /* Initialise every page (one fault each), then read everything back (no faults). */
  for (uint64_t i = 0; i < PAGES; i++) {
    uint64_t v = i * 3 + 1;
    mmu_kstore(k, pid, base + i * 4096 + 64, &v, sizeof v, &o);
    if (o.sig != MMU_SIG_NONE || o.faults != 1)
      sc_fail(res, "page %llu: %u faults", (unsigned long long)i, o.faults);
  }
  for (uint64_t i = 0; i < PAGES; i++) {
    uint64_t v = 0, z = 1;
    mmu_kload(k, pid, base + i * 4096 + 64, &v, sizeof v, &o);
    mmu_kload(k, pid, base + i * 4096, &z, sizeof z, &o);
    if (v != i * 3 + 1 || z != 0) sc_fail(res, "page %llu reads back wrong", (unsigned long long)i);
  }
  if (res->ok) snprintf(res->note, sizeof res->note, "%u pages zero-filled on first touch", PAGES);
  sc_finish(mmu, k, res);
}
