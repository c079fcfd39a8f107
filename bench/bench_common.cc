// bench_common.cc — see bench_common.h.
#include "bench_common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

namespace mmubench {

Env::Env(const mmu_config_t *cfg) {
  if (mmu_create(cfg, &m) || mmu_space_create(m, 1)) {
    std::fprintf(stderr, "mmu_create failed\n");
    std::abort();
  }
}
Env::~Env() {
  mmu_destroy(m);
}
void Env::Map(uint64_t va, uint64_t pa, uint64_t len, uint32_t perm) {
  mmu_status_t s = mmu_map(m, 1, va, pa, len, perm, MMU_PAGE_4K);
  if (s) {
    std::fprintf(stderr, "mmu_map(%#llx, %#llx, %#llx): %s\n", (unsigned long long)va,
                 (unsigned long long)pa, (unsigned long long)len, mmu_strerror(s));
    std::abort();
  }
}

std::vector<uint64_t> FullWalkStream(Env &e) {
  const uint64_t slots = 256, per = 16, page = 4096;
  for (uint64_t s = 0; s < slots; s++)
    e.Map((s << 39) + 0x200000, 0x40000000 + s * per * page, per * page);
  std::vector<uint64_t> va;
  for (uint64_t j = 0; j < per; j++)
    for (uint64_t s = 0; s < slots; s++)
      va.push_back((s << 39) + 0x200000 + j * page);
  return va;
}

namespace {
struct Fig {
  int order;
  double value;
  std::string unit;
  double target;
  bool higher;
  std::string note;
};
std::map<std::string, Fig> &Figs() {
  static std::map<std::string, Fig> f;
  return f;
}
} // namespace

void Record(const std::string &name, double value, const std::string &unit, double target,
            bool higher_better, const std::string &note) {
  auto &f = Figs();
  int order = f.count(name) ? f[name].order : (int)f.size();
  f[name] = Fig{order, value, unit, target, higher_better, note};
}

double Figure(const std::string &name) {
  auto it = Figs().find(name);
  return it == Figs().end() ? NAN : it->second.value;
}

std::string Fmt(double v) {
  char b[64];
  if (std::fabs(v) >= 100 || v == std::floor(v))
    std::snprintf(b, sizeof b, "%.0f", v);
  else if (std::fabs(v) >= 10)
    std::snprintf(b, sizeof b, "%.1f", v);
  else
    std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

void PrintSummary() {
  auto &f = Figs();
  if (f.empty()) return;
  std::vector<std::pair<int, std::string>> order;
  for (auto &kv : f)
    order.push_back({kv.second.order, kv.first});
  std::sort(order.begin(), order.end());
  std::printf("\n==== mmusim benchmark summary ====\n");
  std::printf("%-56s %12s %-8s %10s  %s\n", "figure", "measured", "unit", "target", "verdict");
  for (auto &o : order) {
    const Fig &g = f[o.second];
    std::string tgt = "-", verdict = "info";
    if (g.target > 0) {
      tgt = (g.higher ? ">= " : "<= ") + Fmt(g.target);
      bool ok = g.higher ? g.value >= g.target : g.value <= g.target;
      verdict = ok ? "MET" : "MISSED";
    }
    std::printf("%-56s %12s %-8s %10s  %s\n", o.second.c_str(), Fmt(g.value).c_str(),
                g.unit.c_str(), tgt.c_str(), verdict.c_str());
    if (!g.note.empty()) std::printf("    %s\n", g.note.c_str());
  }
  // Ratios between figures of this one run.
  struct R {
    const char *a, *b, *what;
  } ratios[] = {
      {"translate: TLB-hit stream", "translate: full-walk stream", "TLB hit / full walk speed"},
      {"translate: PWC-hit stream", "translate: full-walk stream", "PWC hit / full walk speed"},
      {"trace: replay 10 M accesses", "trace: parse only, 10 M accesses",
       "replay time / parse-only time"},
      {"faults: first touch", "faults: copy-on-write", "first-touch / COW fault rate"},
      {"walker C (RTL config): walks", "walker RTL alone: walks", "C walker / RTL walker speed"},
      {"walker RTL alone: walks", "walker RTL lockstep: walks", "RTL alone / RTL lockstep speed"},
  };
  bool header = false;
  for (auto &r : ratios) {
    double a = Figure(r.a), b = Figure(r.b);
    if (std::isnan(a) || std::isnan(b) || b == 0) continue;
    if (!header) std::printf("ratios (same run):\n");
    header = true;
    std::printf("    %-40s %8.2fx\n", r.what, a / b);
  }
  std::fflush(stdout);
}

} // namespace mmubench
