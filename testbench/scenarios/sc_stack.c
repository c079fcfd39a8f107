/* Scenario: a deep recursion grows the stack page by page, then overruns RLIMIT_STACK. */
#include <string.h>

#include "scenario.h"

#define STACK_TOP 0x7ffff0000000ull
#define FRAME 512u /* bytes per call frame */

void sc_stack(const sc_env_t *env, sc_result_t *res) {
  (void)env;
  mmu_kernel_config_t kc;
  mmu_kernel_config_default(&kc);
  kc.stack_rlimit = 1ull << 20; /* 1 MiB, to reach the limit quickly */
  mmu_t *mmu;
  mmu_kernel_t *k;
  uint32_t pid;
  if (!sc_boot(&kc, &mmu, &k, &pid)) return sc_fail(res, "boot failed");
  uint64_t sp;
  mmu_mmap(k, pid, STACK_TOP - 4096, 4096, MMU_PROT_READ | MMU_PROT_WRITE,
           MMU_MAP_STACK | MMU_MAP_FIXED, -1, 0, &sp);
  sp = STACK_TOP;
  mmu_koutcome_t o;
  unsigned depth = 0;
  for (;;) { /* each call pushes a frame: return address and locals */
    sp -= FRAME;
    uint8_t frame[FRAME];
    memset(frame, (int)(depth & 0xff), sizeof frame);
    mmu_kstore(k, pid, sp, frame, sizeof frame, &o);
    if (o.sig != MMU_SIG_NONE) break;
    depth++;
  }
  mmu_vma_info_t v;
  mmu_proc_vma(k, pid, STACK_TOP - 8, &v);
  if (o.sig != MMU_SIG_SEGV || o.si_code != MMU_SEGV_MAPERR)
    sc_fail(res, "overrun did not segfault");
  else if (STACK_TOP - v.start != kc.stack_rlimit)
    sc_fail(res, "stack VMA is %llu bytes, limit %llu", (unsigned long long)(STACK_TOP - v.start),
            (unsigned long long)kc.stack_rlimit);
  else
    snprintf(res->note, sizeof res->note, "%u frames, stack grew to the 1 MiB rlimit, then SIGSEGV",
             depth);
  /* Unwind: every frame is still there. */
  for (unsigned d = 0; d < depth && res->ok; d += 97) {
    uint8_t b;
    mmu_kload(k, pid, STACK_TOP - (uint64_t)(d + 1) * FRAME, &b, 1, &o);
    if (b != (uint8_t)d) sc_fail(res, "frame %u corrupted", d);
  }
  sc_finish(mmu, k, res);
}
