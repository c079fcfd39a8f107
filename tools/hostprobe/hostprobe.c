/* hostprobe.c — measures, with real system calls on this machine, what mmusim models: the cost
 * of a first-touch anonymous fault, a copy-on-write fault after fork, a file fault served from
 * the page cache, an mprotect + SIGSEGV round trip, and the latency of a dependent pointer chase
 * over working sets from 32 KiB up with 4 KiB pages and with transparent huge pages. Prints each
 * beside what mmusim's default configuration predicts for the same work, with the ratio, and
 * writes a JSON file with the measurements and a kernel cost table calibrated from them.
 *
 *   mmusim_hostprobe [--ghz F] [--max-mib N | --big] [--json PATH] [--kconfig PATH] [--quick]
 *
 * --json (default hostprobe-calibration.json): every measurement, the model's predictions and
 * the calibrated cost table. --kconfig (default hostprobe-kernel.json): the calibrated table
 * alone, as a kernel configuration for `mmusim --kernel-config`.
 *
 * Cycles: the machine may not expose performance counters (no `perf stat -e cycles`), so the
 * clock is measured with a chain of dependent adds (one per cycle on every x86-64 core of the
 * last decade) unless --ghz gives it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmusim.h"

#define PAGE 4096ul

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static long minflt(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- clock ---- */
static double measure_ghz(void) {
#if defined(__x86_64__)
  double best = 0;
  for (int rep = 0; rep < 25; rep++) { /* short windows; the best is the least disturbed */
    uint64_t x = 0, n = 4000000;
    double t0 = now_ns();
    __asm__ volatile("1:\n\t"
                     "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                     "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                     "dec %1\n\tjnz 1b"
                     : "+r"(x), "+r"(n));
    double ghz = 8.0 * 4000000.0 / (now_ns() - t0);
    if (ghz > best) best = ghz;
  }
  return best;
#else
  return 0;
#endif
}

/* ---- faults on the host ---- */
typedef struct host_fault {
  double ns_per_page;     /* wall time per page touched */
  double faults_per_page; /* minor faults the kernel counted per page touched */
} host_fault_t;

static void *map_anon(size_t len, bool huge) {
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  madvise(p, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  return p;
}

/* First touch: a write to each page of a fresh anonymous mapping. */
static host_fault_t host_first_touch(size_t pages, int reps) {
  double ns[16];
  long f = 0;
  for (int r = 0; r < reps; r++) {
    volatile char *p = map_anon(pages * PAGE, false);
    long f0 = minflt();
    double t0 = now_ns();
    for (size_t i = 0; i < pages; i++)
      p[i * PAGE] = 1;
    ns[r] = (now_ns() - t0) / (double)pages;
    f = minflt() - f0;
    munmap((void *)p, pages * PAGE);
  }
  return (host_fault_t){median(ns, reps), (double)f / (double)pages};
}

/* Copy-on-write: the parent populates, forks; the child writes each page once and reports. */
static host_fault_t host_cow(size_t pages, int reps) {
  double ns[16];
  double fpp = 0;
  for (int r = 0; r < reps; r++) {
    volatile char *p = map_anon(pages * PAGE, false);
    for (size_t i = 0; i < pages; i++)
      p[i * PAGE] = 1;
    int fd[2];
    if (pipe(fd)) exit(1);
    pid_t c = fork();
    if (c == 0) {
      long f0 = minflt();
      double t0 = now_ns();
      for (size_t i = 0; i < pages; i++)
        p[i * PAGE] = 2;
      double res[2] = {(now_ns() - t0) / (double)pages, (double)(minflt() - f0) / (double)pages};
      if (write(fd[1], res, sizeof res) != (ssize_t)sizeof res) _exit(1);
      _exit(0);
    }
    double res[2] = {0, 0};
    if (read(fd[0], res, sizeof res) != (ssize_t)sizeof res) exit(1);
    waitpid(c, NULL, 0);
    close(fd[0]);
    close(fd[1]);
    ns[r] = res[0];
    fpp = res[1];
    munmap((void *)p, pages * PAGE);
  }
  return (host_fault_t){median(ns, reps), fpp};
}

/* File fault from the page cache: a file written (so cached), mapped private read-only, one
 * read per page. Linux maps up to fault_around_bytes (64 KiB) of cached pages per fault. */
static host_fault_t host_file(size_t pages, int reps, const char *dir) {
  char path[256];
  snprintf(path, sizeof path, "%s/hostprobe-%d.bin", dir, (int)getpid());
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    perror(path);
    exit(1);
  }
  char *buf = calloc(1, PAGE);
  for (size_t i = 0; i < pages; i++) {
    buf[0] = (char)i;
    if (write(fd, buf, PAGE) != (ssize_t)PAGE) exit(1);
  }
  free(buf);
  fsync(fd);
  double ns[16];
  long f = 0;
  for (int r = 0; r < reps; r++) {
    volatile char *p = mmap(NULL, pages * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    if ((void *)p == MAP_FAILED) exit(1);
    long f0 = minflt();
    double t0 = now_ns();
    unsigned s = 0;
    for (size_t i = 0; i < pages; i++)
      s += (unsigned char)p[i * PAGE];
    ns[r] = (now_ns() - t0) / (double)pages;
    f = minflt() - f0;
    if (s == 12345678) puts("");
    munmap((void *)p, pages * PAGE);
  }
  close(fd);
  unlink(path);
  return (host_fault_t){median(ns, reps), (double)f / (double)pages};
}

/* mprotect(PROT_NONE) + access -> SIGSEGV -> handler mprotect(RW) -> retried access. */
static volatile char *g_segv_page;
static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)sig, (void)si, (void)uc;
  mprotect((void *)g_segv_page, PAGE, PROT_READ | PROT_WRITE);
}

static double host_segv_roundtrip(int iters, double *mprotect_ns) {
  g_segv_page = map_anon(PAGE, false);
  g_segv_page[0] = 1;
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, &old);
  /* mprotect alone (a pair: NONE then RW), for the calibration. */
  double t0 = now_ns();
  for (int i = 0; i < iters; i++) {
    mprotect((void *)g_segv_page, PAGE, PROT_NONE);
    mprotect((void *)g_segv_page, PAGE, PROT_READ | PROT_WRITE);
  }
  *mprotect_ns = (now_ns() - t0) / (2.0 * iters);
  t0 = now_ns();
  for (int i = 0; i < iters; i++) {
    mprotect((void *)g_segv_page, PAGE, PROT_NONE);
    g_segv_page[0]++; /* faults; the handler unprotects; the store is retried */
  }
  double ns = (now_ns() - t0) / iters;
  sigaction(SIGSEGV, &old, NULL);
  munmap((void *)g_segv_page, PAGE);
  return ns;
}

/* ---- pointer chase ---- */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) {
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* A random cyclic order of the buffer's 64-byte lines (Sattolo), as line indices. */
static uint32_t *chase_order(size_t lines) {
  uint32_t *perm = malloc(lines * sizeof *perm);
  if (!perm) exit(1);
  for (size_t i = 0; i < lines; i++)
    perm[i] = (uint32_t)i;
  for (size_t i = lines - 1; i > 0; i--) {
    size_t j = (size_t)(rnd() % i);
    uint32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

/* AnonHugePages of the whole process, in bytes (to check that THP was really used). */
static double anon_huge_bytes(void) {
  FILE *f = fopen("/proc/self/smaps_rollup", "r");
  if (!f) return -1;
  char line[256];
  double kb = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "AnonHugePages: %lf kB", &kb) == 1) break;
  fclose(f);
  return kb * 1024;
}

static double g_thp_fraction; /* of the last huge chase buffer */

static double host_chase(size_t bytes, bool huge, const uint32_t *perm, size_t lines,
                         uint64_t steps) {
  size_t len = bytes < (2ul << 20) ? bytes : bytes;
  /* Over-allocate so the buffer can start on a 2 MiB boundary (THP needs aligned ranges). */
  char *raw = map_anon(len + (2ul << 20), huge);
  char *buf = (char *)(((uintptr_t)raw + (2ul << 20) - 1) & ~((uintptr_t)(2ul << 20) - 1));
  for (size_t i = 0; i < lines; i++)
    *(void **)(buf + (size_t)perm[i] * 64) = buf + (size_t)perm[(i + 1) % lines] * 64;
  if (huge) {
    double h = anon_huge_bytes();
    g_thp_fraction = h < 0 ? -1 : h / (double)bytes;
    if (g_thp_fraction > 1) g_thp_fraction = 1;
  }
  void **p = (void **)(buf + (size_t)perm[0] * 64);
  uint64_t warm = steps < lines ? steps : lines;
  for (uint64_t i = 0; i < warm; i++)
    p = (void **)*p;
  double t0 = now_ns();
  for (uint64_t i = 0; i < steps; i++)
    p = (void **)*p;
  double ns = (now_ns() - t0) / (double)steps;
  if (p == NULL) puts("");
  munmap(raw, len + (2ul << 20));
  return ns;
}

/* The model: the same line order translated with mmu_translate on 4 KiB or 2 MiB pages. */
static double model_chase(size_t bytes, bool huge, const uint32_t *perm, size_t lines,
                          uint64_t steps) {
  mmu_t *m;
  if (mmu_create(NULL, &m) || mmu_space_create(m, 1)) exit(1);
  const uint64_t base = 0x7f0000000000ull;
  uint64_t len = (bytes + (2ul << 20) - 1) & ~((uint64_t)(2ul << 20) - 1);
  if (mmu_map(m, 1, base, 1ull << 32, huge ? len : bytes, MMU_PERM_R | MMU_PERM_W | MMU_PERM_U,
              huge ? MMU_PAGE_2M : MMU_PAGE_4K)) {
    fprintf(stderr, "model map failed\n");
    exit(1);
  }
  mmu_access_t a = {0, MMU_OP_READ, true, false, 1};
  mmu_result_t r;
  uint64_t warm = steps < lines ? steps : lines;
  size_t i = 0;
  for (uint64_t s = 0; s < warm; s++, i = (i + 1) % lines) {
    a.va = base + (uint64_t)perm[i] * 64;
    mmu_translate(m, &a, &r);
  }
  mmu_stats_reset(m);
  for (uint64_t s = 0; s < steps; s++, i = (i + 1) % lines) {
    a.va = base + (uint64_t)perm[i] * 64;
    mmu_translate(m, &a, &r);
  }
  mmu_stats_t st;
  mmu_stats_get(m, &st);
  mmu_destroy(m);
  return (double)st.cycles.total / (double)st.translations;
}

/* ---- the firmware's predictions ---- */
typedef struct model_fault {
  double hw, kernel;          /* cycles per page */
  double items[MMU_KC_COUNT]; /* charged kernel cycles per page, by item */
} model_fault_t;

static void kstats_delta(mmu_kernel_t *k, const mmu_kstats_t *s0, double n, model_fault_t *out) {
  mmu_kstats_t s1;
  mmu_kernel_stats(k, &s1);
  out->hw = (double)(s1.hw_cycles - s0->hw_cycles) / n;
  out->kernel = (double)(s1.fault_cycles - s0->fault_cycles) / n;
  for (int i = 0; i < MMU_KC_COUNT; i++)
    out->items[i] = (double)(s1.item_cycles[i] - s0->item_cycles[i]) / n;
}

static mmu_kernel_t *model_kernel(const mmu_kernel_config_t *kc, mmu_t **mm, uint32_t *pid) {
  mmu_config_t c;
  mmu_config_default(&c);
  c.phys_bytes = 1ull << 30;
  mmu_kernel_t *k;
  if (mmu_create(&c, mm) || mmu_kernel_create(*mm, kc, &k) || mmu_proc_create(k, pid)) {
    fprintf(stderr, "model kernel creation failed\n");
    exit(1);
  }
  return k;
}

typedef struct model_all {
  model_fault_t anon, cow, file, segv;
  double mprotect; /* kernel cycles of one mprotect call */
} model_all_t;

static void model_faults(const mmu_kernel_config_t *kc, size_t pages, const char *dir,
                         model_all_t *o) {
  mmu_t *m;
  uint32_t pid, child;
  mmu_kernel_t *k = model_kernel(kc, &m, &pid);
  uint64_t va;
  mmu_koutcome_t oc;
  mmu_kstats_t s0;
  char one = 1;
  /* first touch */
  mmu_mmap(k, pid, 0, pages * PAGE, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_PRIVATE | MMU_MAP_ANON,
           -1, 0, &va);
  mmu_kernel_stats(k, &s0);
  for (size_t i = 0; i < pages; i++)
    mmu_kstore(k, pid, va + i * PAGE, &one, 1, &oc);
  kstats_delta(k, &s0, (double)pages, &o->anon);
  /* COW: fork, the child writes every page */
  mmu_proc_fork(k, pid, &child);
  mmu_kernel_stats(k, &s0);
  for (size_t i = 0; i < pages; i++)
    mmu_kstore(k, child, va + i * PAGE, &one, 1, &oc);
  kstats_delta(k, &s0, (double)pages, &o->cow);
  mmu_proc_exit(k, child);
  /* file from the page cache: read it once through one mapping, then time a second one */
  char path[256];
  snprintf(path, sizeof path, "%s/hostprobe-model-%d.bin", dir, (int)getpid());
  int hf = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (hf < 0 || ftruncate(hf, (off_t)(pages * PAGE))) exit(1);
  close(hf);
  int fd;
  uint64_t f1, f2;
  char b;
  mmu_kfile_open(k, path, &fd);
  mmu_mmap(k, pid, 0, pages * PAGE, MMU_PROT_READ, MMU_MAP_PRIVATE, fd, 0, &f1);
  for (size_t i = 0; i < pages; i++)
    mmu_kload(k, pid, f1 + i * PAGE, &b, 1, &oc);
  mmu_mmap(k, pid, 0, pages * PAGE, MMU_PROT_READ, MMU_MAP_PRIVATE, fd, 0, &f2);
  mmu_kernel_stats(k, &s0);
  for (size_t i = 0; i < pages; i++)
    mmu_kload(k, pid, f2 + i * PAGE, &b, 1, &oc);
  kstats_delta(k, &s0, (double)pages, &o->file);
  unlink(path);
  /* mprotect + SIGSEGV: the model delivers the signal; the handler's mprotect is a syscall */
  mmu_kernel_stats(k, &s0);
  int n = 1000;
  for (int i = 0; i < n; i++) {
    mmu_mprotect(k, pid, va, PAGE, MMU_PROT_NONE);
    mmu_kstore(k, pid, va, &one, 1, &oc);
    mmu_mprotect(k, pid, va, PAGE, MMU_PROT_READ | MMU_PROT_WRITE);
    mmu_kstore(k, pid, va, &one, 1, &oc);
  }
  mmu_kstats_t s1;
  mmu_kernel_stats(k, &s1);
  o->mprotect = (double)(s1.syscall_cycles - s0.syscall_cycles) / (2.0 * n);
  kstats_delta(k, &s0, (double)n, &o->segv);
  o->segv.kernel += 2 * o->mprotect; /* fault_cycles excludes the syscalls */
  mmu_destroy(m);
}

/* ---- calibration ---- */
/* Scales the model's fault-path items so that each fault kind costs what the host measured:
 * first touch fixes the common path (entry, exit, dispatch, VMA lookup, frame allocation, zero,
 * PTE update), then COW the copy, the file fault the page-cache item, mprotect the syscall item
 * and the SIGSEGV round trip the signal item. */
static void calibrate(mmu_kcost_table_t *t, double ghz, const model_all_t *mo, double h_anon,
                      double h_cow, double h_file, double h_mprot, double h_segv) {
  t->clock_ghz = ghz;
  double k_anon = h_anon - mo->anon.hw;
  double s = mo->anon.kernel > 0 ? k_anon / mo->anon.kernel : 1;
  if (s <= 0) s = 1;
  static const mmu_kcost_item_t common[] = {
      MMU_KC_ENTRY,     MMU_KC_EXIT,       MMU_KC_DISPATCH,   MMU_KC_VMA_LOOKUP, MMU_KC_FRAME_ALLOC,
      MMU_KC_ZERO_PAGE, MMU_KC_PTE_UPDATE, MMU_KC_FRAME_FREE, MMU_KC_TLB_INVAL};
  for (size_t i = 0; i < sizeof common / sizeof *common; i++)
    t->value[common[i]] *= s;
  /* COW: what the scaled common path does not explain goes into the copy. */
  double cow_rest = (h_cow - mo->cow.hw) - (mo->cow.kernel - mo->cow.items[MMU_KC_COPY_PAGE]) * s;
  double copies = mo->cow.items[MMU_KC_COPY_PAGE] /
                  (t->value[MMU_KC_COPY_PAGE] ? t->value[MMU_KC_COPY_PAGE] : 1);
  if (copies > 0 && cow_rest > 0) t->value[MMU_KC_COPY_PAGE] = cow_rest / copies;
  /* File: the page-cache item absorbs the rest. */
  double pc = mo->file.items[MMU_KC_PAGECACHE];
  double pc_n = pc / (t->value[MMU_KC_PAGECACHE] ? t->value[MMU_KC_PAGECACHE] : 1);
  double file_rest = (h_file - mo->file.hw) - (mo->file.kernel - pc) * s;
  if (pc_n > 0 && file_rest > 0) t->value[MMU_KC_PAGECACHE] = file_rest / pc_n;
  t->value[MMU_KC_SYSCALL] = h_mprot > 1 ? h_mprot : t->value[MMU_KC_SYSCALL];
  /* SIGSEGV round trip = 2 mprotect + the fault path + the signal. */
  double sig = mo->segv.items[MMU_KC_SIGNAL];
  double sig_n = sig / (t->value[MMU_KC_SIGNAL] ? t->value[MMU_KC_SIGNAL] : 1);
  double segv_rest =
      h_segv - 2 * h_mprot - mo->segv.hw - (mo->segv.kernel - 2 * mo->mprotect - sig) * s;
  if (sig_n > 0 && segv_rest > 0) t->value[MMU_KC_SIGNAL] = segv_rest / sig_n;
}

static void usage(void) {
  fprintf(stderr, "usage: mmusim_hostprobe [--ghz F] [--max-mib N | --big] [--json PATH] "
                  "[--kconfig PATH] [--quick] [--tmpdir DIR]\n");
  exit(2);
}

int main(int argc, char **argv) {
  double ghz = 0;
  size_t max_mib = 512;
  const char *json = "hostprobe-calibration.json", *kjson = "hostprobe-kernel.json", *dir = "/tmp";
  bool quick = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--ghz") && i + 1 < argc)
      ghz = atof(argv[++i]);
    else if (!strcmp(argv[i], "--max-mib") && i + 1 < argc)
      max_mib = (size_t)atol(argv[++i]);
    else if (!strcmp(argv[i], "--big"))
      max_mib = 2048;
    else if (!strcmp(argv[i], "--json") && i + 1 < argc)
      json = argv[++i];
    else if (!strcmp(argv[i], "--kconfig") && i + 1 < argc)
      kjson = argv[++i];
    else if (!strcmp(argv[i], "--tmpdir") && i + 1 < argc)
      dir = argv[++i];
    else if (!strcmp(argv[i], "--quick"))
      quick = true;
    else
      usage();
  }
  /* Cap the pointer chase by the memory available (it needs the buffer plus its order). */
  long avail_pages = sysconf(_SC_AVPHYS_PAGES);
  size_t avail_mib =
      avail_pages > 0 ? (size_t)avail_pages * (size_t)sysconf(_SC_PAGESIZE) >> 20 : 512;
  if (max_mib > avail_mib / 2) max_mib = avail_mib / 2;

  const char *clock_src = "given (--ghz)";
  if (ghz <= 0) {
    ghz = measure_ghz();
    clock_src = "measured (dependent-add chain)";
    if (ghz <= 0) {
      ghz = 3.0;
      clock_src = "assumed 3.0 (give --ghz)";
    }
  }
  printf("mmusim hostprobe: clock %.3f GHz, %s\n", ghz, clock_src);
  FILE *thp = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  char thp_mode[128] = "unknown";
  if (thp) {
    if (!fgets(thp_mode, sizeof thp_mode, thp)) strcpy(thp_mode, "unknown");
    thp_mode[strcspn(thp_mode, "\n")] = 0;
    fclose(thp);
  }
  printf("transparent hugepages: %s\n\n", thp_mode);

  size_t fpages = quick ? 4096 : 16384; /* 16 or 64 MiB */
  int reps = quick ? 3 : 5;
  host_fault_t ft = host_first_touch(fpages, reps);
  host_fault_t cow = host_cow(fpages, reps);
  host_fault_t file = host_file(fpages, reps, dir);
  double mprot_ns;
  double segv_ns = host_segv_roundtrip(quick ? 20000 : 100000, &mprot_ns);

  mmu_kernel_config_t kc;
  mmu_kernel_config_default(&kc);
  kc.max_frames = 3 * fpages + 1024;
  kc.cost.clock_ghz = ghz; /* so that microsecond items convert at this machine's clock */
  model_all_t mo;
  model_faults(&kc, fpages, dir, &mo);

  double h_ft = ft.ns_per_page * ghz, h_cow = cow.ns_per_page * ghz,
         h_file = file.ns_per_page * ghz, h_segv = segv_ns * ghz, h_mprot = mprot_ns * ghz;
  printf("%-44s %12s %12s %10s %8s\n", "fault (cycles per page touched)", "host", "model",
         "model hw", "host/model");
  struct {
    const char *name;
    double host, fpp;
    const model_fault_t *m;
    double extra;
  } rows[] = {
      {"first-touch anonymous (mmap + write)", h_ft, ft.faults_per_page, &mo.anon, 0},
      {"copy-on-write after fork (write)", h_cow, cow.faults_per_page, &mo.cow, 0},
      {"file, page cache hit (read, fault-around)", h_file, file.faults_per_page, &mo.file, 0},
      {"mprotect + SIGSEGV round trip", h_segv, 1, &mo.segv, 0},
  };
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    double model = rows[i].m->hw + rows[i].m->kernel;
    printf("%-44s %12.0f %12.0f %10.0f %8.2f   (host: %.2f minor faults/page, %.0f ns)\n",
           rows[i].name, rows[i].host, model, rows[i].m->hw, rows[i].host / model, rows[i].fpp,
           rows[i].host / ghz);
  }
  printf("%-44s %12.0f %12.0f %10s %8.2f\n", "mprotect system call", h_mprot, mo.mprotect, "-",
         h_mprot / mo.mprotect);

  /* Pointer chase. */
  printf("\npointer chase: dependent loads over a random cyclic order of 64-byte lines\n");
  printf("%10s %12s %12s %6s %12s %14s %14s %10s\n", "working set", "host 4K cyc", "host THP cyc",
         "THP%", "host delta", "model 4K xlat", "model 2M xlat", "delta ratio");
  FILE *jf = fopen(json, "w");
  if (!jf) {
    perror(json);
    return 1;
  }
  fprintf(jf, "{\n  \"generator\": \"mmusim_hostprobe\",\n  \"clock_ghz\": %.4f,\n", ghz);
  fprintf(jf, "  \"clock_source\": \"%s\",\n  \"thp\": \"%s\",\n", clock_src, thp_mode);
  fprintf(jf, "  \"host\": {\n");
  fprintf(jf, "    \"first_touch_cycles\": %.1f, \"first_touch_minor_faults_per_page\": %.3f,\n",
          h_ft, ft.faults_per_page);
  fprintf(jf, "    \"cow_cycles\": %.1f, \"cow_minor_faults_per_page\": %.3f,\n", h_cow,
          cow.faults_per_page);
  fprintf(jf, "    \"file_cached_cycles_per_page\": %.1f, \"file_minor_faults_per_page\": %.3f,\n",
          h_file, file.faults_per_page);
  fprintf(jf, "    \"mprotect_cycles\": %.1f, \"segv_roundtrip_cycles\": %.1f,\n", h_mprot, h_segv);
  fprintf(jf, "    \"pointer_chase\": [");
  uint64_t steps = quick ? 500000 : 2000000;
  int first = 1;
  for (size_t kib = 32; kib <= max_mib * 1024; kib *= 4) {
    size_t bytes = kib * 1024, lines = bytes / 64;
    uint32_t *perm = chase_order(lines);
    double h4 = host_chase(bytes, false, perm, lines, steps) * ghz;
    double h2 = host_chase(bytes, true, perm, lines, steps) * ghz;
    uint64_t msteps = steps / 2;
    double m4 = model_chase(bytes, false, perm, lines, msteps);
    double m2 = model_chase(bytes, true, perm, lines, msteps);
    free(perm);
    char ws[32];
    if (kib >= 1024)
      snprintf(ws, sizeof ws, "%zu MiB", kib / 1024);
    else
      snprintf(ws, sizeof ws, "%zu KiB", kib);
    double hd = h4 - h2, md = m4 - m2;
    char ratio[32] = "-";
    if (md > 1 && hd > 1) snprintf(ratio, sizeof ratio, "%.2f", hd / md);
    printf("%10s %12.1f %12.1f %6.0f %12.1f %14.1f %14.1f %10s\n", ws, h4, h2, 100 * g_thp_fraction,
           hd, m4, m2, ratio);
    fflush(stdout);
    fprintf(jf,
            "%s\n      {\"bytes\": %zu, \"host_4k_cycles\": %.2f, \"host_thp_cycles\": %.2f, "
            "\"thp_fraction\": %.3f, \"model_4k_translation_cycles\": %.2f, "
            "\"model_2m_translation_cycles\": %.2f}",
            first ? "" : ",", bytes, h4, h2, g_thp_fraction, m4, m2);
    first = 0;
  }
  fprintf(jf, "\n    ]\n  },\n");

  /* Model predictions and the calibrated cost table. */
  mmu_kcost_table_t cal = kc.cost;
  calibrate(&cal, ghz, &mo, h_ft, h_cow, h_file, h_mprot, h_segv);
  fprintf(jf,
          "  \"model_default\": {\"first_touch_cycles\": %.1f, \"cow_cycles\": %.1f, "
          "\"file_cached_cycles_per_page\": %.1f, \"segv_roundtrip_cycles\": %.1f, "
          "\"mprotect_cycles\": %.1f},\n",
          mo.anon.hw + mo.anon.kernel, mo.cow.hw + mo.cow.kernel, mo.file.hw + mo.file.kernel,
          mo.segv.hw + mo.segv.kernel, mo.mprotect);
  fprintf(jf, "  \"kernel\": {\n    \"cost\": {\n      \"clock_ghz\": %.4f", cal.clock_ghz);
  for (int i = 0; i < MMU_KC_COUNT; i++)
    fprintf(jf, ",\n      \"%s\": %.2f", mmu_kcost_name((mmu_kcost_item_t)i), cal.value[i]);
  fprintf(jf, "\n    }\n  },\n");
  FILE *kf = fopen(kjson, "w");
  if (!kf) {
    perror(kjson);
    return 1;
  }
  fprintf(kf, "{\n  \"cost\": {\n    \"clock_ghz\": %.4f", cal.clock_ghz);
  for (int i = 0; i < MMU_KC_COUNT; i++)
    fprintf(kf, ",\n    \"%s\": %.2f", mmu_kcost_name((mmu_kcost_item_t)i), cal.value[i]);
  fprintf(kf, "\n  }\n}\n");
  fclose(kf);

  /* Check: the model with the calibrated table, on the same work. */
  mmu_kernel_config_t kc2 = kc;
  kc2.cost = cal;
  model_all_t mo2;
  model_faults(&kc2, fpages, dir, &mo2);
  printf("\nwith the calibrated kernel cost table (%s):\n", json);
  const model_fault_t *cm[] = {&mo2.anon, &mo2.cow, &mo2.file, &mo2.segv};
  fprintf(jf, "  \"model_calibrated\": {");
  static const char *keys[] = {"first_touch_cycles", "cow_cycles", "file_cached_cycles_per_page",
                               "segv_roundtrip_cycles"};
  for (size_t i = 0; i < 4; i++) {
    double model = cm[i]->hw + cm[i]->kernel;
    printf("%-44s %12.0f %12.0f %10.0f %8.2f\n", rows[i].name, rows[i].host, model, cm[i]->hw,
           rows[i].host / model);
    fprintf(jf, "%s\"%s\": %.1f", i ? ", " : "", keys[i], model);
  }
  fprintf(jf, "}\n}\n");
  fclose(jf);
  printf("wrote %s and %s (for mmusim --kernel-config)\n", json, kjson);
  return 0;
}
