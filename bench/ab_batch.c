/* ab_batch.c — the TLB-hit stream of bench_mmu.cc through mmu_translate (a call per access) and
 * through mmu_translate_batch (1024 accesses per call) in one program, best of 5 each, so the two
 * are compared in one sitting; not built by CMake:
 *   gcc -O2 -Ic_api bench/ab_batch.c BUILD/libmmusim.a -ljansson -lm -o ab_batch */
#include "mmusim.h"
#include <stdio.h>
#include <time.h>
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
int main(void) {
  static mmu_access_t acc[4096];
  static mmu_brief_t out[1024];
  mmu_t *m;
  mmu_create(NULL, &m);
  mmu_space_create(m, 1);
  mmu_map(m, 1, 0x10000000, 0x40000000, 32 * 4096, MMU_PERM_R | MMU_PERM_W | MMU_PERM_U,
          MMU_PAGE_4K);
  for (int i = 0; i < 4096; i++)
    acc[i] =
        (mmu_access_t){0x10000000 + (i % 32) * 4096 + (i * 72) % 4096, MMU_OP_READ, true, false, 1};
  mmu_result_t r;
  for (int i = 0; i < 4096; i++)
    mmu_translate(m, &acc[i], &r);
  uint64_t s = 0, iters = 20000000;
  double best1 = 1e9, best2 = 1e9;
  for (int rep = 0; rep < 5; rep++) {
    double t0 = now();
    for (uint64_t k = 0, i = 0; k < iters; k++) {
      mmu_translate(m, &acc[i], &r);
      s += r.pa;
      if (++i == 4096) i = 0;
    }
    double t = now() - t0;
    if (t < best1) best1 = t;
    t0 = now();
    for (uint64_t k = 0, i = 0; k < iters; k += 1024) {
      size_t done;
      mmu_translate_batch(m, &acc[i], 1024, out, &done, NULL);
      s += out[1023].pa;
      i = (i + 1024) & 4095;
    }
    t = now() - t0;
    if (t < best2) best2 = t;
  }
  /* s is printed only if it is 1, so that the sums cannot be optimised away */
  printf("translate %.1f  batch %.1f M/s%s\n", iters / best1 / 1e6, iters / best2 / 1e6,
         s == 1 ? " !" : "");
  return 0;
}
