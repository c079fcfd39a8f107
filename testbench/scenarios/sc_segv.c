/* Scenario: the permission faults that end as SIGSEGV — each delivered to the process as data
 * (si_code and the x86 error code), never a crash of the model. */
#include <string.h>

#include "scenario.h"

#define TOP 0x7ffff0000000ull

typedef struct expect {
  const char *what;
  mmu_op_t op;
  uint64_t va;
  int si_code;
  uint32_t error_code;
} expect_t;

void sc_segv(const sc_env_t *env, sc_result_t *res) {
  (void)env;
  mmu_t *mmu;
  mmu_kernel_t *k;
  uint32_t pid;
  if (!sc_boot(NULL, &mmu, &k, &pid)) return sc_fail(res, "boot failed");
  uint64_t text, ro, heap, stack, gone;
  mmu_mmap(k, pid, 0x400000, 16 * 4096, MMU_PROT_READ | MMU_PROT_EXEC,
           MMU_MAP_PRIVATE | MMU_MAP_ANON | MMU_MAP_FIXED, -1, 0, &text);
  mmu_mmap(k, pid, 0x600000, 4 * 4096, MMU_PROT_READ,
           MMU_MAP_PRIVATE | MMU_MAP_ANON | MMU_MAP_FIXED, -1, 0, &ro);
  mmu_mmap(k, pid, 0x800000, 64 * 4096, MMU_PROT_READ | MMU_PROT_WRITE,
           MMU_MAP_PRIVATE | MMU_MAP_ANON | MMU_MAP_FIXED, -1, 0, &heap);
  mmu_mmap(k, pid, TOP - 8 * 4096, 8 * 4096, MMU_PROT_READ | MMU_PROT_WRITE,
           MMU_MAP_STACK | MMU_MAP_FIXED, -1, 0, &stack);
  mmu_mmap(k, pid, 0xa00000, 4 * 4096, MMU_PROT_READ | MMU_PROT_WRITE,
           MMU_MAP_PRIVATE | MMU_MAP_ANON | MMU_MAP_FIXED, -1, 0, &gone);
  mmu_koutcome_t o;
  uint8_t buf[64];
  memset(buf, 0x90, sizeof buf);
  /* Normal work first: run the text, use the heap and the stack, read the constants. */
  for (int i = 0; i < 16; i++)
    mmu_kfetch(k, pid, text + i * 4096ull, buf, 16, &o);
  for (int i = 0; i < 64; i++)
    mmu_kstore(k, pid, heap + i * 4096ull, buf, sizeof buf, &o);
  for (int i = 0; i < 4; i++)
    mmu_kload(k, pid, ro + i * 4096ull, buf, 16, &o);
  mmu_kstore(k, pid, TOP - 256, buf, sizeof buf, &o); /* "shellcode" lands on the stack */
  mmu_kstore(k, pid, gone, buf, 8, &o);
  mmu_munmap(k, pid, gone, 4 * 4096);
  mmu_kstore(k, pid, heap + 4096, buf, 8, &o);
  mmu_mprotect(k, pid, heap, 4096, MMU_PROT_READ); /* e.g. a guard against stray writes */
  const expect_t cases[] = {
      {"write to read-only data", MMU_OP_WRITE, ro + 16, MMU_SEGV_ACCERR,
       MMU_PFEC_P | MMU_PFEC_W | MMU_PFEC_U},
      {"jump to code on the stack", MMU_OP_EXEC, TOP - 256, MMU_SEGV_ACCERR,
       MMU_PFEC_P | MMU_PFEC_U | MMU_PFEC_I},
      {"read of a kernel page", MMU_OP_READ, MMU_KERNEL_VA, MMU_SEGV_MAPERR,
       MMU_PFEC_P | MMU_PFEC_U},
      {"NULL dereference", MMU_OP_READ, 0x10, MMU_SEGV_MAPERR, MMU_PFEC_U},
      {"use after munmap", MMU_OP_WRITE, gone, MMU_SEGV_MAPERR, MMU_PFEC_W | MMU_PFEC_U},
      {"write after mprotect(PROT_READ)", MMU_OP_WRITE, heap + 8, MMU_SEGV_ACCERR,
       MMU_PFEC_P | MMU_PFEC_W | MMU_PFEC_U},
      {"write to the text segment", MMU_OP_WRITE, text, MMU_SEGV_ACCERR,
       MMU_PFEC_P | MMU_PFEC_W | MMU_PFEC_U},
  };
  unsigned n = sizeof cases / sizeof cases[0];
  for (unsigned i = 0; i < n; i++) {
    const expect_t *e = &cases[i];
    mmu_status_t s = e->op == MMU_OP_WRITE  ? mmu_kstore(k, pid, e->va, buf, 8, &o)
                     : e->op == MMU_OP_EXEC ? mmu_kfetch(k, pid, e->va, buf, 8, &o)
                                            : mmu_kload(k, pid, e->va, buf, 8, &o);
    if (s != MMU_OK || o.sig != MMU_SIG_SEGV || o.si_code != e->si_code ||
        o.last.fault.error_code != e->error_code)
      sc_fail(res, "%s: sig %d si_code %d error code %#x", e->what, (int)o.sig, o.si_code,
              o.last.fault.error_code);
  }
  /* The kernel reads user memory by mistake (no STAC): SMAP stops it, an oops; the same read
   * inside a uaccess window (STAC) goes through. */
  uint64_t word = 0;
  mmu_kuaccess(k, pid, heap + 4096, MMU_OP_READ, &word, NULL, 8, false, &o);
  if (o.sig != MMU_SIG_OOPS || o.last.fault.kind != MMU_FAULT_SMAP ||
      o.last.fault.error_code != MMU_PFEC_P)
    sc_fail(res, "kernel read without STAC: sig %d fault %s error code %#x", (int)o.sig,
            mmu_fault_kind_name(o.last.fault.kind), o.last.fault.error_code);
  uint64_t user_word = 1;
  mmu_kload(k, pid, heap + 4096, &user_word, 8, &o);
  mmu_kuaccess(k, pid, heap + 4096, MMU_OP_READ, &word, NULL, 8, true, &o);
  if (o.sig != MMU_SIG_NONE || word != user_word)
    sc_fail(res, "kernel read with STAC: sig %d word %#llx", (int)o.sig, (unsigned long long)word);
  if (res->ok)
    snprintf(res->note, sizeof res->note,
             "%u kinds of bad user access, each a SIGSEGV with the right error code; a kernel "
             "read of user memory stopped by SMAP",
             n);
  sc_finish(mmu, k, res);
}
