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

#define MAX_VMAS 64

typedef enum { OUT_TEXT, OUT_JSON, OUT_CSV } out_fmt_t;

typedef struct opts {
  const char *trace, *config, *kconfig, *output;
  mmu_trace_format_t fmt;
  out_fmt_t out;
  cli_vma_t vma[MAX_VMAS];
  int nvma;
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
          "                            KIND anon (default) or stack (grows down). Without any\n"
          "                            --vma, all of user space from 0x10000 is one anonymous\n"
          "                            rwx VMA, so first touches are lazy-allocation faults\n"
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

static int parse_opts(int argc, char **argv, opts_t *o) {
  enum { O_CSV = 256, O_MAXF, O_SWAP, O_PROG, O_NOPROG, O_COSTS };
  static const struct option lo[] = {{"config", required_argument, 0, 'c'},
                                     {"kernel-config", required_argument, 0, 'k'},
                                     {"format", required_argument, 0, 'f'},
                                     {"vma", required_argument, 0, 'm'},
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
    case 'm':
      if (o->nvma == MAX_VMAS) {
        fprintf(stderr, "mmusim: --vma: at most %d\n", MAX_VMAS);
        return 2;
      }
      if (!cli_parse_vma(optarg, &o->vma[o->nvma], err, sizeof err)) {
        fprintf(stderr, "mmusim: %s\n", err);
        return 2;
      }
      o->nvma++;
      break;
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

/* ---- report ---- */
typedef struct report {
  uint64_t records;
  uint64_t first_sig_va;
  int first_sig_code;
  mmu_kstats_t k;
  mmu_stats_t m;
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

int main(int argc, char **argv) {
  opts_t op;
  int rc = parse_opts(argc, argv, &op);
  if (rc) return rc;
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
  /* The address space: the declared VMAs, or all of user space as one anonymous VMA. */
  uint64_t got;
  if (op.nvma == 0) {
    uint64_t top = (1ull << (cfg.format == MMU_FMT_X86_64_5L ? 56
                             : cfg.format == MMU_FMT_SV39    ? 38
                                                             : 47)) -
                   4096;
    s = mmu_mmap(k, pid, 0x10000, top - 0x10000, MMU_PROT_READ | MMU_PROT_WRITE | MMU_PROT_EXEC,
                 MMU_MAP_PRIVATE | MMU_MAP_ANON | MMU_MAP_FIXED, -1, 0, &got);
  }
  for (int i = 0; i < op.nvma && !s; i++) {
    const cli_vma_t *v = &op.vma[i];
    s = mmu_mmap(k, pid, v->start, v->end - v->start, v->prot,
                 MMU_MAP_PRIVATE | MMU_MAP_ANON | MMU_MAP_FIXED | (v->stack ? MMU_MAP_STACK : 0),
                 -1, 0, &got);
    if (s)
      fprintf(stderr, "mmusim: --vma %#" PRIx64 "-%#" PRIx64 ": %s\n", v->start, v->end,
              mmu_strerror(s));
  }
  if (s) {
    if (op.nvma == 0) fprintf(stderr, "mmusim: default VMA: %s\n", mmu_strerror(s));
    mmu_destroy(mmu);
    mmu_trace_close(tr);
    return 1;
  }
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
  mmu_trace_rec_t rec;
  rc = 0;
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
  return rc;
}
