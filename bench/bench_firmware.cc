// bench_firmware.cc — page faults handled per second by the firmware (kernel) model: first
// touch of anonymous memory, and copy-on-write after fork. Each access is a one-byte store
// through mmu_kstore (translate -> fault -> handler -> retry).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "bench_common.h"

using namespace mmubench;

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kPages = 65536; // 256 MiB of user memory per round

struct Kernel {
  mmu_t *m = nullptr;
  mmu_kernel_t *k = nullptr;
  uint32_t pid = 0;
  Kernel() {
    mmu_config_t c;
    mmu_config_default(&c);
    c.phys_bytes = 4ull << 30;
    mmu_kernel_config_t kc;
    mmu_kernel_config_default(&kc);
    kc.max_frames = 3 * kPages; // no reclaim: the fault path alone is measured
    if (mmu_create(&c, &m) || mmu_kernel_create(m, &kc, &k) || mmu_proc_create(k, &pid)) {
      std::fprintf(stderr, "kernel creation failed\n");
      std::abort();
    }
  }
  ~Kernel() {
    mmu_destroy(m);
  }
  uint64_t MapAnon(uint32_t p) {
    uint64_t va = 0;
    if (mmu_mmap(k, p, 0, kPages * kPage, MMU_PROT_READ | MMU_PROT_WRITE,
                 MMU_MAP_PRIVATE | MMU_MAP_ANON, -1, 0, &va))
      std::abort();
    return va;
  }
};

// One kernel for every round; a round maps 256 MiB, stores one byte into each page (one
// MMU_KF_ANON fault each, timed) and unmaps it again (not timed). The first round backs the
// model's frames with fresh host memory (host page faults and zeroing: "cold"); later rounds
// reuse the frames the model freed ("warm"), which is the steady state of a long simulation.
void FaultRounds(benchmark::State &st, bool cow) {
  Kernel k;
  double cold = 0, warm = 0;
  uint64_t warm_faults = 0, rounds = 0;
  mmu_kstats_t ks{};
  char one = 1;
  mmu_koutcome_t o;
  for (auto _ : st) {
    st.PauseTiming();
    uint64_t va = k.MapAnon(k.pid);
    uint32_t who = k.pid, child = 0;
    if (cow) {
      for (uint64_t i = 0; i < kPages; i++)
        mmu_kstore(k.k, k.pid, va + i * kPage, &one, 1, &o);
      if (mmu_proc_fork(k.k, k.pid, &child)) std::abort();
      who = child;
    }
    mmu_kernel_stats_reset(k.k);
    st.ResumeTiming();
    auto t0 = Clock::now();
    for (uint64_t i = 0; i < kPages; i++)
      mmu_kstore(k.k, who, va + i * kPage, &one, 1, &o);
    double secs = Seconds(t0);
    st.PauseTiming();
    mmu_kernel_stats(k.k, &ks);
    uint64_t n = ks.faults_by_kind[cow ? MMU_KF_COW : MMU_KF_ANON];
    if (n != kPages) st.SkipWithError("unexpected fault count");
    if (rounds++ == 0) {
      cold = (double)n / secs;
    } else {
      warm += secs;
      warm_faults += n;
    }
    if (cow) mmu_proc_exit(k.k, child);
    if (mmu_munmap(k.k, k.pid, va, kPages * kPage)) std::abort();
    st.ResumeTiming();
  }
  double rate = warm_faults ? (double)warm_faults / warm : cold;
  double cyc = (double)(ks.fault_cycles + ks.hw_cycles) / (double)ks.faults;
  st.counters["faults/round"] = (double)kPages;
  st.counters["warm_faults/s"] = rate;
  st.counters["cold_faults/s"] = cold;
  st.counters["model_cyc/fault"] = cyc;
  const char *name = cow ? "faults: copy-on-write" : "faults: first touch";
  Record(name, rate / 1e6, "M/s", 2, true,
         "warm (frames recycled); cold first round " + Fmt(cold / 1e6) + " M/s; " + Fmt(cyc) +
             " modelled cycles per fault (kernel + hardware)");
}

void BM_FaultFirstTouch(benchmark::State &st) {
  FaultRounds(st, false);
}
void BM_FaultCow(benchmark::State &st) {
  FaultRounds(st, true);
}

BENCHMARK(BM_FaultFirstTouch)->Unit(benchmark::kMillisecond)->Iterations(4);
BENCHMARK(BM_FaultCow)->Unit(benchmark::kMillisecond)->Iterations(4);

} // namespace
