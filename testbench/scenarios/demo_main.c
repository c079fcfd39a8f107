/* demo_main.c — mmusim_demo: runs every fault-kind scenario through MMU + firmware and reports,
 * per scenario, accesses, faults by kind, hardware cycles, kernel cycles and their ratio; writes
 * the same as CSV and JSON plus an SVG chart of the cost breakdown into --out DIR. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "scenario.h"

static const scenario_t k_scenarios[] = {
    {"anon_first_touch", "lazy allocation of a 16 MiB heap", sc_anon},
    {"stack_growth", "deep recursion grows the stack to its rlimit", sc_stack},
    {"fork_snapshot", "Redis-style fork: parent writes 1/16 of the pages", sc_fork_snapshot},
    {"fork_snapshot_worst", "fork snapshot, parent writes every page", sc_fork_worst},
    {"swap_pressure", "working set 4x the frame limit, clock reclaim + swap", sc_swap},
    {"file_mmap", "file scan, shared writes + msync, private COW", sc_file},
    {"segv_permissions", "bad accesses delivered as SIGSEGV", sc_segv},
};
#define NSC (sizeof k_scenarios / sizeof k_scenarios[0])

/* Cost categories for the chart: two hardware, the rest groups of kernel items. */
enum {
  CAT_HW_TLB,
  CAT_HW_WALK,
  CAT_ENTRY,
  CAT_VMA,
  CAT_FRAMES,
  CAT_ZERO,
  CAT_COPY,
  CAT_PTE,
  CAT_PCACHE,
  CAT_SIG,
  CAT_IO,
  NCAT
};
static const char *const k_cat_name[NCAT] = {
    "HW: TLB lookups",  "HW: page walk + A/D",    "entry/exit/dispatch",
    "VMA lookup/lock",  "frame alloc/free",       "zero 4K",
    "copy 4K",          "PTE update + TLB inval", "page cache + reclaim",
    "signal + syscall", "swap/file I/O"};
static const char *const k_cat_color[NCAT] = {"#1f4e79", "#5b9bd5", "#c00000", "#ff7f0e",
                                              "#ffbf00", "#70ad47", "#a5d66f", "#7030a0",
                                              "#b4a7d6", "#808080", "#3d3d3d"};

static void categories(const mmu_kstats_t *s, double c[NCAT]) {
  const uint64_t *it = s->item_cycles;
  c[CAT_HW_TLB] = (double)s->hw.tlb;
  c[CAT_HW_WALK] = (double)(s->hw.pwc + s->hw.walk + s->hw.ad);
  c[CAT_ENTRY] = (double)(it[MMU_KC_ENTRY] + it[MMU_KC_EXIT] + it[MMU_KC_DISPATCH]);
  c[CAT_VMA] = (double)(it[MMU_KC_VMA_LOOKUP] + it[MMU_KC_VMA_LOCK]);
  c[CAT_FRAMES] = (double)(it[MMU_KC_FRAME_ALLOC] + it[MMU_KC_FRAME_FREE]);
  c[CAT_ZERO] = (double)it[MMU_KC_ZERO_PAGE];
  c[CAT_COPY] = (double)it[MMU_KC_COPY_PAGE];
  c[CAT_PTE] = (double)(it[MMU_KC_PTE_UPDATE] + it[MMU_KC_TLB_INVAL]);
  c[CAT_PCACHE] = (double)(it[MMU_KC_PAGECACHE] + it[MMU_KC_RECLAIM_SCAN]);
  c[CAT_SIG] = (double)(it[MMU_KC_SIGNAL] + it[MMU_KC_SYSCALL]);
  c[CAT_IO] = (double)(it[MMU_KC_SWAP_READ] + it[MMU_KC_SWAP_WRITE] + it[MMU_KC_FILE_READ] +
                       it[MMU_KC_FILE_WRITE]);
}

static void kinds_string(const mmu_kstats_t *s, char *buf, size_t n) {
  buf[0] = '\0';
  size_t used = 0;
  for (int i = 1; i < MMU_KF_COUNT; i++) {
    if (!s->faults_by_kind[i]) continue;
    int w = snprintf(buf + used, n - used, "%s%s=%llu", used ? " " : "", mmu_kfault_kind_name(i),
                     (unsigned long long)s->faults_by_kind[i]);
    if (w < 0 || (size_t)w >= n - used) break;
    used += (size_t)w;
  }
  if (!used) snprintf(buf, n, "-");
}

static double ratio(const mmu_kstats_t *s) {
  return s->hw_cycles ? (double)s->kernel_cycles / (double)s->hw_cycles : 0.0;
}

static int write_csv(const char *dir, const sc_result_t *r) {
  char path[4096];
  snprintf(path, sizeof path, "%s/demo.csv", dir);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  fprintf(f, "scenario,accesses,faults,major_faults,signals,hw_cycles,kernel_cycles,"
             "kernel_per_hw");
  for (int i = 1; i < MMU_KF_COUNT; i++)
    fprintf(f, ",faults_%s", mmu_kfault_kind_name(i));
  for (int i = 0; i < MMU_KC_COUNT; i++)
    fprintf(f, ",kc_%s", mmu_kcost_name(i));
  fprintf(f, ",hw_tlb,hw_pwc,hw_walk,hw_ad,check\n");
  for (size_t s = 0; s < NSC; s++) {
    const mmu_kstats_t *st = &r[s].st;
    fprintf(f, "%s,%llu,%llu,%llu,%llu,%llu,%llu,%.4f", k_scenarios[s].name,
            (unsigned long long)st->accesses, (unsigned long long)st->faults,
            (unsigned long long)st->major_faults, (unsigned long long)st->signals,
            (unsigned long long)st->hw_cycles, (unsigned long long)st->kernel_cycles, ratio(st));
    for (int i = 1; i < MMU_KF_COUNT; i++)
      fprintf(f, ",%llu", (unsigned long long)st->faults_by_kind[i]);
    for (int i = 0; i < MMU_KC_COUNT; i++)
      fprintf(f, ",%llu", (unsigned long long)st->item_cycles[i]);
    fprintf(f, ",%llu,%llu,%llu,%llu,%s\n", (unsigned long long)st->hw.tlb,
            (unsigned long long)st->hw.pwc, (unsigned long long)st->hw.walk,
            (unsigned long long)st->hw.ad, r[s].ok ? "ok" : "FAIL");
  }
  return fclose(f);
}

static int write_json(const char *dir, const sc_result_t *r) {
  json_t *root = json_object(), *arr = json_array();
  mmu_kernel_config_t kc;
  mmu_kernel_config_default(&kc);
  json_t *table = json_object();
  for (int i = 0; i < MMU_KC_COUNT; i++) {
    json_t *e = json_object();
    json_object_set_new(e, "value", json_real(kc.cost.value[i]));
    json_object_set_new(e, "unit", json_string(mmu_kcost_unit(i)));
    json_object_set_new(e, "cycles", json_integer((json_int_t)mmu_kcost_cycles(&kc.cost, i)));
    json_object_set_new(table, mmu_kcost_name(i), e);
  }
  json_object_set_new(root, "clock_ghz", json_real(kc.cost.clock_ghz));
  json_object_set_new(root, "kernel_cost_table", table);
  for (size_t s = 0; s < NSC; s++) {
    json_t *o = json_object();
    json_object_set_new(o, "scenario", json_string(k_scenarios[s].name));
    json_object_set_new(o, "description", json_string(k_scenarios[s].what));
    json_object_set_new(o, "ok", json_boolean(r[s].ok));
    json_object_set_new(o, "check", json_string(r[s].note));
    json_object_set_new(o, "kernel_per_hw", json_real(ratio(&r[s].st)));
    char *st = mmu_kstats_to_json(&r[s].st);
    json_error_t e;
    json_t *sj = st ? json_loads(st, 0, &e) : NULL;
    free(st);
    if (sj) json_object_set_new(o, "stats", sj);
    json_array_append_new(arr, o);
  }
  json_object_set_new(root, "scenarios", arr);
  char path[4096];
  snprintf(path, sizeof path, "%s/demo.json", dir);
  int rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  return rc;
}

/* 100 %-stacked horizontal bars: where the cycles of each scenario go. */
static int write_svg(const char *dir, const sc_result_t *r) {
  char path[4096];
  snprintf(path, sizeof path, "%s/demo.svg", dir);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  const int left = 170, barw = 560, barh = 26, gap = 14, top = 60;
  const int legend_y = top + (int)NSC * (barh + gap) + 10;
  const int height = legend_y + ((NCAT + 2) / 3) * 20 + 20, width = left + barw + 200;
  fprintf(f,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
          "font-family=\"sans-serif\" font-size=\"12\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
          "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">Where the cycles go: "
          "hardware (TLB, walk) vs. kernel (fault handling)</text>\n"
          "<text x=\"%d\" y=\"42\" fill=\"#555\">share of each scenario's total cycles; right: "
          "total and kernel/hardware ratio</text>\n",
          width, height, 10, 10);
  for (size_t s = 0; s < NSC; s++) {
    double c[NCAT], total = 0;
    categories(&r[s].st, c);
    for (int i = 0; i < NCAT; i++)
      total += c[i];
    int y = top + (int)s * (barh + gap);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", left - 8,
            y + barh / 2 + 4, k_scenarios[s].name);
    double x = left;
    for (int i = 0; i < NCAT && total > 0; i++) {
      double w = c[i] / total * barw;
      if (w <= 0) continue;
      fprintf(f,
              "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" fill=\"%s\">"
              "<title>%s: %.0f cycles (%.1f%%)</title></rect>\n",
              x, y, w, barh, k_cat_color[i], k_cat_name[i], c[i], 100.0 * c[i] / total);
      x += w;
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\">%.3g cycles, k/hw %.1f</text>\n", left + barw + 8,
            y + barh / 2 + 4, total, ratio(&r[s].st));
  }
  for (int i = 0; i < NCAT; i++) {
    int x = 10 + (i % 3) * 250, y = legend_y + (i / 3) * 20;
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", x, y,
            k_cat_color[i]);
    fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>\n", x + 18, y + 11, k_cat_name[i]);
  }
  fprintf(f, "</svg>\n");
  return fclose(f);
}

static void usage(FILE *o) {
  fprintf(o, "usage: mmusim_demo [--out DIR] [--only NAME]\n"
             "Runs one scenario per page-fault kind through the MMU model and its firmware.\n"
             "  -o, --out DIR    write demo.csv, demo.json and demo.svg into DIR (created)\n"
             "  -s, --only NAME  run one scenario\n"
             "  -l, --list       list the scenarios\n"
             "  -h, --help       this text\n");
}

int main(int argc, char **argv) {
  const char *out = NULL, *only = NULL;
  static const struct option opts[] = {{"out", required_argument, 0, 'o'},
                                       {"only", required_argument, 0, 's'},
                                       {"list", no_argument, 0, 'l'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "o:s:lh", opts, NULL)) != -1) {
    switch (c) {
    case 'o':
      out = optarg;
      break;
    case 's':
      only = optarg;
      break;
    case 'l':
      for (size_t s = 0; s < NSC; s++)
        printf("%-20s %s\n", k_scenarios[s].name, k_scenarios[s].what);
      return 0;
    case 'h':
      usage(stdout);
      return 0;
    default:
      usage(stderr);
      return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "mmusim_demo: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return 2;
  }
  if (out && mkdir(out, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "mmusim_demo: cannot create %s: %s\n", out, strerror(errno));
    return 1;
  }
  const char *tmp = out ? out : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  sc_env_t env = {tmp};
  sc_result_t res[NSC];
  memset(res, 0, sizeof res);
  int failed = 0, ran = 0;
  printf("%-20s %9s %8s %12s %14s %9s  %-4s %s\n", "scenario", "accesses", "faults", "hw cycles",
         "kernel cycles", "kernel/hw", "chk", "faults by kind");
  for (size_t s = 0; s < NSC; s++) {
    res[s].ok = true;
    if (only && strcmp(only, k_scenarios[s].name)) continue;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    k_scenarios[s].run(&env, &res[s]);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ran++;
    const mmu_kstats_t *st = &res[s].st;
    char kinds[256];
    kinds_string(st, kinds, sizeof kinds);
    printf("%-20s %9llu %8llu %12llu %14llu %9.2f  %-4s %s\n", k_scenarios[s].name,
           (unsigned long long)st->accesses, (unsigned long long)st->faults,
           (unsigned long long)st->hw_cycles, (unsigned long long)st->kernel_cycles, ratio(st),
           res[s].ok ? "ok" : "FAIL", kinds);
    printf("%-20s   %s (%.0f ms)\n", "", res[s].note,
           (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
    failed += !res[s].ok;
  }
  if (only && !ran) {
    fprintf(stderr, "mmusim_demo: no scenario named '%s' (see --list)\n", only);
    return 2;
  }
  if (out) {
    if (write_csv(out, res) || write_json(out, res) || write_svg(out, res)) {
      fprintf(stderr, "mmusim_demo: cannot write the reports into %s\n", out);
      return 1;
    }
    printf("wrote %s/demo.csv, %s/demo.json, %s/demo.svg\n", out, out, out);
  }
  return failed ? 1 : 0;
}
