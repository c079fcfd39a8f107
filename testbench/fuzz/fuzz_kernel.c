/* fuzz_kernel.c — libFuzzer target: random sequences of firmware (kernel) API calls — stores,
 * loads, fork, exit, mprotect, munmap/mmap, msync — on processes that each have a private
 * anonymous region and share a MAP_SHARED file mapping, with so few frames that pages are
 * swapped out and file pages evicted all the time. Invariants, checked on every step against a
 * byte-exact shadow (abort() on a violation):
 *  - every load returns exactly the bytes last stored (so swap-out/swap-in and page-cache
 *    writeback/re-read round-trip bit-exact, and first-touch pages read as zero);
 *  - a child's write never changes its parent's bytes, nor a parent's its child's (COW);
 *  - writes to the shared file mapping are seen by every process, and after msync the host
 *    file holds exactly those bytes;
 *  - accesses to PROT_NONE or unmapped memory raise SIGSEGV and transfer nothing. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "mmusim.h"


#define MAXP 4
#define PRIV_PAGES 24
#define FILE_PAGES 8
#define PRIV_VA 0x10000000ull
#define PAGE 4096u

typedef struct proc {
  bool alive;
  uint32_t pid;
  bool mapped; /* private region mapped */
  uint32_t prot;
  uint8_t mem[PRIV_PAGES * PAGE];
} proc_t;


static proc_t procs[MAXP];
static uint8_t file_shadow[FILE_PAGES * PAGE];
static char g_path[64];

static void fill(uint8_t *buf, size_t len, uint64_t seed) {
  for (size_t i = 0; i < len; i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    buf[i] = (uint8_t)(seed >> 56);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input_t in = {data, size};
  if (!g_path[0]) snprintf(g_path, sizeof g_path, "/tmp/mmusim-fuzz-kernel-%d.bin", (int)getpid());
  memset(file_shadow, 0, sizeof file_shadow);
  int hf = open(g_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  CHECK(hf >= 0);
  CHECK(pwrite(hf, file_shadow, sizeof file_shadow, 0) == (ssize_t)sizeof file_shadow);

  mmu_config_t c;
  mmu_config_default(&c);
  c.phys_bytes = 64u << 20;
  /* Small PTE caches: the default 32 MiB LLC model costs milliseconds per input under ASan. */
  c.cache[1] = (mmu_cache_config_t){64u << 10, 8, 16};
  c.cache[2] = (mmu_cache_config_t){256u << 10, 8, 80};
  mmu_kernel_config_t kc;
  mmu_kernel_config_default(&kc);
  uint64_t hdr = take(&in, 1);
  kc.max_frames = 12 + hdr % 32; /* tight: constant reclaim, swap and writeback */
  kc.swap_slots = 4096;
  kc.fault_around_bytes = (hdr & 0x80) ? 65536 : 4096;
  kc.readaround_pages = 1 + (hdr >> 5) % 3;
  mmu_t *m;
  mmu_kernel_t *k;
  CHECK(mmu_create(&c, &m) == MMU_OK);
  CHECK(mmu_kernel_create(m, &kc, &k) == MMU_OK);
  memset(procs, 0, sizeof procs);
  proc_t *p0 = &procs[0];
  CHECK(mmu_proc_create(k, &p0->pid) == MMU_OK);
  p0->alive = p0->mapped = true;
  p0->prot = MMU_PROT_READ | MMU_PROT_WRITE;
  uint64_t out;
  CHECK(mmu_mmap(k, p0->pid, PRIV_VA, PRIV_PAGES * PAGE, p0->prot,
                 MMU_MAP_PRIVATE | MMU_MAP_ANON | MMU_MAP_FIXED, -1, 0, &out) == MMU_OK);
  int fd;
  CHECK(mmu_kfile_open(k, g_path, &fd) == MMU_OK);
  uint64_t fva;
  CHECK(mmu_mmap(k, p0->pid, 0, FILE_PAGES * PAGE, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_SHARED,
                 fd, 0, &fva) == MMU_OK);

  uint8_t buf[256], got[256];
  int steps = 0;
  while (in.n && steps++ < 300) {
    uint64_t op = take(&in, 1);
    proc_t *p = &procs[(op >> 4) % MAXP];
    if (!p->alive) p = p0;
    mmu_koutcome_t o;
    switch (op % 10) {
    case 0:
    case 1: { /* store into the private region */
      size_t len = 1 + take(&in, 1) % sizeof buf;
      uint64_t off = take(&in, 2) % (PRIV_PAGES * PAGE - len);
      fill(buf, len, take(&in, 2));
      CHECK(mmu_kstore(k, p->pid, PRIV_VA + off, buf, len, &o) == MMU_OK);
      if (p->mapped && (p->prot & MMU_PROT_WRITE)) {
        CHECK(o.sig == MMU_SIG_NONE && o.bytes_done == len);
        memcpy(p->mem + off, buf, len);
      } else {
        CHECK(o.sig == MMU_SIG_SEGV && o.bytes_done == 0);
      }
      break;
    }
    case 2:
    case 3: { /* load from the private region */
      size_t len = 1 + take(&in, 1) % sizeof got;
      uint64_t off = take(&in, 2) % (PRIV_PAGES * PAGE - len);
      CHECK(mmu_kload(k, p->pid, PRIV_VA + off, got, len, &o) == MMU_OK);
      if (p->mapped && (p->prot & MMU_PROT_READ)) {
        CHECK(o.sig == MMU_SIG_NONE && o.bytes_done == len);
        CHECK(memcmp(got, p->mem + off, len) == 0); /* swap and COW round trip */
      } else {
        CHECK(o.sig == MMU_SIG_SEGV && o.bytes_done == 0);
      }
      break;
    }
    case 4: { /* store to / load from the shared file mapping */
      size_t len = 1 + take(&in, 1) % sizeof buf;
      uint64_t off = take(&in, 2) % (FILE_PAGES * PAGE - len);
      if (take(&in, 1) & 1) {
        fill(buf, len, take(&in, 2));
        CHECK(mmu_kstore(k, p->pid, fva + off, buf, len, &o) == MMU_OK);
        CHECK(o.sig == MMU_SIG_NONE && o.bytes_done == len);
        memcpy(file_shadow + off, buf, len);
      } else {
        CHECK(mmu_kload(k, p->pid, fva + off, got, len, &o) == MMU_OK);
        CHECK(o.sig == MMU_SIG_NONE);
        CHECK(memcmp(got, file_shadow + off, len) == 0); /* writeback + re-read round trip */
      }
      break;
    }
    case 5: { /* fork */
      proc_t *ch = NULL;
      for (int i = 0; i < MAXP; i++)
        if (!procs[i].alive) ch = &procs[i];
      if (!ch) break;
      CHECK(mmu_proc_fork(k, p->pid, &ch->pid) == MMU_OK);
      ch->alive = true;
      ch->mapped = p->mapped;
      ch->prot = p->prot;
      memcpy(ch->mem, p->mem, sizeof ch->mem);
      break;
    }
    case 6: { /* exit (never the first process) */
      if (p == p0) break;
      CHECK(mmu_proc_exit(k, p->pid) == MMU_OK);
      p->alive = false;
      break;
    }
    case 7: { /* mprotect the private region */
      static const uint32_t prots[3] = {MMU_PROT_READ | MMU_PROT_WRITE, MMU_PROT_READ,
                                        MMU_PROT_NONE};
      uint32_t prot = prots[take(&in, 1) % 3];
      mmu_status_t s = mmu_mprotect(k, p->pid, PRIV_VA, PRIV_PAGES * PAGE, prot);
      if (p->mapped) {
        CHECK(s == MMU_OK);
        p->prot = prot;
      }
      break;
    }
    case 8: { /* munmap the private region, or map it afresh (zero-filled) */
      if (p->mapped) {
        CHECK(mmu_munmap(k, p->pid, PRIV_VA, PRIV_PAGES * PAGE) == MMU_OK);
        p->mapped = false;
      } else {
        p->prot = MMU_PROT_READ | MMU_PROT_WRITE;
        CHECK(mmu_mmap(k, p->pid, PRIV_VA, PRIV_PAGES * PAGE, p->prot,
                       MMU_MAP_PRIVATE | MMU_MAP_ANON | MMU_MAP_FIXED, -1, 0, &out) == MMU_OK);
        p->mapped = true;
        memset(p->mem, 0, sizeof p->mem);
      }
      break;
    }
    case 9: { /* msync the shared mapping: the host file must hold exactly the shadow */
      CHECK(mmu_msync(k, p->pid, fva, FILE_PAGES * PAGE) == MMU_OK);
      static uint8_t disk[FILE_PAGES * PAGE];
      CHECK(pread(hf, disk, sizeof disk, 0) == (ssize_t)sizeof disk);
      CHECK(memcmp(disk, file_shadow, sizeof disk) == 0);
      break;
    }
    }
  }
  /* Final sweep of every live process. */
  static uint8_t all[PRIV_PAGES * PAGE];
  for (int i = 0; i < MAXP; i++) {
    proc_t *p = &procs[i];
    if (!p->alive || !p->mapped || !(p->prot & MMU_PROT_READ)) continue;
    mmu_koutcome_t o;
    CHECK(mmu_kload(k, p->pid, PRIV_VA, all, sizeof all, &o) == MMU_OK);
    CHECK(o.sig == MMU_SIG_NONE && memcmp(all, p->mem, sizeof all) == 0);
  }
  mmu_kstats_t st;
  CHECK(mmu_kernel_stats(k, &st) == MMU_OK);
  CHECK(st.frames_used <= kc.max_frames);
  mmu_destroy(m);
  close(hf);
  return 0;
}
