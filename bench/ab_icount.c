/* ab_icount.c — the full-walk and TLB-hit streams of bench/ab_stream.c as a fixed number of
 * translations, for instruction counts under callgrind (bench/icount.sh runs it twice and takes
 * the difference, so that set-up cost cancels). Not built by CMake:
 *   gcc -O2 -Ic_api bench/ab_icount.c LIB/libmmusim.a -ljansson -lm -o ab_icount
 *   ./ab_icount walk|hit N
 * For wall time, bench/abtime.sh runs such programs (one per build) round-robin. */
#include "mmusim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  static uint64_t va[4096];
  if (argc != 3 || (strcmp(argv[1], "walk") && strcmp(argv[1], "hit"))) {
    fprintf(stderr, "usage: %s walk|hit N\n", argv[0]);
    return 2;
  }
  bool walk = !strcmp(argv[1], "walk");
  long n = atol(argv[2]);
  mmu_t *m;
  if (mmu_create(NULL, &m) || mmu_space_create(m, 1)) return 1;
  uint32_t p = MMU_PERM_R | MMU_PERM_W | MMU_PERM_U;
  if (walk) { /* 16 pages in each of 256 PML4 slots, slot-interleaved: every TLB and PWC misses */
    for (uint64_t s = 0; s < 256; s++)
      mmu_map(m, 1, (s << 39) + 0x200000, 0x40000000 + s * 16 * 4096, 16 * 4096, p, MMU_PAGE_4K);
    for (uint64_t j = 0, k = 0; j < 16; j++)
      for (uint64_t s = 0; s < 256; s++)
        va[k++] = (s << 39) + 0x200000 + j * 4096;
  } else { /* 32 pages: every access hits the 64-entry L1 DTLB */
    mmu_map(m, 1, 0x10000000, 0x40000000, 32 * 4096, p, MMU_PAGE_4K);
    for (uint64_t i = 0; i < 4096; i++)
      va[i] = 0x10000000 + (i % 32) * 4096 + (i * 72) % 4096;
  }
  mmu_access_t a = {0, MMU_OP_READ, true, false, 1};
  mmu_result_t r;
  uint64_t sum = 0;
  for (long k = 0; k < n; k++) {
    a.va = va[k & 4095];
    mmu_translate(m, &a, &r);
    sum += r.pa;
  }
  printf("%llu\n", (unsigned long long)sum);
  mmu_destroy(m);
  return 0;
}
