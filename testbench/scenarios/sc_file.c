/* Scenario: file-backed mmap. A reader scans a data file through a private mapping (disk reads
 * with read-around, fault-around from the page cache); a writer updates records through a
 * shared mapping and msyncs them to the host file; a private mapping's writes never reach it. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"

#define PAGES 1024u

void sc_file(const sc_env_t *env, sc_result_t *res) {
  char path[4096];
  snprintf(path, sizeof path, "%s/mmusim_demo_data.bin", env->tmpdir);
  int h = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (h < 0) return sc_fail(res, "cannot create %s", path);
  uint8_t page[4096], back[4096];
  for (unsigned i = 0; i < PAGES; i++) {
    sc_fill(page, sizeof page, 30000 + i);
    if (pwrite(h, page, sizeof page, (off_t)i * 4096) != (ssize_t)sizeof page) {
      close(h);
      return sc_fail(res, "cannot write %s", path);
    }
  }
  mmu_t *mmu;
  mmu_kernel_t *k;
  uint32_t pid;
  int fd;
  if (!sc_boot(NULL, &mmu, &k, &pid)) {
    close(h);
    return sc_fail(res, "boot failed");
  }
  if (mmu_kfile_open(k, path, &fd) != MMU_OK) sc_fail(res, "mmu_kfile_open failed");
  uint64_t ro, sh, pv;
  mmu_koutcome_t o;
  /* 1. Sequential scan through a private read-only mapping. */
  mmu_mmap(k, pid, 0, PAGES * 4096ull, MMU_PROT_READ, MMU_MAP_PRIVATE, fd, 0, &ro);
  for (unsigned i = 0; i < PAGES; i++) {
    mmu_kload(k, pid, ro + i * 4096ull, back, sizeof back, &o);
    sc_fill(page, sizeof page, 30000 + i);
    if (memcmp(back, page, sizeof page)) sc_fail(res, "page %u read wrong", i);
  }
  /* 2. Update a record in every 4th page through a shared mapping, then msync. */
  mmu_mmap(k, pid, 0, PAGES * 4096ull, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_SHARED, fd, 0, &sh);
  for (unsigned i = 0; i < PAGES; i += 4) {
    uint64_t rec = 0x5ec0000000ull + i;
    mmu_kstore(k, pid, sh + i * 4096ull + 128, &rec, sizeof rec, &o);
  }
  mmu_msync(k, pid, sh, PAGES * 4096ull);
  /* 3. Scribble over a private writable mapping of the same file: copies only. */
  mmu_mmap(k, pid, 0, 64 * 4096ull, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_PRIVATE, fd, 0, &pv);
  for (unsigned i = 0; i < 64; i++) {
    uint64_t junk = ~0ull;
    mmu_kstore(k, pid, pv + i * 4096ull + 256, &junk, sizeof junk, &o);
  }
  mmu_munmap(k, pid, pv, 64 * 4096ull);
  mmu_munmap(k, pid, sh, PAGES * 4096ull);
  /* The host file: the shared updates are there, the private scribbles are not. */
  for (unsigned i = 0; i < PAGES && res->ok; i++) {
    if (pread(h, back, sizeof back, (off_t)i * 4096) != (ssize_t)sizeof back) {
      sc_fail(res, "cannot read back %s", path);
      break;
    }
    sc_fill(page, sizeof page, 30000 + i);
    if (i % 4 == 0) {
      uint64_t rec = 0x5ec0000000ull + i;
      memcpy(page + 128, &rec, sizeof rec);
    }
    if (memcmp(back, page, sizeof page)) sc_fail(res, "host file page %u wrong", i);
  }
  mmu_kstats_t st;
  mmu_kernel_stats(k, &st);
  if (res->ok)
    snprintf(res->note, sizeof res->note,
             "%llu disk reads, %llu pages by fault-around, %llu pages written back",
             (unsigned long long)st.file_reads, (unsigned long long)st.fault_around_mapped,
             (unsigned long long)st.file_writes);
  sc_finish(mmu, k, res);
  close(h);
  unlink(path);
}
