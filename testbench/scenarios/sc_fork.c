/* Scenario: a Redis-style fork snapshot. The child (BGSAVE) reads every page of the dataset
 * while the parent keeps serving writes to some of them: each first write copies one page. */
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define PAGES 2048u

static void snapshot(sc_result_t *res, unsigned written) {
  mmu_t *mmu;
  mmu_kernel_t *k;
  uint32_t parent, child;
  if (!sc_boot(NULL, &mmu, &k, &parent)) return sc_fail(res, "boot failed");
  uint64_t base;
  mmu_mmap(k, parent, 0, PAGES * 4096ull, MMU_PROT_READ | MMU_PROT_WRITE,
           MMU_MAP_PRIVATE | MMU_MAP_ANON, -1, 0, &base);
  uint8_t page[4096], back[4096];
  mmu_koutcome_t o;
  for (unsigned i = 0; i < PAGES; i++) {
    sc_fill(page, sizeof page, i);
    mmu_kstore(k, parent, base + i * 4096ull, page, sizeof page, &o);
  }
  mmu_kernel_stats_reset(k); /* measure from the fork on */
  mmu_proc_fork(k, parent, &child);
  /* Interleaved: the parent writes page i (if i < written, spread over the dataset), the
   * child serialises page i. */
  unsigned stride = written ? PAGES / written : PAGES + 1, copies_expected = 0;
  for (unsigned i = 0; i < PAGES; i++) {
    if (written && i % stride == 0 && copies_expected < written) {
      uint64_t v = 0xffffffffu - i;
      mmu_kstore(k, parent, base + i * 4096ull + 8, &v, sizeof v, &o);
      copies_expected++;
    }
    mmu_kload(k, child, base + i * 4096ull, back, sizeof back, &o);
    sc_fill(page, sizeof page, i);
    if (memcmp(page, back, sizeof page) != 0)
      sc_fail(res, "child's snapshot of page %u changed", i);
  }
  mmu_kstats_t st;
  mmu_kernel_stats(k, &st);
  /* Every written page was copied exactly once; on the worst case the parent wrote all. */
  if (st.cow_copies + st.cow_reuses != copies_expected)
    sc_fail(res, "%llu copies + %llu reuses for %u written pages",
            (unsigned long long)st.cow_copies, (unsigned long long)st.cow_reuses, copies_expected);
  if (res->ok)
    snprintf(res->note, sizeof res->note,
             "child snapshot of %u pages intact; parent wrote %u -> %llu copies", PAGES,
             copies_expected, (unsigned long long)st.cow_copies);
  mmu_proc_exit(k, child);
  sc_finish(mmu, k, res);
}

void sc_fork_snapshot(const sc_env_t *env, sc_result_t *res) {
  (void)env;
  snapshot(res, PAGES / 16);
}

void sc_fork_worst(const sc_env_t *env, sc_result_t *res) {
  (void)env;
  snapshot(res, PAGES);
}
