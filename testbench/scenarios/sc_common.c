/* sc_common.c — helpers shared by the scenarios. */
#include <stdarg.h>
#include <string.h>

#include "scenario.h"

bool sc_boot(const mmu_kernel_config_t *kcfg, mmu_t **mmu, mmu_kernel_t **k, uint32_t *pid) {
  mmu_config_t c;
  mmu_config_default(&c);
  c.phys_bytes = 1ull << 30;
  if (mmu_create(&c, mmu) != MMU_OK) return false;
  if (mmu_kernel_create(*mmu, kcfg, k) != MMU_OK || mmu_proc_create(*k, pid) != MMU_OK) {
    mmu_destroy(*mmu);
    return false;
  }
  return true;
}

void sc_finish(mmu_t *mmu, mmu_kernel_t *k, sc_result_t *res) {
  mmu_kernel_stats(k, &res->st);
  mmu_destroy(mmu);
}

void sc_fail(sc_result_t *res, const char *fmt, ...) {
  if (!res->ok) return; /* keep the first failure */
  res->ok = false;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(res->note, sizeof res->note, fmt, ap);
  va_end(ap);
}

void sc_fill(uint8_t *buf, size_t n, uint64_t seed) {
  uint64_t x = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    buf[i] = (uint8_t)x;
  }
}
