/* Scenario: a working set four times the frame limit; clock reclaim swaps pages out, and a
 * second pass reads every page back bit-exact through major faults. */
#include <string.h>

#include "scenario.h"

#define FRAMES 512u
#define PAGES (4 * FRAMES)

void sc_swap(const sc_env_t *env, sc_result_t *res) {
  (void)env;
  mmu_kernel_config_t kc;
  mmu_kernel_config_default(&kc);
  kc.max_frames = FRAMES;
  kc.swap_slots = 4 * PAGES;
  mmu_t *mmu;
  mmu_kernel_t *k;
  uint32_t pid;
  if (!sc_boot(&kc, &mmu, &k, &pid)) return sc_fail(res, "boot failed");
  uint64_t base;
  mmu_mmap(k, pid, 0, PAGES * 4096ull, MMU_PROT_READ | MMU_PROT_WRITE,
           MMU_MAP_PRIVATE | MMU_MAP_ANON, -1, 0, &base);
  uint8_t page[4096], back[4096];
  mmu_koutcome_t o;
  for (unsigned i = 0; i < PAGES; i++) {
    sc_fill(page, sizeof page, 7000 + i);
    mmu_kstore(k, pid, base + i * 4096ull, page, sizeof page, &o);
    if (o.sig != MMU_SIG_NONE) sc_fail(res, "store to page %u: signal %d", i, (int)o.sig);
  }
  for (int pass = 0; pass < 2; pass++)
    for (unsigned i = 0; i < PAGES; i++) {
      mmu_kload(k, pid, base + i * 4096ull, back, sizeof back, &o);
      sc_fill(page, sizeof page, 7000 + i);
      if (memcmp(page, back, sizeof page) != 0) sc_fail(res, "page %u differs after swap", i);
    }
  mmu_kstats_t st;
  mmu_kernel_stats(k, &st);
  if (st.frames_peak > FRAMES) sc_fail(res, "%llu frames used", (unsigned long long)st.frames_peak);
  if (res->ok)
    snprintf(res->note, sizeof res->note,
             "%u pages in %u frames: %llu swap-outs, %llu swap-ins, contents bit-exact", PAGES,
             FRAMES, (unsigned long long)st.swap_outs, (unsigned long long)st.swap_ins);
  sc_finish(mmu, k, res);
}
