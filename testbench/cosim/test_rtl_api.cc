// The RTL walker through the C API (library mmusim_rtl): mmu_rtl_attach in LOCKSTEP and ONLY
// modes, driven through mmu_translate (TLBs + page-walk cache + the Verilated walker).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <deque>
#include <set>
#include <string>

#include "cosim_gen.h"
#include "gtkwave/fstapi.h"
#include "mmusim.h"

extern "C" {
#include "mmu.h"
}

using namespace cosim;

#ifndef COSIM_WAVE_DIR
#define COSIM_WAVE_DIR "."
#endif

namespace {

std::string mismatch_text(mmu_t *m) {
  mmu_rtl_mismatch_t mm;
  if (mmu_rtl_last_mismatch(m, &mm) != MMU_OK) return "(no mismatch)";
  char buf[2048];
  return mmu_rtl_mismatch_str(&mm, buf, sizeof buf);
}

uint64_t env_u64(const char *name, uint64_t def) {
  const char *v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 0) : def;
}

struct Mmu {
  explicit Mmu(const mmu_config_t &c) {
    EXPECT_EQ(mmu_create(&c, &m), MMU_OK);
  }
  ~Mmu() {
    mmu_destroy(m);
  }
  mmu_t *m = nullptr;
};

// ---- attach rules -------------------------------------------------------------------------------
TEST(RtlApi, AttachChecksFormatAndConfiguration) {
  mmu_config_t c = rtl_config(MMU_FMT_X86_64_4L);
  {
    Mmu a(c);
    EXPECT_EQ(mmu_rtl_attach(nullptr, MMU_RTL_ONLY, nullptr), MMU_ERR_NULL);
    EXPECT_EQ(mmu_rtl_attach(a.m, static_cast<mmu_rtl_mode_t>(9), nullptr), MMU_ERR_ARG);
    mmu_rtl_stats_t st;
    EXPECT_EQ(mmu_rtl_stats(a.m, &st), MMU_ERR_STATE); // not attached
    EXPECT_EQ(mmu_rtl_attach(a.m, MMU_RTL_LOCKSTEP, nullptr), MMU_OK);
    EXPECT_EQ(mmu_rtl_stats(a.m, &st), MMU_OK);
    EXPECT_EQ(st.mode, MMU_RTL_LOCKSTEP);
    EXPECT_EQ(mmu_rtl_attach(a.m, MMU_RTL_ONLY, nullptr), MMU_OK); // re-attach
    EXPECT_EQ(mmu_rtl_attach(a.m, MMU_RTL_OFF, nullptr), MMU_OK);
    EXPECT_EQ(mmu_rtl_stats(a.m, &st), MMU_ERR_STATE);
    mmu_rtl_mismatch_t mm;
    EXPECT_EQ(mmu_rtl_last_mismatch(a.m, &mm), MMU_ERR_STATE);
    EXPECT_EQ(mmu_rtl_attach(a.m, MMU_RTL_ONLY, "/nonexistent-dir/x.fst"), MMU_ERR_IO);
  }
  {
    mmu_config_t d = c;
    d.format = MMU_FMT_SV39;
    Mmu a(d);
    EXPECT_EQ(mmu_rtl_attach(a.m, MMU_RTL_LOCKSTEP, nullptr), MMU_ERR_STATE);
  }
  {
    mmu_config_t d = c;
    d.pa_bits = 52;
    Mmu a(d);
    EXPECT_EQ(mmu_rtl_attach(a.m, MMU_RTL_LOCKSTEP, nullptr), MMU_ERR_CONFIG);
  }
  {
    mmu_config_t d;
    mmu_config_default(&d); // set-associative PWC: not what the RTL has
    Mmu a(d);
    EXPECT_EQ(mmu_rtl_attach(a.m, MMU_RTL_LOCKSTEP, nullptr), MMU_ERR_CONFIG);
  }
  {
    mmu_config_t d = c;
    for (auto &p : d.pwc)
      p = mmu_pwc_config_t{0, 0, 0}; // no PWC: accepted (RTL flushed)
    Mmu a(d);
    EXPECT_EQ(mmu_rtl_attach(a.m, MMU_RTL_LOCKSTEP, nullptr), MMU_OK);
  }
  {
    mmu_config_t d = rtl_config(MMU_FMT_X86_64_5L);
    Mmu a(d);
    EXPECT_EQ(mmu_rtl_attach(a.m, MMU_RTL_ONLY, nullptr), MMU_OK);
  }
}

// ---- random lockstep through mmu_translate ----------------------------------------------------
// TLBs, PWC and the RTL walker; random control bits, invalidations and PTE changes without
// invalidation (stale TLB / PWC entries), several ASIDs.
void random_lockstep(mmu_format_t fmt, const mmu_config_t &cfg, uint64_t seed, unsigned n) {
  Scenario sc(fmt, seed);
  Mmu a(cfg);
  sc.build(a.m);
  ASSERT_EQ(mmu_rtl_attach(a.m, MMU_RTL_LOCKSTEP, nullptr), MMU_OK);
  std::mt19937_64 g(seed * 7 + 1);
  mmu_ctrl_t ctrl = Scenario::random_ctrl(g);
  mmu_set_ctrl(a.m, &ctrl);
  std::set<mmu_fault_kind_t> kinds;
  std::deque<Corruption> live;
  unsigned ok = 0;
  for (unsigned i = 0; i < n; ++i) {
    const unsigned k = g() % 1000;
    if (k < 40) {
      ctrl = Scenario::random_ctrl(g);
      mmu_set_ctrl(a.m, &ctrl);
    } else if (k < 50) {
      mmu_invalidate(a.m, static_cast<mmu_inval_t>(g() % 4), sc.asids()[g() % 3], g());
    } else if (k < 60) { // PTE change without invalidation; the oldest of 6 is undone
      live.push_back(sc.random_corruption(g));
      sc.apply(a.m, live.back());
      if (live.size() > 6) {
        sc.apply(a.m, live.front());
        live.pop_front();
      }
    }
    const mmu_access_t acc = sc.random_access(g);
    mmu_result_t r;
    ASSERT_EQ(mmu_translate(a.m, &acc, &r), MMU_OK);
    kinds.insert(r.fault.kind);
    ok += r.fault.kind == MMU_FAULT_NONE;
    mmu_rtl_stats_t st;
    ASSERT_EQ(mmu_rtl_stats(a.m, &st), MMU_OK);
    ASSERT_EQ(st.mismatches, 0u) << "access " << i << "\n" << mismatch_text(a.m);
  }
  mmu_rtl_stats_t st;
  ASSERT_EQ(mmu_rtl_stats(a.m, &st), MMU_OK);
  mmu_stats_t ms;
  mmu_stats_get(a.m, &ms);
  EXPECT_GT(st.walks, n / 10);
  EXPECT_EQ(st.reads, ms.walk_reads);
  EXPECT_EQ(st.writes, ms.walk_writes);
  EXPECT_GT(st.writes, 0u);
  if (cfg.pwc[0].entries)
    EXPECT_GT(ms.pwc_hits_by_level[1] + ms.pwc_hits_by_level[2] + ms.pwc_hits_by_level[3], 0u);
  EXPECT_GE(kinds.size(), 8u);
  EXPECT_GT(ok, n / 5);
  // LOCKSTEP answers every reference in one clock; rtl_cycles adds the latencies the C walk paid.
  EXPECT_GE(st.clocks, st.walks * 2);
  EXPECT_LT(st.clocks, st.rtl_cycles);
  std::printf("[ lockstep ] %u accesses (%u translated), %llu walks, %llu reads, %llu writes, rtl "
              "%llu cycles, "
              "model %llu cycles, %zu fault kinds\n",
              n, ok, (unsigned long long)st.walks, (unsigned long long)st.reads,
              (unsigned long long)st.writes, (unsigned long long)st.rtl_cycles,
              (unsigned long long)st.model_cycles, kinds.size());
}

TEST(RtlApiLockstep, RandomTranslate4Level) {
  random_lockstep(MMU_FMT_X86_64_4L, rtl_config(MMU_FMT_X86_64_4L), env_u64("RTL_API_SEED", 11),
                  static_cast<unsigned>(env_u64("RTL_API_WALKS", 20000)));
}

TEST(RtlApiLockstep, RandomTranslate5Level) {
  random_lockstep(MMU_FMT_X86_64_5L, rtl_config(MMU_FMT_X86_64_5L), env_u64("RTL_API_SEED", 12),
                  8000);
}

TEST(RtlApiLockstep, RandomTranslateNoPwcNoTlb) {
  mmu_config_t c = rtl_config(MMU_FMT_X86_64_4L, false);
  for (auto &p : c.pwc)
    p = mmu_pwc_config_t{0, 0, 0};
  random_lockstep(MMU_FMT_X86_64_4L, c, 13, 5000);
}

// A disagreement is data, never an abort: make the two page-walk caches differ behind the
// backend's back (flush only the C one, through the model's internal API) and check the report.
TEST(RtlApiLockstep, DisagreementIsReportedWithBothResults) {
  mmu_config_t c = rtl_config(MMU_FMT_X86_64_4L, false);
  Mmu a(c);
  ASSERT_EQ(mmu_space_create(a.m, 1), MMU_OK);
  ASSERT_EQ(mmu_map(a.m, 1, 0x400000, 0x100000, 0x2000, MMU_PERM_ALL, MMU_PAGE_4K), MMU_OK);
  ASSERT_EQ(mmu_rtl_attach(a.m, MMU_RTL_LOCKSTEP, nullptr), MMU_OK);
  std::vector<std::string> seen;
  ASSERT_EQ(mmu_rtl_set_mismatch_fn(
                a.m,
                [](const mmu_rtl_mismatch_t *mm, void *ctx) {
                  char buf[2048];
                  static_cast<std::vector<std::string> *>(ctx)->push_back(
                      mmu_rtl_mismatch_str(mm, buf, sizeof buf));
                },
                &seen),
            MMU_OK);
  mmu_access_t acc{0x400123, MMU_OP_READ, true, false, 1};
  mmu_result_t r;
  ASSERT_EQ(mmu_translate(a.m, &acc, &r), MMU_OK); // fills both page-walk caches
  mmu_pwc_invalidate(a.m->pwc, MMU_INVAL_ALL, 0);  // the C one only
  acc.va = 0x401008;
  ASSERT_EQ(mmu_translate(a.m, &acc, &r), MMU_OK); // RTL: 1 read (PWC hit); C: 4 reads
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);         // the C result is the one returned
  EXPECT_EQ(r.walk_reads, 4u);
  mmu_rtl_stats_t st;
  ASSERT_EQ(mmu_rtl_stats(a.m, &st), MMU_OK);
  EXPECT_EQ(st.mismatches, 1u);
  ASSERT_EQ(seen.size(), 1u);
  mmu_rtl_mismatch_t mm;
  ASSERT_EQ(mmu_rtl_last_mismatch(a.m, &mm), MMU_OK);
  EXPECT_EQ(mm.walk, 1u);
  EXPECT_EQ(mm.acc.va, 0x401008u);
  EXPECT_TRUE(mm.diff & MMU_RTL_DIFF_REFS);
  EXPECT_EQ(mm.rtl.reads, 1u);
  EXPECT_EQ(mm.model.reads, 4u);
  EXPECT_NE(seen[0].find("rtl:"), std::string::npos);
  EXPECT_NE(seen[0].find("model:"), std::string::npos);
  EXPECT_NE(seen[0].find("va=0000000000401008"), std::string::npos) << seen[0];
  // Both caches were flushed after the report: the next walks agree again.
  acc.va = 0x400000;
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(mmu_translate(a.m, &acc, &r), MMU_OK);
  ASSERT_EQ(mmu_rtl_stats(a.m, &st), MMU_OK);
  EXPECT_EQ(st.mismatches, 1u);
}

// ---- directed lockstep: every fault kind and page size ------------------------------------------
class Directed : public ::testing::TestWithParam<mmu_format_t> {
protected:
  void SetUp() override {
    cfg = rtl_config(GetParam(), false, 4ull << 30);
    ASSERT_EQ(mmu_create(&cfg, &m), MMU_OK);
    ASSERT_EQ(mmu_space_create(m, 1), MMU_OK);
    ASSERT_EQ(mmu_rtl_attach(m, MMU_RTL_LOCKSTEP, nullptr), MMU_OK);
    levels = fmt_levels(GetParam());
  }
  void TearDown() override {
    mmu_destroy(m);
  }
  mmu_result_t run(uint64_t va, mmu_op_t op, bool user, bool implicit = false) {
    mmu_access_t acc{va, op, user, implicit, 1};
    mmu_result_t r{};
    EXPECT_EQ(mmu_translate(m, &acc, &r), MMU_OK);
    mmu_rtl_stats_t st;
    mmu_rtl_stats(m, &st);
    EXPECT_EQ(st.mismatches, 0u) << mismatch_text(m);
    return r;
  }
  void set_pte(uint64_t va, int level, uint64_t xor_bits) {
    const uint64_t a = pte_addr_at(m, 1, va, level, levels);
    ASSERT_NE(a, 0u);
    uint64_t v = 0;
    mmu_phys_read(m, a, &v, 8);
    v ^= xor_bits;
    mmu_phys_write(m, a, &v, 8);
    mmu_invalidate(m, MMU_INVAL_ALL, 0, 0);
  }
  void ctrl(bool smep, bool smap, bool pke, uint32_t pkru, bool nxe = true, bool wp = true) {
    mmu_ctrl_t c{};
    c.wp = wp, c.nxe = nxe, c.smep = smep, c.smap = smap, c.pke = pke, c.pkru = pkru;
    mmu_set_ctrl(m, &c);
  }
  mmu_config_t cfg;
  mmu_t *m = nullptr;
  int levels = 4;
};

TEST_P(Directed, EveryPageSize) {
  const uint64_t va4 = 0x7f0000201000ull, va2 = 0x7f0000400000ull, va1 = 0x7f0040000000ull;
  ASSERT_EQ(mmu_map(m, 1, va4, 0x10000000, 0x1000, MMU_PERM_ALL, MMU_PAGE_4K), MMU_OK);
  ASSERT_EQ(mmu_map(m, 1, va2, 0x10200000, 0x200000, MMU_PERM_ALL, MMU_PAGE_2M), MMU_OK);
  ASSERT_EQ(mmu_map(m, 1, va1, 0x40000000, 0x40000000, MMU_PERM_ALL, MMU_PAGE_1G), MMU_OK);
  const struct {
    uint64_t va, pa;
    mmu_page_size_t size;
  } k[] = {{va4 + 0x123, 0x10000123, MMU_PAGE_4K},
           {va2 + 0x12345, 0x10212345, MMU_PAGE_2M},
           {va1 + 0x1234567, 0x41234567, MMU_PAGE_1G}};
  for (const auto &c : k) {
    for (mmu_op_t op : {MMU_OP_WRITE, MMU_OP_READ, MMU_OP_EXEC}) {
      mmu_invalidate(m, MMU_INVAL_ALL, 0, 0);
      const mmu_result_t r = run(c.va, op, true);
      EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
      EXPECT_EQ(r.pa, c.pa);
      EXPECT_EQ(r.size, c.size);
      EXPECT_EQ(r.where, MMU_HIT_WALK);
    }
  }
  mmu_rtl_stats_t st;
  mmu_rtl_stats(m, &st);
  EXPECT_EQ(st.walks, 9u);
  EXPECT_GT(st.writes, 0u); // A then D on the first write of each page
}

TEST_P(Directed, EveryFaultKind) {
  const uint64_t va = 0x7f0000201000ull;
  const uint32_t all = MMU_PERM_ALL;
  ASSERT_EQ(mmu_map(m, 1, va, 0x10000000, 0x1000, all, MMU_PAGE_4K), MMU_OK);
  ASSERT_EQ(mmu_map(m, 1, 0x7f0000600000ull, 0x10400000, 0x200000, all, MMU_PAGE_2M), MMU_OK);
  ctrl(false, false, false, 0);
  EXPECT_EQ(run(va + 0x1000, MMU_OP_READ, true).fault.kind, MMU_FAULT_NOT_PRESENT);
  EXPECT_EQ(run(0x8000000000000000ull, MMU_OP_READ, true).fault.kind, MMU_FAULT_NONCANONICAL);
  set_pte(va, 0, 1ull << 50); // reserved address bit
  EXPECT_EQ(run(va, MMU_OP_READ, true).fault.kind, MMU_FAULT_RSVD);
  set_pte(va, 0, 1ull << 50);
  set_pte(0x7f0000600000ull, 1, 1ull << 14); // 2M frame not aligned
  EXPECT_EQ(run(0x7f0000600000ull, MMU_OP_READ, true).fault.kind, MMU_FAULT_MISALIGNED);
  set_pte(0x7f0000600000ull, 1, 1ull << 14);
  set_pte(va, 0, kUs);
  EXPECT_EQ(run(va, MMU_OP_READ, true).fault.kind, MMU_FAULT_USER);
  set_pte(va, 0, kUs | kRw);
  EXPECT_EQ(run(va, MMU_OP_WRITE, true).fault.kind, MMU_FAULT_WRITE);
  set_pte(va, 0, kRw | kNx);
  EXPECT_EQ(run(va, MMU_OP_EXEC, true).fault.kind, MMU_FAULT_NX);
  set_pte(va, 0, kNx);
  ctrl(true, true, false, 0);
  EXPECT_EQ(run(va, MMU_OP_EXEC, false).fault.kind, MMU_FAULT_SMEP);
  EXPECT_EQ(run(va, MMU_OP_READ, false).fault.kind, MMU_FAULT_SMAP);
  EXPECT_EQ(run(va, MMU_OP_READ, false, true).fault.kind, MMU_FAULT_SMAP);
  ctrl(false, false, true, 3u << 0); // key 0: AD and WD
  mmu_result_t r = run(va, MMU_OP_READ, true);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_PKEY);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P | MMU_PFEC_U | MMU_PFEC_PK);
  ctrl(false, false, false, 0, false); // NX with NXE=0: reserved
  set_pte(va, 0, kNx);
  EXPECT_EQ(run(va, MMU_OP_READ, true).fault.kind, MMU_FAULT_RSVD);
  set_pte(va, 0, kNx);
  // A PTE pointing beyond physical memory (4 GiB): the walk's next read is a bus error.
  set_pte(va, 1, 1ull << 40);
  r = run(va, MMU_OP_READ, true);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_BUS);
  EXPECT_EQ(r.fault.level, 0);
  set_pte(va, 1, 1ull << 40);
  EXPECT_EQ(run(va, MMU_OP_READ, true).fault.kind, MMU_FAULT_NONE);
}

INSTANTIATE_TEST_SUITE_P(Formats, Directed, ::testing::Values(MMU_FMT_X86_64_4L, MMU_FMT_X86_64_5L),
                         [](const auto &i) { return i.param == MMU_FMT_X86_64_4L ? "L4" : "L5"; });

// ---- protection-control sweep
// -------------------------------------------------------------------- WP, SMEP, SMAP, AC, NXE,
// PKE, PKRU x user/supervisor x read/write/exec x implicit x leaf R/W, U/S, NX, key x upper-level
// R/W, U/S: C and RTL must agree on every field.
TEST(RtlApiLockstep, ProtectionControlSweep) {
  mmu_config_t c = rtl_config(MMU_FMT_X86_64_4L, false);
  Mmu a(c);
  ASSERT_EQ(mmu_space_create(a.m, 1), MMU_OK);
  ASSERT_EQ(mmu_rtl_attach(a.m, MMU_RTL_LOCKSTEP, nullptr), MMU_OK);
  // 64 pages: leaf bits (RW, US, NX, key 0/7) x the level-1 entry's RW, US (own 2M region each).
  std::vector<uint64_t> vas;
  for (unsigned up = 0; up < 4; ++up) {
    for (unsigned leaf = 0; leaf < 16; ++leaf) {
      const uint64_t va = 0x10000000000ull + (uint64_t(up) << 21) + (uint64_t(leaf) << 12);
      uint32_t perm = MMU_PERM_R;
      if (leaf & 1) perm |= MMU_PERM_W;
      if (leaf & 2) perm |= MMU_PERM_U;
      if (!(leaf & 4)) perm |= MMU_PERM_X;
      if (leaf & 8) perm |= MMU_PERM_PKEY(7);
      ASSERT_EQ(mmu_map(a.m, 1, va, 0x20000000 + (vas.size() << 12), 0x1000, perm, MMU_PAGE_4K),
                MMU_OK);
      vas.push_back(va);
    }
    const uint64_t pde = pte_addr_at(a.m, 1, vas.back(), 1, 4);
    uint64_t v = 0;
    mmu_phys_read(a.m, pde, &v, 8);
    v &= ~(kRw | kUs);
    v |= (up & 1 ? kRw : 0) | (up & 2 ? kUs : 0);
    mmu_phys_write(a.m, pde, &v, 8);
  }
  const uint32_t pkrus[] = {0, 1u << 14, 2u << 14, 0x55555555u & ~3u};
  uint64_t walks = 0;
  std::set<std::pair<int, uint32_t>> outcomes;
  for (unsigned bits = 0; bits < 64; ++bits) {
    for (uint32_t pkru : pkrus) {
      mmu_ctrl_t ctl{};
      ctl.wp = bits & 1, ctl.smep = bits & 2, ctl.smap = bits & 4, ctl.ac = bits & 8;
      ctl.nxe = bits & 16, ctl.pke = bits & 32, ctl.pkru = pkru;
      mmu_set_ctrl(a.m, &ctl);
      for (uint64_t va : vas) {
        for (unsigned mode = 0; mode < 12; ++mode) {
          mmu_access_t acc{va | 0x88, static_cast<mmu_op_t>(mode % 3), (mode / 3) % 2 == 1,
                           mode >= 6, 1};
          if (acc.user && acc.implicit) continue;
          mmu_result_t r;
          ASSERT_EQ(mmu_translate(a.m, &acc, &r), MMU_OK);
          ++walks;
          outcomes.insert({r.fault.kind, r.fault.error_code});
        }
      }
      mmu_rtl_stats_t st;
      mmu_rtl_stats(a.m, &st);
      ASSERT_EQ(st.mismatches, 0u) << mismatch_text(a.m);
    }
  }
  mmu_rtl_stats_t st;
  mmu_rtl_stats(a.m, &st);
  EXPECT_EQ(st.walks, walks);
  EXPECT_GE(outcomes.size(), 20u); // many distinct (kind, error code) pairs were exercised
  std::set<int> kinds;
  for (const auto &o : outcomes)
    kinds.insert(o.first);
  for (int k : {MMU_FAULT_NONE, MMU_FAULT_RSVD, MMU_FAULT_USER, MMU_FAULT_WRITE, MMU_FAULT_NX,
                MMU_FAULT_SMEP, MMU_FAULT_SMAP, MMU_FAULT_PKEY})
    EXPECT_EQ(kinds.count(k), 1u) << mmu_fault_kind_name(static_cast<mmu_fault_kind_t>(k));
  bool pk_on_other = false;
  for (const auto &o : outcomes)
    pk_on_other |= o.first != MMU_FAULT_PKEY && (o.second & MMU_PFEC_PK);
  EXPECT_TRUE(pk_on_other) << "PK flag on a non-PKEY fault never exercised";
}

// ---- ONLY mode: the RTL alone gives the C walker's results --------------------------------------
// Two identical MMUs, one with the RTL as its only walker; every translation must give the same
// result (cycles aside) and both memories must hold the same PTEs at the end.
TEST(RtlApiOnly, SameResultsAsTheCWalker) {
  const mmu_format_t fmt = MMU_FMT_X86_64_4L;
  Scenario sc(fmt, 21);
  const mmu_config_t c = rtl_config(fmt);
  Mmu rtl(c), ref(c);
  sc.build(rtl.m);
  sc.build(ref.m);
  ASSERT_EQ(mmu_rtl_attach(rtl.m, MMU_RTL_ONLY, nullptr), MMU_OK);
  std::mt19937_64 g(5);
  for (unsigned i = 0; i < 6000; ++i) {
    const unsigned k = g() % 1000;
    if (k < 30) {
      const mmu_ctrl_t ctl = Scenario::random_ctrl(g);
      mmu_set_ctrl(rtl.m, &ctl);
      mmu_set_ctrl(ref.m, &ctl);
    } else if (k < 40) { // ALL: the RTL PWC has no per-ASID flush (see docs/cosim.md)
      mmu_invalidate(rtl.m, MMU_INVAL_ALL, 0, 0);
      mmu_invalidate(ref.m, MMU_INVAL_ALL, 0, 0);
    } else if (k < 48) {
      const Corruption cr = sc.random_corruption(g);
      sc.apply(rtl.m, cr);
      sc.apply(ref.m, cr);
    }
    const mmu_access_t acc = sc.random_access(g);
    mmu_result_t a, b;
    ASSERT_EQ(mmu_translate(rtl.m, &acc, &a), MMU_OK);
    ASSERT_EQ(mmu_translate(ref.m, &acc, &b), MMU_OK);
    SCOPED_TRACE("access " + std::to_string(i));
    ASSERT_EQ(a.fault.kind, b.fault.kind);
    ASSERT_EQ(a.fault.level, b.fault.level);
    ASSERT_EQ(a.fault.pte, b.fault.pte);
    ASSERT_EQ(a.fault.pte_addr, b.fault.pte_addr);
    ASSERT_EQ(a.fault.error_code, b.fault.error_code);
    ASSERT_EQ(a.pa, b.pa);
    ASSERT_EQ(a.size, b.size);
    ASSERT_EQ(a.where, b.where);
    ASSERT_EQ(a.pwc_level, b.pwc_level);
    ASSERT_EQ(a.walk_reads, b.walk_reads);
    ASSERT_EQ(a.walk_writes, b.walk_writes);
    ASSERT_EQ(a.writable, b.writable);
    ASSERT_EQ(a.user, b.user);
    ASSERT_EQ(a.executable, b.executable);
    if (a.where == MMU_HIT_WALK) ASSERT_GT(a.cycles.walk, 0u);
  }
  mmu_stats_t sa, sb;
  mmu_stats_get(rtl.m, &sa);
  mmu_stats_get(ref.m, &sb);
  EXPECT_EQ(sa.walk_reads, sb.walk_reads);
  EXPECT_EQ(sa.cache_hits[0], sb.cache_hits[0]);
  EXPECT_EQ(sa.dram_reads, sb.dram_reads);
  mmu_rtl_stats_t st;
  mmu_rtl_stats(rtl.m, &st);
  // The model's estimate for the RTL's walks equals what the C MMU charged for its own.
  EXPECT_EQ(st.model_cycles, sb.cycles.pwc + sb.cycles.walk + sb.cycles.ad);
  EXPECT_GT(st.rtl_cycles, 0u);
  EXPECT_GE(st.clocks, st.rtl_cycles); // ONLY: every cycle simulated, handshakes included
  for (const Region &r : sc.regions()) { // same A/D bits left in both memories
    const uint64_t pa = pte_addr_at(rtl.m, r.asid, r.va, 0, 4);
    if (!pa) continue;
    uint64_t x = 0, y = 0;
    mmu_phys_read(rtl.m, pa, &x, 8);
    mmu_phys_read(ref.m, pa, &y, 8);
    ASSERT_EQ(x, y) << std::hex << r.va;
  }
}

// ---- waveform
// ------------------------------------------------------------------------------------
TEST(RtlApiWave, FstWrittenWithWalkerSignals) {
  const std::string dir = COSIM_WAVE_DIR;
  ::mkdir(dir.c_str(), 0755);
  const std::string path = dir + "/rtl_api.fst";
  std::remove(path.c_str());
  {
    mmu_config_t c = rtl_config(MMU_FMT_X86_64_4L);
    Mmu a(c);
    ASSERT_EQ(mmu_space_create(a.m, 1), MMU_OK);
    ASSERT_EQ(mmu_map(a.m, 1, 0x400000, 0x100000, 0x4000, MMU_PERM_ALL, MMU_PAGE_4K), MMU_OK);
    ASSERT_EQ(mmu_rtl_attach(a.m, MMU_RTL_ONLY, path.c_str()), MMU_OK);
    for (uint64_t va : {0x400000ull, 0x401000ull, 0x402000ull, 0x900000ull}) {
      mmu_access_t acc{va, MMU_OP_WRITE, true, false, 1};
      mmu_result_t r;
      ASSERT_EQ(mmu_translate(a.m, &acc, &r), MMU_OK);
    }
  } // mmu_destroy closes the waveform
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
  void *ctx = fstReaderOpen(path.c_str());
  ASSERT_NE(ctx, nullptr);
  EXPECT_GT(fstReaderGetEndTime(ctx), 100u);
  std::vector<std::string> scope;
  std::set<std::string> vars;
  while (fstHier *h = fstReaderIterateHier(ctx)) {
    if (h->htyp == FST_HT_SCOPE) scope.push_back(h->u.scope.name);
    if (h->htyp == FST_HT_UPSCOPE && !scope.empty()) scope.pop_back();
    if (h->htyp == FST_HT_VAR) {
      std::string s;
      for (const auto &c : scope)
        s += c + ".";
      const std::string n = h->u.var.name;
      vars.insert(s + n.substr(0, n.find(' ')));
    }
  }
  fstReaderClose(ctx);
  for (const char *sig : {"clk_i", "state_q", "level_q", "req_va_i", "mem_req_addr_o",
                          "mem_rsp_valid_i", "rsp_fault_o", "rsp_error_code_o"})
    EXPECT_EQ(vars.count(std::string("TOP.mmu_walker.") + sig), 1u) << sig;
}

} // namespace
