// bench_common.h — helpers shared by the benchmark files: an MMU owner, timing, and the
// summary of every figure against its target that is printed after the run.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

extern "C" {
#include "mmusim.h"
}

namespace mmubench {

using Clock = std::chrono::steady_clock;
inline double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// An MMU with the default configuration and address space 1.
struct Env {
  mmu_t *m = nullptr;
  explicit Env(const mmu_config_t *cfg = nullptr);
  ~Env();
  Env(const Env &) = delete;
  Env &operator=(const Env &) = delete;
  void Map(uint64_t va, uint64_t pa, uint64_t len,
           uint32_t perm = MMU_PERM_R | MMU_PERM_W | MMU_PERM_U);
};

// Maps 16 pages in each of 256 PML4 slots of e's address space 1 and returns them visited
// slot-interleaved: every access misses both TLBs and every page-walk cache of the default
// configuration (2 PML4E, 4 PDPTE, 32 PDE entries), so each walk loads 4 PTEs.
std::vector<uint64_t> FullWalkStream(Env &e);

// Records a figure (the last call for a name wins: Google Benchmark's final, longest run).
// target 0 = informational. higher_better: the figure must be >= target, else <= target.
void Record(const std::string &name, double value, const std::string &unit, double target,
            bool higher_better, const std::string &note);
// Value of a recorded figure, or NaN.
double Figure(const std::string &name);
std::string Fmt(double v);
void PrintSummary();

} // namespace mmubench
