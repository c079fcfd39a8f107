/* mmusim_cli.c — `mmusim`: replays an address trace (valgrind lackey or text) through the MMU
 * model and its fault-handling firmware, and reports the hardware/kernel split of the cycles. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

typedef enum { OUT_TEXT, OUT_JSON, OUT_CSV } out_fmt_t;

typedef struct opts {
  const char *trace, *config, *kconfig, *output;
  mmu_trace_format_t fmt;
  out_fmt_t out;
  cli_vmas_t vmas; /* --vma, in order */
  const char *maps;
  int unmapped;      /* -1 default, 0 segv, 1 anon */
  bool maps_as_read; /* --maps-prot exit: the permissions as read; else private ones + rw */
  int64_t max_frames, swap_slots; /* -1 = from the configuration */
  uint64_t limit;
  int progress; /* -1 auto, 0 off, 1 on */
  bool costs;
} opts_t;

static void usage(FILE *o) {
  fprintf(o,
          "usage: mmusim [OPTIONS] TRACE\n"
          "Replays an address trace through the MMU model and its fault-handling firmware and\n"
          "prints the statistics with the split of cycles between hardware (TLB, page walk) and\n"
          "kernel (page-fault handling). The trace runs as one user process.\n"
          "\n"
          "Options:\n"
          "  -c, --config FILE         MMU configuration (JSON, fields of mmu_config_t)\n"
          "  -k, --kernel-config FILE  kernel configuration (JSON: max_frames, swap_slots,\n"
          "                            stack_rlimit, stack_guard_gap, fault_around_bytes,\n"
          "                            readaround_pages, cost: {clock_ghz, <item>: value})\n"
          "  -f, --format FMT          trace format: auto (default), text, lackey\n"
          "  -m, --vma START-END[:PROT[:KIND]]\n"
          "                            declare a VMA (repeatable); PROT of r,w,x (default rw),\n"
          "                            KIND anon (default), stack (grows down), or\n"
          "                            file=PATH[@OFFSET][,shared|,private]: PATH mapped from\n"
          "                            OFFSET (default 0, a multiple of 4096), private by\n"
          "                            default; file pages fault from the page cache with\n"
          "                            fault-around; mmusim maps a private copy of PATH and\n"
          "                            only reads the original. Without any --vma or --maps,\n"
          "                            all of user space from 0x10000 is one anonymous rwx VMA\n"
          "      --maps FILE           declare one VMA per line of FILE, in /proc/PID/maps\n"
          "                            format (see mmusim-tracemaps): a path is a file VMA at\n"
          "                            its offset, private or shared by the p/s flag; [stack]\n"
          "                            a stack; [heap], [vdso], [vvar], no path, a deleted or\n"
          "                            unreadable file anonymous; lines above user space\n"
          "                            ([vsyscall]) skipped. --vma options apply after it\n"
          "      --maps-prot MODE      write (default): private mappings of the maps file are\n"
          "                            declared readable and writable too, because the maps\n"
          "                            are read at exit and the program may have written them\n"
          "                            before an mprotect (RELRO after relocation); exit: the\n"
          "                            permissions as read (such writes are SIGSEGV)\n"
          "      --unmapped MODE       user space outside the declared VMAs: anon (gaps become\n"
          "                            anonymous rwx VMAs; their faults are counted apart) or\n"
          "                            segv (accesses there are SIGSEGV). Default: segv with\n"
          "                            --vma only, anon otherwise\n"
          "      --max-frames N        frame limit of the kernel (overrides the config)\n"
          "      --swap-slots N        swap size in pages (overrides the config; 0 = no swap)\n"
          "  -n, --limit N             stop after N trace records\n"
          "  -j, --json                print the report as JSON\n"
          "      --csv                 print the report as CSV (one header line, one row)\n"
          "  -o, --output FILE         write the report to FILE instead of stdout\n"
          "      --progress            always show a progress bar on stderr\n"
          "      --no-progress         never show it (default: on a terminal, for long traces)\n"
          "      --costs               print the kernel cost table and exit\n"
          "  -V, --version             print the version and exit\n"
          "  -h, --help                this text\n"
          "\n"
          "Exit status: 0 success, 1 bad input file or run-time error, 2 bad usage.\n");
}

static bool parse_u64(const char *s, uint64_t *v) {
  char *e;
  errno = 0;
  if (!s || !*s || *s == '-') return false;
  unsigned long long x = strtoull(s, &e, 0);
  if (errno || *e) return false;
  *v = x;
  return true;
}

/* 0 if arg is a, 1 if b, else -1 with a message naming --opt. */
static int one_of(const char *opt, const char *arg, const char *a, const char *b) {
  if (!strcmp(arg, a) || !strcmp(arg, b)) return !strcmp(arg, b);
  fprintf(stderr, "mmusim: --%s: '%s' is not %s or %s\n", opt, arg, a, b);
  return -1;
}

static int parse_opts(int argc, char **argv, opts_t *o) {
  enum { O_CSV = 256, O_MAXF, O_SWAP, O_PROG, O_NOPROG, O_COSTS, O_MAPS, O_MAPS_PROT, O_UNMAPPED };
  static const struct option lo[] = {{"config", required_argument, 0, 'c'},
                                     {"kernel-config", required_argument, 0, 'k'},
                                     {"format", required_argument, 0, 'f'},
                                     {"vma", required_argument, 0, 'm'},
                                     {"maps", required_argument, 0, O_MAPS},
                                     {"maps-prot", required_argument, 0, O_MAPS_PROT},
                                     {"unmapped", required_argument, 0, O_UNMAPPED},
                                     {"max-frames", required_argument, 0, O_MAXF},
                                     {"swap-slots", required_argument, 0, O_SWAP},
                                     {"limit", required_argument, 0, 'n'},
                                     {"json", no_argument, 0, 'j'},
                                     {"csv", no_argument, 0, O_CSV},
                                     {"output", required_argument, 0, 'o'},
                                     {"progress", no_argument, 0, O_PROG},
                                     {"no-progress", no_argument, 0, O_NOPROG},
                                     {"costs", no_argument, 0, O_COSTS},
                                     {"version", no_argument, 0, 'V'},
                                     {"help", no_argument, 0, 'h'},
                                     {0, 0, 0, 0}};
  memset(o, 0, sizeof *o);
  o->max_frames = o->swap_slots = -1;
  o->progress = -1;
  o->unmapped = -1;
  int c;
  char err[256];
  uint64_t u;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":c:k:f:m:n:jo:Vh", lo, NULL)) != -1) {
    switch (c) {
    case 'c':
      o->config = optarg;
      break;
    case 'k':
      o->kconfig = optarg;
      break;
    case 'f':
      if (!strcmp(optarg, "auto"))
        o->fmt = MMU_TRACE_AUTO;
      else if (!strcmp(optarg, "text"))
        o->fmt = MMU_TRACE_TEXT;
      else if (!strcmp(optarg, "lackey"))
        o->fmt = MMU_TRACE_LACKEY;
      else {
        fprintf(stderr, "mmusim: --format: '%s' is not auto, text or lackey\n", optarg);
        return 2;
      }
      break;
    case 'm': {
      cli_vma_t v;
      if (!cli_parse_vma(optarg, &v, err, sizeof err)) {
        fprintf(stderr, "mmusim: %s\n", err);
        return 2;
      }
      if (!cli_vmas_push(&o->vmas, &v)) {
        free(v.path);
        fprintf(stderr, "mmusim: --vma: out of memory\n");
        return 2;
      }
      break;
    }
    case O_MAPS:
      o->maps = optarg;
      break;
    case O_MAPS_PROT:
    case O_UNMAPPED: {
      bool prot = c == O_MAPS_PROT;
      int pick = one_of(prot ? "maps-prot" : "unmapped", optarg, prot ? "write" : "segv",
                        prot ? "exit" : "anon");
      if (pick < 0) return 2;
      if (prot)
        o->maps_as_read = pick;
      else
        o->unmapped = pick;
      break;
    }
    case O_MAXF:
    case O_SWAP:
      if (!parse_u64(optarg, &u) || u > (1ull << 32)) {
        fprintf(stderr, "mmusim: --%s: '%s' is not a number 0..2^32\n",
                c == O_MAXF ? "max-frames" : "swap-slots", optarg);
        return 2;
      }
      if (c == O_MAXF)
        o->max_frames = (int64_t)u;
      else
        o->swap_slots = (int64_t)u;
      break;
    case 'n':
      if (!parse_u64(optarg, &o->limit) || !o->limit) {
        fprintf(stderr, "mmusim: --limit: '%s' is not a positive number\n", optarg);
        return 2;
      }
      break;
    case 'j':
      o->out = OUT_JSON;
      break;
    case O_CSV:
      o->out = OUT_CSV;
      break;
    case 'o':
      o->output = optarg;
      break;
    case O_PROG:
      o->progress = 1;
      break;
    case O_NOPROG:
      o->progress = 0;
      break;
    case O_COSTS:
      o->costs = true;
      break;
    case 'V':
      printf("mmusim %s\n", mmu_version());
      exit(0);
    case 'h':
      usage(stdout);
      exit(0);
    case ':':
      fprintf(stderr, "mmusim: option '%s' needs an argument\n", argv[optind - 1]);
      return 2;
    default:
      fprintf(stderr, "mmusim: unknown option '%s' (see --help)\n", argv[optind - 1]);
      return 2;
    }
  }
  if (o->costs) return 0;
  if (optind != argc - 1) {
    fprintf(stderr, optind >= argc ? "mmusim: no trace file given (see --help)\n"
                                   : "mmusim: one trace file expected (see --help)\n");
    return 2;
  }
  o->trace = argv[optind];
  return 0;
}

/* ---- progress bar ---- */
typedef struct progress {
  bool on;
  uint64_t total; /* lines in the trace */
  int last;
} progress_t;

static uint64_t count_lines(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  char buf[1 << 16];
  uint64_t n = 0;
  size_t r;
  while ((r = fread(buf, 1, sizeof buf, f)) > 0)
    for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + r - p))); p++)
      n++;
  fclose(f);
  return n;
}

static void progress_show(progress_t *p, uint64_t line) {
  if (!p->on || !p->total) return;
  int pct = (int)(line * 100 / p->total);
  if (pct > 100) pct = 100;
  if (pct == p->last) return;
  p->last = pct;
  char bar[41];
  int fill = pct * 40 / 100;
  memset(bar, '#', (size_t)fill);
  memset(bar + fill, '.', (size_t)(40 - fill));
  bar[40] = '\0';
  fprintf(stderr, "\r[%s] %3d%%", bar, pct);
  fflush(stderr);
}

static void progress_end(progress_t *p) {
  if (p->on && p->total && p->last >= 0) fprintf(stderr, "\r%*s\r", 48, "");
}

/* ---- the address space ---- */
typedef struct space {
  cli_vmas_t decl;     /* the --maps lines, then the --vma options */
  cli_vmas_t gaps;     /* anonymous VMAs over the rest of user space (--unmapped anon) */
  cli_maps_stats_t ms; /* of the --maps file */
  uint64_t nfile;      /* file VMAs declared */
  uint64_t gap_faults; /* faults at addresses in the gaps */
} space_t;

static void space_free(space_t *sp) {
  cli_vmas_free(&sp->decl);
  cli_vmas_free(&sp->gaps);
}

/* The end of canonical user space for the page-table format, less one page. */
static uint64_t user_top(const mmu_config_t *cfg) {
  int bits = cfg->format == MMU_FMT_X86_64_5L ? 56 : cfg->format == MMU_FMT_SV39 ? 38 : 47;
  return (1ull << bits) - 4096;
}

/* Fault log: counts the faults in the gaps, which tell how much of the trace the declared
 * address space (typically a maps file read at exit) missed. */
static void count_gap_fault(const mmu_kfault_rec_t *rec, void *ctx) {
  space_t *sp = ctx;
  uint64_t va = rec->fault.va;
  size_t lo = 0, hi = sp->gaps.n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (va < sp->gaps.v[mid].start)
      hi = mid;
    else if (va >= sp->gaps.v[mid].end)
      lo = mid + 1;
    else {
      sp->gap_faults++;
      return;
    }
  }
}

static const char *vma_origin(const opts_t *op, const cli_vma_t *v, char *buf, size_t len) {
  if (v->line)
    snprintf(buf, len, "%s:%" PRIu64, op->maps, v->line);
  else
    snprintf(buf, len, "--vma %#" PRIx64 "-%#" PRIx64, v->start, v->end);
  return buf;
}

/* Declares sp->decl in order (a later VMA replaces what it overlaps, as MAP_FIXED does). One
 * copy per distinct file (cli_files.c): the page cache is per file, so the text and data VMAs
 * of one library share its cached pages as they do on the host. */
static bool map_declared(mmu_kernel_t *k, uint32_t pid, const opts_t *op, space_t *sp) {
  cli_files_t *files = cli_files_new();
  if (!files) {
    fprintf(stderr, "mmusim: out of memory\n");
    return false;
  }
  bool ok = true;
  for (size_t i = 0; ok && i < sp->decl.n; i++) {
    const cli_vma_t *v = &sp->decl.v[i];
    bool file = v->kind == CLI_VMA_FILE;
    int fd = -1;
    char where[300], err[600];
    vma_origin(op, v, where, sizeof where);
    if (file && (fd = cli_files_map(files, k, v->path, v->offset, v->end - v->start, err,
                                    sizeof err)) < 0) {
      if (!v->line) {
        fprintf(stderr, "mmusim: %s: %s\n", where, err);
        ok = false;
        break;
      }
      /* A maps file names files that may have changed or gone since it was read. */
      fprintf(stderr, "mmusim: %s: %s; declared anonymous\n", where, err);
      sp->ms.file_as_anon++;
      file = false;
    }
    uint32_t flags = MMU_MAP_FIXED | (file && v->shared ? MMU_MAP_SHARED : MMU_MAP_PRIVATE);
    if (!file) flags |= MMU_MAP_ANON | (v->kind == CLI_VMA_STACK ? MMU_MAP_STACK : 0);
    sp->nfile += file;
    uint64_t got;
    mmu_status_t s = mmu_mmap(k, pid, v->start, v->end - v->start, v->prot, flags, fd,
                              file ? v->offset : 0, &got);
    if (s) {
      fprintf(stderr, "mmusim: %s: mmap: %s\n", where, mmu_strerror(s));
      ok = false;
    }
  }
  cli_files_done(files, k);
  return ok;
}

static int by_start(const void *a, const void *b) {
  const cli_vma_t *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

/* Maps the holes of [0x10000, top) that no declared VMA covers as anonymous rwx VMAs. */
static bool map_gaps(mmu_kernel_t *k, uint32_t pid, uint64_t top, space_t *sp) {
  size_t n = sp->decl.n;
  cli_vma_t *sorted = malloc((n ? n : 1) * sizeof *sorted);
  if (!sorted) {
    fprintf(stderr, "mmusim: out of memory\n");
    return false;
  }
  if (n) memcpy(sorted, sp->decl.v, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, by_start);
  uint64_t at = 0x10000;
  bool ok = true;
  for (size_t i = 0; ok && i <= n; i++) {
    uint64_t end = i < n && sorted[i].start < top ? sorted[i].start : top;
    if (end > at) {
      cli_vma_t g = {
          .start = at, .end = end, .prot = MMU_PROT_READ | MMU_PROT_WRITE | MMU_PROT_EXEC};
      uint64_t got;
      mmu_status_t s = mmu_mmap(k, pid, g.start, g.end - g.start, g.prot,
                                MMU_MAP_PRIVATE | MMU_MAP_ANON | MMU_MAP_FIXED, -1, 0, &got);
      if (s)
        fprintf(stderr, "mmusim: anonymous VMA %#" PRIx64 "-%#" PRIx64 " (--unmapped): %s\n",
                g.start, g.end, mmu_strerror(s));
      ok = !s && cli_vmas_push(&sp->gaps, &g);
    }
    if (i < n && sorted[i].end > at) at = sorted[i].end;
  }
  free(sorted);
  return ok;
}

/* ---- report ---- */
typedef struct report {
  uint64_t records;
  uint64_t first_sig_va;
  int first_sig_code;
  mmu_kstats_t k;
  mmu_stats_t m;
  const space_t *sp;
} report_t;

static double ratio(const report_t *r) {
  return r->k.hw_cycles ? (double)r->k.kernel_cycles / (double)r->k.hw_cycles : 0.0;
}

static void print_text(FILE *o, const opts_t *op, const report_t *r) {
  const mmu_kstats_t *k = &r->k;
  const mmu_stats_t *m = &r->m;
  uint64_t total = k->hw_cycles + k->kernel_cycles;
  fprintf(o, "trace            %s\n", op->trace);
  fprintf(o, "records          %" PRIu64 "\n", r->records);
  fprintf(o, "accesses         %" PRIu64 " (translations %" PRIu64 ")\n", k->accesses,
          k->translations);
  fprintf(o,
          "dTLB / iTLB / L2 hits  %" PRIu64 "/%" PRIu64 "  %" PRIu64 "/%" PRIu64 "  %" PRIu64
          "/%" PRIu64 "  (hits/lookups)\n",
          m->dtlb.hits, m->dtlb.lookups, m->itlb.hits, m->itlb.lookups, m->stlb.hits,
          m->stlb.lookups);
  fprintf(o, "page walks       %" PRIu64 " (%" PRIu64 " PTE loads)\n", m->walks, m->walk_reads);
  fprintf(o, "page faults      %" PRIu64 " (major %" PRIu64 ")\n", k->faults, k->major_faults);
  for (int i = 1; i < MMU_KF_COUNT; i++)
    if (k->faults_by_kind[i])
      fprintf(o, "  %-14s %10" PRIu64 " faults %14" PRIu64 " kernel cycles\n",
              mmu_kfault_kind_name(i), k->faults_by_kind[i], k->kernel_cycles_by_kind[i]);
  if (k->fault_around_mapped || r->sp->nfile)
    fprintf(o,
            "fault-around     %" PRIu64 " pages mapped (page cache: %" PRIu64 " hits, %" PRIu64
            " misses)\n",
            k->fault_around_mapped, k->pagecache_hits, k->pagecache_misses);
  if (r->sp->decl.n) {
    fprintf(o, "address space    %zu VMAs declared (%" PRIu64 " file-backed)", r->sp->decl.n,
            r->sp->nfile);
    if (op->maps)
      fprintf(o, ", %" PRIu64 " maps lines (%" PRIu64 " skipped, %" PRIu64 " files as anon)",
              r->sp->ms.lines, r->sp->ms.skipped, r->sp->ms.file_as_anon);
    fprintf(o, "\n");
    if (r->sp->gaps.n)
      fprintf(o, "  outside them   %zu anonymous gap VMAs, %" PRIu64 " faults there\n",
              r->sp->gaps.n, r->sp->gap_faults);
  }
  fprintf(o, "signals          %" PRIu64, k->signals);
  if (k->signals)
    fprintf(o, " (first: si_code %d at %#" PRIx64 ")", r->first_sig_code, r->first_sig_va);
  fprintf(o, "\nswap out/in      %" PRIu64 " / %" PRIu64 "\n", k->swap_outs, k->swap_ins);
  fprintf(o, "frames           %" PRIu64 " in use, %" PRIu64 " peak\n", k->frames_used,
          k->frames_peak);
  fprintf(o, "\ncycles\n");
  fprintf(o,
          "  hardware       %14" PRIu64 "  (%5.1f%%)  tlb %" PRIu64 ", pwc %" PRIu64
          ", walk %" PRIu64 ", a/d %" PRIu64 "\n",
          k->hw_cycles, total ? 100.0 * k->hw_cycles / total : 0.0, k->hw.tlb, k->hw.pwc,
          k->hw.walk, k->hw.ad);
  fprintf(o,
          "  kernel         %14" PRIu64 "  (%5.1f%%)  faults %" PRIu64 ", syscalls %" PRIu64 "\n",
          k->kernel_cycles, total ? 100.0 * k->kernel_cycles / total : 0.0, k->fault_cycles,
          k->syscall_cycles);
  fprintf(o, "  kernel/hardware %.3f\n", ratio(r));
  fprintf(o, "\nkernel cycles by item\n");
  for (int i = 0; i < MMU_KC_COUNT; i++)
    if (k->item_counts[i])
      fprintf(o, "  %-14s %10" PRIu64 " x %14" PRIu64 " cycles\n", mmu_kcost_name(i),
              k->item_counts[i], k->item_cycles[i]);
}

static void print_csv(FILE *o, const report_t *r) {
  const mmu_kstats_t *k = &r->k;
  fprintf(o, "records,accesses,translations,faults,major_faults,signals,hw_cycles,kernel_cycles,"
             "kernel_per_hw,hw_tlb,hw_pwc,hw_walk,hw_ad");
  for (int i = 1; i < MMU_KF_COUNT; i++)
    fprintf(o, ",faults_%s", mmu_kfault_kind_name(i));
  for (int i = 0; i < MMU_KC_COUNT; i++)
    fprintf(o, ",kc_%s", mmu_kcost_name(i));
  fprintf(o,
          "\n%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
          ",%" PRIu64 ",%.6f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
          r->records, k->accesses, k->translations, k->faults, k->major_faults, k->signals,
          k->hw_cycles, k->kernel_cycles, ratio(r), k->hw.tlb, k->hw.pwc, k->hw.walk, k->hw.ad);
  for (int i = 1; i < MMU_KF_COUNT; i++)
    fprintf(o, ",%" PRIu64, k->faults_by_kind[i]);
  for (int i = 0; i < MMU_KC_COUNT; i++)
    fprintf(o, ",%" PRIu64, k->item_cycles[i]);
  fprintf(o, "\n");
}

static int print_json(FILE *o, const opts_t *op, const report_t *r) {
  char *ks = mmu_kstats_to_json(&r->k), *ms = mmu_stats_to_json(&r->m);
  json_error_t e;
  json_t *root = json_object();
  json_object_set_new(root, "trace", json_string(op->trace));
  json_object_set_new(root, "records", json_integer((json_int_t)r->records));
  json_object_set_new(root, "hw_cycles", json_integer((json_int_t)r->k.hw_cycles));
  json_object_set_new(root, "kernel_cycles", json_integer((json_int_t)r->k.kernel_cycles));
  json_object_set_new(root, "kernel_per_hw", json_real(ratio(r)));
  const space_t *sp = r->sp;
  json_t *as = json_object();
  json_object_set_new(as, "declared", json_integer((json_int_t)sp->decl.n));
  json_object_set_new(as, "file", json_integer((json_int_t)sp->nfile));
  json_object_set_new(as, "gaps", json_integer((json_int_t)sp->gaps.n));
  json_object_set_new(as, "gap_faults", json_integer((json_int_t)sp->gap_faults));
  if (op->maps) {
    json_object_set_new(as, "maps", json_string(op->maps));
    json_object_set_new(as, "maps_lines", json_integer((json_int_t)sp->ms.lines));
    json_object_set_new(as, "maps_skipped", json_integer((json_int_t)sp->ms.skipped));
    json_object_set_new(as, "maps_file_as_anon", json_integer((json_int_t)sp->ms.file_as_anon));
  }
  json_object_set_new(root, "address_space", as);
  if (ks) json_object_set_new(root, "kernel", json_loads(ks, 0, &e));
  if (ms) json_object_set_new(root, "mmu", json_loads(ms, 0, &e));
  free(ks);
  free(ms);
  int rc = json_dumpf(root, o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  fputc('\n', o);
  json_decref(root);
  return rc;
}

static void print_costs(const mmu_kernel_config_t *kc) {
  printf("kernel cost table (clock %.2f GHz)\n", kc->cost.clock_ghz);
  for (int i = 0; i < MMU_KC_COUNT; i++)
    printf("  %-14s %10g %-6s = %8" PRIu64 " cycles\n", mmu_kcost_name(i), kc->cost.value[i],
           mmu_kcost_unit(i), mmu_kcost_cycles(&kc->cost, i));
}

static int run(const opts_t *o);

int main(int argc, char **argv) {
  opts_t op;
  int rc = parse_opts(argc, argv, &op);
  if (!rc) rc = run(&op);
  cli_vmas_free(&op.vmas);
  return rc;
}

static int run(const opts_t *o) {
  const opts_t op = *o;
  int rc = 0;
  char err[512];
  mmu_config_t cfg;
  mmu_config_default(&cfg);
  if (op.config && mmu_config_load_json(op.config, &cfg, err, sizeof err) != MMU_OK) {
    fprintf(stderr, "mmusim: %s\n", err); /* err names the file */
    return 1;
  }
  mmu_kernel_config_t kc;
  mmu_kernel_config_default(&kc);
  if (op.kconfig && cli_kconfig_load(op.kconfig, &kc, err, sizeof err) != MMU_OK) {
    fprintf(stderr, "mmusim: %s\n", err);
    return 1;
  }
  if (op.max_frames >= 0) kc.max_frames = (uint64_t)op.max_frames;
  if (op.swap_slots >= 0) kc.swap_slots = (uint64_t)op.swap_slots;
  if (mmu_kernel_config_validate(&kc, err, sizeof err) != MMU_OK) {
    fprintf(stderr, "mmusim: kernel configuration: %s\n", err);
    return 2;
  }
  if (op.costs) {
    print_costs(&kc);
    return 0;
  }
  mmu_trace_t *tr;
  mmu_status_t s = mmu_trace_open(op.trace, op.fmt, &tr);
  if (s) {
    fprintf(stderr, "mmusim: cannot open trace '%s': %s\n", op.trace,
            s == MMU_ERR_IO ? strerror(errno) : mmu_strerror(s));
    return 1;
  }
  mmu_t *mmu;
  mmu_kernel_t *k;
  uint32_t pid;
  if ((s = mmu_create(&cfg, &mmu))) {
    fprintf(stderr, "mmusim: MMU configuration: %s\n", mmu_strerror(s));
    mmu_trace_close(tr);
    return 1;
  }
  if ((s = mmu_kernel_create(mmu, &kc, &k)) || (s = mmu_proc_create(k, &pid))) {
    fprintf(stderr, "mmusim: kernel: %s\n", mmu_strerror(s));
    mmu_destroy(mmu);
    mmu_trace_close(tr);
    return 1;
  }
  /* The address space: the --maps lines and the --vma options, and user space outside them
   * as anonymous VMAs (all of it when nothing is declared) or left unmapped. */
  space_t sp;
  memset(&sp, 0, sizeof sp);
  uint64_t top = user_top(&cfg);
  bool ok = !op.maps || cli_maps_load(op.maps, top, &sp.decl, &sp.ms, err, sizeof err);
  if (!ok) fprintf(stderr, "mmusim: %s\n", err);
  /* Widening a private mapping changes no fault path: private file pages are mapped read-only
   * until written, and a write is a COW fault either way; it only keeps writes made before a
   * later mprotect from becoming signals the real program never got. */
  for (size_t i = 0; ok && !op.maps_as_read && i < sp.decl.n; i++)
    if (!sp.decl.v[i].shared) sp.decl.v[i].prot |= MMU_PROT_READ | MMU_PROT_WRITE;
  for (size_t i = 0; ok && i < op.vmas.n; i++) {
    cli_vma_t v = op.vmas.v[i];
    if (v.path && !(v.path = strdup(v.path))) ok = false;
    if (ok && !cli_vmas_push(&sp.decl, &v)) {
      free(v.path);
      ok = false;
    }
    if (!ok) fprintf(stderr, "mmusim: out of memory\n");
  }
  bool fill = op.unmapped == 1 || (op.unmapped == -1 && (op.maps || op.vmas.n == 0));
  ok = ok && map_declared(k, pid, &op, &sp) && (!fill || map_gaps(k, pid, top, &sp));
  if (!ok) {
    space_free(&sp);
    mmu_destroy(mmu);
    mmu_trace_close(tr);
    return 1;
  }
  if (sp.gaps.n) mmu_kernel_set_fault_log(k, count_gap_fault, &sp);
  mmu_kernel_stats_reset(k);
  mmu_stats_reset(mmu);

  progress_t pg = {false, 0, -1};
  struct stat sb;
  bool long_trace = stat(op.trace, &sb) == 0 && sb.st_size > (4 << 20);
  if (op.progress == 1 || (op.progress == -1 && isatty(2) && long_trace)) {
    pg.on = true;
    pg.total = count_lines(op.trace);
  }
  report_t r;
  memset(&r, 0, sizeof r);
  r.sp = &sp;
  mmu_trace_rec_t rec;

  while ((!op.limit || r.records < op.limit) && (s = mmu_trace_next(tr, &rec)) == MMU_OK) {
    mmu_koutcome_t o;
    mmu_status_t as = mmu_kaccess(k, pid, rec.va, rec.op, rec.size, &o);
    if (as) {
      fprintf(stderr, "\nmmusim: %s:%" PRIu64 ": access %#" PRIx64 ": %s\n", op.trace,
              mmu_trace_line(tr), rec.va, mmu_strerror(as));
      rc = 1;
      break;
    }
    if (o.sig != MMU_SIG_NONE && r.first_sig_va == 0 && r.first_sig_code == 0) {
      r.first_sig_va = o.addr;
      r.first_sig_code = o.si_code ? o.si_code : -1;
    }
    r.records++;
    if ((r.records & 0xffff) == 0) progress_show(&pg, mmu_trace_line(tr));
  }
  progress_end(&pg);
  if (!rc && s != MMU_OK && s != MMU_ERR_EOF) {
    fprintf(stderr, "mmusim: %s\n", mmu_trace_error(tr));
    rc = 1;
  }
  mmu_trace_close(tr);
  if (!rc) {
    mmu_kernel_stats(k, &r.k);
    mmu_stats_get(mmu, &r.m);
    FILE *o = stdout;
    if (op.output && !(o = fopen(op.output, "w"))) {
      fprintf(stderr, "mmusim: cannot write '%s': %s\n", op.output, strerror(errno));
      rc = 1;
    } else {
      if (op.out == OUT_JSON)
        print_json(o, &op, &r);
      else if (op.out == OUT_CSV)
        print_csv(o, &r);
      else
        print_text(o, &op, &r);
      if (o != stdout && fclose(o) != 0) {
        fprintf(stderr, "mmusim: cannot write '%s': %s\n", op.output, strerror(errno));
        rc = 1;
      }
    }
  }
  mmu_destroy(mmu);
  space_free(&sp);
  return rc;
}
