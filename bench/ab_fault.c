/* ab_fault.c — the copy-on-write and first-touch fault streams of bench_firmware.cc on the public
 * API, with a hash of the kernel statistics and of every outcome (a fifth argument turns the
 * outcome hash on), so that two builds of the library can be compared for speed and behaviour.
 * Rates are per thread CPU time (WC_WALL=1: wall clock). Not built by CMake:
 *   gcc -O2 -Ic_api bench/ab_fault.c LIB/libmmusim.a -ljansson -lm -o ab_fault
 *   ./ab_fault cow|ft [pages] [rounds] [check]      e.g. ./ab_fault cow 8192 3 */
#include "mmusim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
static long minflt(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}
static double now(void) {
  struct timespec t;
  clock_gettime(getenv("WC_WALL") ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}
#define F(x) h = fnv(h, &(x), sizeof(x))
static uint64_t hash_out(uint64_t h, const mmu_koutcome_t *o) {
  F(o->sig);
  F(o->si_code);
  F(o->addr);
  F(o->bytes_done);
  F(o->faults);
  F(o->translations);
  F(o->hw_cycles);
  F(o->kernel_cycles);
  const mmu_kfault_rec_t *r = &o->last;
  F(r->pid);
  F(r->fault.kind);
  F(r->fault.va);
  F(r->fault.op);
  F(r->fault.user);
  F(r->fault.asid);
  F(r->fault.level);
  F(r->fault.pte);
  F(r->fault.pte_addr);
  F(r->fault.error_code);
  F(r->fault.cause);
  F(r->kind);
  F(r->major);
  F(r->sig);
  F(r->si_code);
  F(r->hw);
  F(r->kernel_cycles);
  F(r->items);
  F(r->counts);
  return h;
}
static uint64_t hh;
static int check;
__attribute__((noinline)) static void timed(mmu_kernel_t *k, uint32_t who, uint64_t va,
                                            uint64_t pages) {
  char one = 1;
  mmu_koutcome_t o;
  for (uint64_t i = 0; i < pages; i++) {
    mmu_kstore(k, who, va + i * 4096, &one, 1, &o);
    if (check) hh = hash_out(hh, &o);
  }
}
int main(int argc, char **argv) {
  int cow = argc < 2 || strcmp(argv[1], "ft") != 0;
  uint64_t pages = argc > 2 ? strtoull(argv[2], 0, 0) : 65536;
  int rounds = argc > 3 ? atoi(argv[3]) : 4;
  check = argc > 4;
  mmu_config_t c;
  mmu_config_default(&c);
  c.phys_bytes = 4ull << 30;
  mmu_kernel_config_t kc;
  mmu_kernel_config_default(&kc);
  kc.max_frames = 3 * 65536;
  mmu_t *m;
  mmu_kernel_t *k;
  uint32_t pid;
  if (mmu_create(&c, &m) || mmu_kernel_create(m, &kc, &k) || mmu_proc_create(k, &pid)) abort();
  char one = 1;
  mmu_koutcome_t o;
  mmu_kstats_t ks;
  uint64_t h = 0xcbf29ce484222325ull, wf = 0;
  double warm = 0, cold = 0;
  for (int r = 0; r < rounds; r++) {
    uint64_t va;
    if (mmu_mmap(k, pid, 0, pages * 4096, MMU_PROT_READ | MMU_PROT_WRITE,
                 MMU_MAP_PRIVATE | MMU_MAP_ANON, -1, 0, &va))
      abort();
    uint32_t who = pid, child = 0;
    if (cow) {
      for (uint64_t i = 0; i < pages; i++)
        mmu_kstore(k, pid, va + i * 4096, &one, 1, &o);
      if (mmu_proc_fork(k, pid, &child)) abort();
      who = child;
    }
    mmu_kernel_stats(k, &ks);
    h = fnv(h, &ks, sizeof ks);
    mmu_kernel_stats_reset(k);
    long mf0 = minflt();
    double t0 = now();
    hh = h;
    timed(k, who, va, pages);
    h = hh;
    double t = now() - t0;
    if (getenv("WC_VERBOSE"))
      fprintf(stderr, "round %d: %.3f M/s, host minflt %ld\n", r, pages / t / 1e6, minflt() - mf0);
    mmu_kernel_stats(k, &ks);
    h = fnv(h, &ks, sizeof ks);
    uint64_t n = ks.faults_by_kind[cow ? MMU_KF_COW : MMU_KF_ANON];
    if (n != pages) fprintf(stderr, "unexpected fault count %llu\n", (unsigned long long)n);
    if (r == 0)
      cold = n / t;
    else {
      warm += t;
      wf += n;
    }
    if (r == rounds - 1)
      printf("%s: faults %llu cow %llu anon %llu fault_cycles %llu hw_cycles %llu kernel %llu "
             "tlb_inval %llu\n",
             cow ? "cow" : "ft", (unsigned long long)ks.faults,
             (unsigned long long)ks.faults_by_kind[MMU_KF_COW],
             (unsigned long long)ks.faults_by_kind[MMU_KF_ANON],
             (unsigned long long)ks.fault_cycles, (unsigned long long)ks.hw_cycles,
             (unsigned long long)ks.kernel_cycles,
             (unsigned long long)ks.item_counts[MMU_KC_TLB_INVAL]);
    if (cow) mmu_proc_exit(k, child);
    if (mmu_munmap(k, pid, va, pages * 4096)) abort();
    mmu_kernel_stats(k, &ks);
    h = fnv(h, &ks, sizeof ks);
  }
  printf("%s: cold %.3f M/s warm %.3f M/s  stats-hash %016llx\n", cow ? "cow" : "ft", cold / 1e6,
         wf ? wf / warm / 1e6 : 0, (unsigned long long)h);
  mmu_destroy(m);
  return 0;
}
