/* ab_stream.c — the TLB-hit, PWC-hit and full-walk streams of bench_mmu.cc as a plain C program
 * using only the public API, so that two builds of the library (e.g. before and after an
 * optimisation) can be compared in one sitting; not built by CMake. Best of 5 runs each.
 *   gcc -O2 -Ic_api bench/ab_stream.c OLD/libmmusim.a -ljansson -lm -o ab_old
 *   gcc -O2 -Ic_api bench/ab_stream.c NEW/libmmusim.a -ljansson -lm -o ab_new
 *   for i in 1 2 3; do ./ab_old; ./ab_new; done */
#include "mmusim.h"
#include <stdio.h>
#include <time.h>
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
static double run(mmu_t *m, const uint64_t *va, size_t n, uint64_t iters) {
  mmu_access_t a = {0, MMU_OP_READ, true, false, 1};
  mmu_result_t r;
  uint64_t s = 0;
  double best = 1e9;
  for (size_t i = 0; i < n; i++) {
    a.va = va[i];
    mmu_translate(m, &a, &r);
  }
  for (int rep = 0; rep < 5; rep++) {
    double t0 = now();
    size_t i = 0;
    for (uint64_t k = 0; k < iters; k++) {
      a.va = va[i];
      if (++i == n) i = 0;
      mmu_translate(m, &a, &r);
      s += r.pa;
    }
    double t = now() - t0;
    if (t < best) best = t;
  }
  return s == 1 ? 0 : iters / best / 1e6;
}
int main(void) {
  static uint64_t v1[4096], v2[8192], v3[4096];
  mmu_t *m1, *m2, *m3;
  mmu_create(NULL, &m1);
  mmu_space_create(m1, 1);
  mmu_create(NULL, &m2);
  mmu_space_create(m2, 1);
  mmu_create(NULL, &m3);
  mmu_space_create(m3, 1);
  uint32_t p = MMU_PERM_R | MMU_PERM_W | MMU_PERM_U;
  mmu_map(m1, 1, 0x10000000, 0x40000000, 32 * 4096, p, MMU_PAGE_4K);
  for (uint64_t i = 0; i < 4096; i++)
    v1[i] = 0x10000000 + (i % 32) * 4096 + (i * 72) % 4096;
  mmu_map(m2, 1, 0x10000000, 0x40000000, 8192 * 4096, p, MMU_PAGE_4K);
  for (uint64_t i = 0; i < 8192; i++)
    v2[i] = 0x10000000 + i * 4096;
  for (uint64_t s = 0; s < 256; s++)
    mmu_map(m3, 1, (s << 39) + 0x200000, 0x40000000 + s * 16 * 4096, 16 * 4096, p, MMU_PAGE_4K);
  for (uint64_t j = 0, k = 0; j < 16; j++)
    for (uint64_t s = 0; s < 256; s++)
      v3[k++] = (s << 39) + 0x200000 + j * 4096;
  printf("tlb-hit %.1f  pwc-hit %.2f  full-walk %.2f  (M translations/s)\n",
         run(m1, v1, 4096, 20000000), run(m2, v2, 8192, 2000000), run(m3, v3, 4096, 1000000));
  return 0;
}
