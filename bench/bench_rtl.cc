// bench_rtl.cc — speed of the Verilated page walker (rtl/mmu_walker.sv) behind the C API: walks
// and simulated RTL clock cycles per second, alone (MMU_RTL_ONLY) and in lockstep with the C
// walker (MMU_RTL_LOCKSTEP), against the C walker on the same stream. Built into mmusim_bench
// only when the mmusim_rtl library is (MMUSIM_RTL=ON).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>

#include "bench_common.h"

using namespace mmubench;

namespace {

// The configuration the RTL walker accepts: pa_bits 46, one page-walk-cache entry per upper
// level (docs/cosim.md); everything else is the default.
mmu_config_t RtlConfig() {
  mmu_config_t c;
  mmu_config_default(&c);
  c.pa_bits = 46;
  for (int i = 0; i < MMU_PWC_LEVELS; i++)
    c.pwc[i] = mmu_pwc_config_t{1, 1, c.pwc[i].latency};
  return c;
}

// mode MMU_RTL_OFF is the C walker alone, for the ratios.
void RunWalker(benchmark::State &st, mmu_rtl_mode_t mode, const char *fig) {
  mmu_config_t c = RtlConfig();
  Env e(&c);
  std::vector<uint64_t> va = FullWalkStream(e); // TLB and page-walk-cache misses
  if (mode != MMU_RTL_OFF) {
    mmu_status_t s = mmu_rtl_attach(e.m, mode, nullptr);
    if (s) {
      st.SkipWithError(mmu_strerror(s));
      return;
    }
  }
  mmu_access_t a = {};
  a.op = MMU_OP_READ;
  a.user = true;
  a.asid = 1;
  mmu_result_t r;
  for (uint64_t v : va) { // warm-up: A bits set, frames backed
    a.va = v;
    mmu_translate(e.m, &a, &r);
  }
  mmu_stats_reset(e.m);
  if (mode != MMU_RTL_OFF) mmu_rtl_stats_reset(e.m);
  size_t n = va.size(), i = 0;
  uint64_t done = 0;
  auto t0 = Clock::now();
  for (auto _ : st) {
    for (int k = 0; k < 256; k++) {
      a.va = va[i];
      if (++i == n) i = 0;
      mmu_translate(e.m, &a, &r);
      benchmark::DoNotOptimize(r.pa);
    }
    done += 256;
  }
  double secs = Seconds(t0);
  mmu_stats_t ms;
  mmu_stats_get(e.m, &ms);
  if (ms.faults || ms.walks != done) {
    st.SkipWithError("the stream should walk on every translation, without faults");
    return;
  }
  std::string note =
      "full-walk stream, " + Fmt((double)ms.walk_reads / (double)ms.walks) + " PTE loads per walk";
  if (mode != MMU_RTL_OFF) {
    mmu_rtl_stats_t rs;
    mmu_rtl_stats(e.m, &rs);
    if (rs.mismatches) {
      st.SkipWithError("RTL and C walker disagree");
      return;
    }
    st.counters["clocks/walk"] = (double)rs.clocks / (double)rs.walks;
    Record(std::string(fig) + ": RTL clock cycles simulated", (double)rs.clocks / secs / 1e6,
           "M cyc/s", 0, true,
           Fmt((double)rs.clocks / (double)rs.walks) + " clock cycles simulated per walk" +
               (mode == MMU_RTL_LOCKSTEP ? " (memory answers in 1 cycle), 0 mismatches"
                                         : " (memory answers after the latency model's cycles)"));
  }
  st.SetItemsProcessed((int64_t)done);
  Record(std::string(fig) + ": walks", (double)done / secs / 1e6, "M/s", 0, true, note);
}

void BM_WalkerC(benchmark::State &st) {
  RunWalker(st, MMU_RTL_OFF, "walker C (RTL config)");
}
void BM_WalkerRtlOnly(benchmark::State &st) {
  RunWalker(st, MMU_RTL_ONLY, "walker RTL alone");
}
void BM_WalkerRtlLockstep(benchmark::State &st) {
  RunWalker(st, MMU_RTL_LOCKSTEP, "walker RTL lockstep");
}

BENCHMARK(BM_WalkerC);
BENCHMARK(BM_WalkerRtlOnly);
BENCHMARK(BM_WalkerRtlLockstep);

} // namespace
