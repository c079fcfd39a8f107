/* ab_replay.c — lackey-trace replay (pages mapped on first touch) as a plain C program on the
 * public API, to compare two builds of the library like ab_stream.c; not built by CMake.
 *   gcc -O2 -Ic_api bench/ab_replay.c OLD/libmmusim.a -ljansson -lm -o rp_old   (same for NEW)
 *   ./rp_old TRACE; ./rp_new TRACE */
#include "mmusim.h"
#include <stdio.h>
#include <time.h>
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
int main(int argc, char **argv) {
  double t0 = now();
  mmu_t *m;
  mmu_create(NULL, &m);
  mmu_space_create(m, 1);
  mmu_trace_t *t;
  if (mmu_trace_open(argv[1], MMU_TRACE_AUTO, &t)) return 1;
  mmu_trace_rec_t r;
  mmu_access_t a = {0, 0, true, false, 1};
  mmu_result_t res;
  unsigned long n = 0, p = 0;
  while (mmu_trace_next(t, &r) == MMU_OK) {
    a.va = r.va;
    a.op = r.op;
    for (;;) {
      mmu_translate_range(m, &a, r.size, &res, NULL);
      if (res.fault.kind != MMU_FAULT_NOT_PRESENT) break;
      uint64_t f;
      mmu_frame_alloc(m, &f);
      mmu_map(m, 1, res.fault.va & ~4095ull, f, 4096, 15, MMU_PAGE_4K);
      p++;
    }
    n++;
  }
  mmu_trace_close(t);
  mmu_destroy(m);
  printf("%lu accesses, %lu pages, %.3f s\n", n, p, now() - t0);
  return 0;
}
