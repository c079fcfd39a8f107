// bench_mmu.cc — throughput and footprint of the model: translations per second on a TLB-hit,
// a page-walk-cache-hit and a full-walk stream, lackey trace replay, model bytes per mapped
// page. A summary of every figure against its target is printed after the benchmarks.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "bench_common.h"

extern "C" {
#include "mmu.h" /* struct mmu: the memory block, for mmu_mem_host_bytes */
#include "tracegen.h"
}

using namespace mmubench;

namespace {

constexpr uint64_t kPage = 4096;
constexpr int kBatch = 1024; // translations per benchmark iteration

// ---- translation streams ---------------------------------------------------------------------

// The stream's addresses are precomputed so the loop times mmu_translate alone. batch: the
// same stream through mmu_translate_batch, kBatch accesses per call (n is a multiple of kBatch).
void RunStream(benchmark::State &st, Env &e, const std::vector<uint64_t> &va, const char *fig,
               double target, const char *expect_where, bool batch = false) {
  mmu_access_t a = {};
  a.op = MMU_OP_READ;
  a.user = true;
  a.asid = 1;
  mmu_result_t r;
  std::vector<mmu_access_t> acc(va.size(), a);
  for (size_t k = 0; k < va.size(); k++)
    acc[k].va = va[k];
  std::vector<mmu_brief_t> brief(kBatch);
  // Warm up: one pass fills the TLBs / caches into their steady state.
  for (const mmu_access_t &x : acc)
    mmu_translate(e.m, &x, &r);
  mmu_stats_reset(e.m);
  size_t n = va.size(), i = 0;
  uint64_t done = 0;
  auto t0 = Clock::now();
  if (batch) {
    for (auto _ : st) {
      size_t got = 0;
      mmu_translate_batch(e.m, &acc[i], kBatch, brief.data(), &got, nullptr);
      benchmark::DoNotOptimize(brief[kBatch - 1].pa);
      if ((i += kBatch) == n) i = 0;
      done += got;
    }
  } else {
    for (auto _ : st) {
      for (int k = 0; k < kBatch; k++) {
        a.va = va[i];
        if (++i == n) i = 0;
        mmu_translate(e.m, &a, &r);
        benchmark::DoNotOptimize(r.pa);
      }
      done += kBatch;
    }
  }
  double secs = Seconds(t0);
  mmu_stats_t s;
  mmu_stats_get(e.m, &s);
  double l1 = (double)s.dtlb.hits / (double)s.translations;
  double walks = (double)s.walks / (double)s.translations;
  double reads = s.walks ? (double)s.walk_reads / (double)s.walks : 0;
  double pwc1 = s.walks ? (double)s.pwc_hits_by_level[1] / (double)s.walks : 0;
  st.SetItemsProcessed((int64_t)done);
  st.counters["l1_hit"] = l1;
  st.counters["walk_frac"] = walks;
  st.counters["reads/walk"] = reads;
  st.counters["pde_pwc_hit"] = pwc1;
  st.counters["cyc/xlat"] = (double)s.cycles.total / (double)s.translations;
  if (s.faults) st.SkipWithError("faults in a stream that should have none");
  Record(fig, (double)done / secs / 1e6, "M/s", target, true,
         std::string(expect_where) + "; l1_hit=" + Fmt(l1) + " walks/xlat=" + Fmt(walks) +
             " reads/walk=" + Fmt(reads));
}

// 32 pages, within the 64-entry L1 DTLB: every translation is an L1 hit.
std::vector<uint64_t> TlbHitStream(Env &e) {
  const uint64_t base = 0x10000000;
  e.Map(base, 0x40000000, 32 * kPage);
  std::vector<uint64_t> va;
  for (uint64_t i = 0; i < 4096; i++)
    va.push_back(base + (i % 32) * kPage + (i * 72) % kPage);
  return va;
}
void BM_TranslateTlbHit(benchmark::State &st) {
  Env e;
  RunStream(st, e, TlbHitStream(e), "translate: TLB-hit stream", 100, "L1 DTLB hits");
}
// The same stream through mmu_translate_batch: what a replay loop that keeps 16 bytes per
// access instead of the 128-byte mmu_result_t gets.
void BM_TranslateBatchTlbHit(benchmark::State &st) {
  Env e;
  RunStream(st, e, TlbHitStream(e), "translate_batch: TLB-hit stream", 100, "L1 DTLB hits", true);
}

// 8192 pages (32 MiB) walked in order: far beyond the L2 TLB (1536 4 KiB entries, LRU) so every
// access walks, but only 16 PDE entries, so the PDE cache always hits and a walk is one load.
void BM_TranslatePwcHit(benchmark::State &st) {
  Env e;
  const uint64_t base = 0x10000000, pages = 8192;
  e.Map(base, 0x40000000, pages * kPage);
  std::vector<uint64_t> va;
  for (uint64_t i = 0; i < pages; i++)
    va.push_back(base + i * kPage);
  RunStream(st, e, va, "translate: PWC-hit stream", 10, "TLB miss, PDE-cache hit, 1 PTE load");
}

// TLB and page-walk-cache misses on every access: 4 PTE loads per walk (FullWalkStream).
void BM_TranslateFullWalk(benchmark::State &st) {
  Env e;
  std::vector<uint64_t> va = FullWalkStream(e);
  RunStream(st, e, va, "translate: full-walk stream", 10, "TLB + PWC miss, 4 PTE loads");
}
void BM_TranslateBatchFullWalk(benchmark::State &st) {
  Env e;
  std::vector<uint64_t> va = FullWalkStream(e);
  RunStream(st, e, va, "translate_batch: full-walk stream", 10, "TLB + PWC miss, 4 PTE loads",
            true);
}

BENCHMARK(BM_TranslateTlbHit);
BENCHMARK(BM_TranslatePwcHit);
BENCHMARK(BM_TranslateFullWalk);
BENCHMARK(BM_TranslateBatchTlbHit);
BENCHMARK(BM_TranslateBatchFullWalk);

// ---- trace replay ----------------------------------------------------------------------------

constexpr uint64_t kTraceAccesses = 10000000;

const std::string &TracePath() {
  static std::string path;
  if (!path.empty()) return path;
  path = MMUSIM_BENCH_TRACE;
  struct stat sb;
  if (stat(path.c_str(), &sb) == 0 && sb.st_size > 0) return path;
  auto t0 = Clock::now();
  tracegen_stats_t ts;
  if (tracegen_write(path.c_str(), kTraceAccesses, 42, &ts) != 0) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
  std::fprintf(stderr,
               "generated %s: %llu accesses, %llu lines (I %llu, L %llu, S %llu, M %llu), "
               "%.0f MB in %.2f s\n",
               path.c_str(), (unsigned long long)ts.accesses, (unsigned long long)ts.lines,
               (unsigned long long)ts.instr, (unsigned long long)ts.loads,
               (unsigned long long)ts.stores, (unsigned long long)ts.modifies, ts.bytes / 1e6,
               Seconds(t0));
  return path;
}

// Parsing only: the floor under a replay.
void BM_TraceParse(benchmark::State &st) {
  const std::string &path = TracePath();
  uint64_t n = 0;
  double secs = 0;
  for (auto _ : st) {
    auto t0 = Clock::now();
    mmu_trace_t *t;
    if (mmu_trace_open(path.c_str(), MMU_TRACE_AUTO, &t)) st.SkipWithError("open");
    mmu_trace_rec_t rec;
    n = 0;
    mmu_status_t s;
    while ((s = mmu_trace_next(t, &rec)) == MMU_OK)
      n++;
    if (s != MMU_ERR_EOF) st.SkipWithError(mmu_trace_error(t));
    mmu_trace_close(t);
    secs = Seconds(t0);
  }
  st.counters["accesses"] = (double)n;
  st.SetItemsProcessed((int64_t)(n * st.iterations()));
  Record("trace: parse only, 10 M accesses", secs, "s", 0, false, "");
}

// Full replay: a fresh MMU, pages mapped on first touch (a minimal fault handler), every access
// translated with mmu_translate_range.
void BM_TraceReplay(benchmark::State &st) {
  const std::string &path = TracePath();
  uint64_t n = 0, touched = 0;
  double secs = 0;
  mmu_stats_t s = {};
  for (auto _ : st) {
    auto t0 = Clock::now();
    Env e;
    mmu_trace_t *t;
    if (mmu_trace_open(path.c_str(), MMU_TRACE_AUTO, &t)) st.SkipWithError("open");
    mmu_trace_rec_t rec;
    mmu_access_t a = {};
    a.user = true;
    a.asid = 1;
    mmu_result_t r;
    n = touched = 0;
    mmu_status_t ts;
    while ((ts = mmu_trace_next(t, &rec)) == MMU_OK) {
      a.va = rec.va;
      a.op = rec.op;
      for (;;) {
        mmu_translate_range(e.m, &a, rec.size, &r, nullptr);
        if (r.fault.kind != MMU_FAULT_NOT_PRESENT) break;
        uint64_t frame;
        if (mmu_frame_alloc(e.m, &frame) ||
            mmu_map(e.m, 1, r.fault.va & ~(kPage - 1), frame, kPage,
                    MMU_PERM_R | MMU_PERM_W | MMU_PERM_X | MMU_PERM_U, MMU_PAGE_4K)) {
          st.SkipWithError("demand map failed");
          break;
        }
        touched++;
      }
      n++;
    }
    if (ts != MMU_ERR_EOF) st.SkipWithError(mmu_trace_error(t));
    mmu_trace_close(t);
    mmu_stats_get(e.m, &s);
    secs = Seconds(t0);
  }
  st.counters["accesses"] = (double)n;
  st.counters["pages"] = (double)touched;
  st.counters["l1_hit"] = (double)(s.dtlb.hits + s.itlb.hits) / (double)s.translations;
  st.counters["walks"] = (double)s.walks;
  st.SetItemsProcessed((int64_t)(n * st.iterations()));
  Record("trace: replay 10 M accesses", secs, "s", 2.0, false,
         std::to_string(touched) + " pages first-touched, " + Fmt((double)n / secs / 1e6) +
             " M accesses/s");
}

BENCHMARK(BM_TraceParse)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_TraceReplay)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

// ---- model memory per mapped page --------------------------------------------------------------

// Resident set size from /proc/self/statm (frame contents live in mmap'd arenas, which
// mallinfo2 does not see).
long RssBytes() {
  long pages = 0, rss = 0;
  FILE *f = std::fopen("/proc/self/statm", "r");
  if (f) {
    if (std::fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
    std::fclose(f);
  }
  return rss * 4096;
}

size_t ModelBytes(mmu_t *m) {
  size_t frames;
  size_t book = mmu_mem_host_bytes(m->mem, &frames);
  return book + frames;
}

// Maps N 4 KiB pages and measures what the model's state grew by: its memory bookkeeping plus
// the page-table frames (mmu_mem_host_bytes), and independently the process's resident set
// (and, for reference, the malloc heap). The
// mapped data pages themselves are never touched, so they have no host storage.
void MemoryPerPage(benchmark::State &st, bool dense, const char *fig, double target) {
  const uint64_t n = (uint64_t)st.range(0);
  double model = 0, heap = 0, rss = 0, secs = 0;
  for (auto _ : st) {
    Env e;
    struct mallinfo2 h0 = mallinfo2();
    long r0 = RssBytes();
    size_t m0 = ModelBytes(e.m);
    auto t0 = Clock::now();
    if (dense) {
      e.Map(0x10000000, 4ull << 30, n * kPage);
    } else {
      // 64 KiB clusters scattered over 1 TiB of VA: each cluster tends to need its own tables.
      uint64_t rng = 12345;
      for (uint64_t i = 0; i < n / 16; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t va = ((rng >> 24) % (1ull << 40)) & ~0xffffull;
        if (mmu_map(e.m, 1, va, (4ull << 30) + i * 16 * kPage, 16 * kPage, MMU_PERM_R | MMU_PERM_U,
                    MMU_PAGE_4K))
          i--; // overlap: draw again
      }
    }
    secs = Seconds(t0);
    struct mallinfo2 h1 = mallinfo2();
    rss = (double)(RssBytes() - r0) / (double)n;
    model = (double)(ModelBytes(e.m) - m0) / (double)n;
    heap = ((double)h1.uordblks + (double)h1.hblkhd - (double)h0.uordblks - (double)h0.hblkhd) /
           (double)n;
  }
  st.counters["model_B/page"] = model;
  st.counters["heap_B/page"] = heap;
  st.counters["rss_B/page"] = rss;
  st.counters["maps/s"] = (double)n / secs;
  Record(fig, model, "B/page", target, false,
         "malloc heap (mallinfo2) " + Fmt(heap) + " B/page; " + Fmt((double)n / secs / 1e6) +
             " M pages mapped/s");
}

void BM_MemoryPerPageDense(benchmark::State &st) {
  MemoryPerPage(st, true, "memory: model bytes per mapped 4 KiB page (dense)", 64);
}
void BM_MemoryPerPageSparse(benchmark::State &st) {
  MemoryPerPage(st, false, "memory: bytes/page, 64 KiB clusters over 1 TiB (info)", 0);
}
BENCHMARK(BM_MemoryPerPageDense)->Arg(1 << 20)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MemoryPerPageSparse)->Arg(1 << 16)->Iterations(1)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  PrintSummary();
  return 0;
}
