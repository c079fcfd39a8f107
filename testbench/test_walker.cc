// test_walker.cc — the page walk: formats, page sizes, fault checks, A/D updates, timing.
#include "support/fixtures.h"

using namespace mmutest;

namespace {

mmu_config_t Cfg(mmu_format_t f = MMU_FMT_X86_64_4L) {
  mmu_config_t c;
  mmu_config_default(&c);
  c.format = f;
  return c;
}

constexpr uint64_t kUserRW = kP | kRW | kUS;

TEST(Walker, FourLevelWalkReachesTheFrameTheHandBuiltTablesName) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x7f1234567000, 0x5000, 0, kUserRW);
  mmu_result_t r = m.Translate(0x7f1234567abc);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(r.pa, 0x5abcu);
  EXPECT_EQ(r.size, MMU_PAGE_4K);
  EXPECT_EQ(r.walk_reads, 4u);
  EXPECT_EQ(r.where, MMU_HIT_WALK);
}

TEST(Walker, FiveLevelWalkUsesFiveReadsAnd57BitAddresses) {
  mmu_config_t c = Cfg(MMU_FMT_X86_64_5L);
  Mmu m(&c);
  HandTables t(m, 1);
  const uint64_t va = 0x00ff123456789000ull; // needs bits above 47
  t.Map(va, 0x9000, 0, kUserRW);
  mmu_result_t r = m.Translate(va + 0x10);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(r.pa, 0x9010u);
  EXPECT_EQ(r.walk_reads, 5u);
}

TEST(Walker, NonCanonicalAddressFaultsBeforeAnyMemoryReference) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  mmu_result_t r = m.Translate(0x0000800000000000ull);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONCANONICAL);
  EXPECT_EQ(r.fault.level, -1);
  EXPECT_EQ(r.walk_reads, 0u);
  EXPECT_EQ(r.fault.error_code, 0u); // #GP, not #PF
  // The same address is canonical under 5-level paging.
  mmu_config_t c5 = Cfg(MMU_FMT_X86_64_5L);
  Mmu m5(&c5);
  EXPECT_EQ(m5.Translate(0x0000800000000000ull).fault.kind, MMU_FAULT_NOT_PRESENT);
}

TEST(Walker, TwoMegabytePageTranslatesWithOneFewerLevel) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x40000000, 0x80000000, 1, kUserRW);
  mmu_result_t r = m.Translate(0x400abcde);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(r.pa, 0x800abcdeu);
  EXPECT_EQ(r.size, MMU_PAGE_2M);
  EXPECT_EQ(r.walk_reads, 3u);
}

TEST(Walker, OneGigabytePageTranslatesWithTwoFewerLevels) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x8000000000ull, 0x40000000, 2, kUserRW);
  mmu_result_t r = m.Translate(0x8012345678ull);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(r.pa, 0x52345678u);
  EXPECT_EQ(r.size, MMU_PAGE_1G);
  EXPECT_EQ(r.walk_reads, 2u);
}

TEST(Walker, MisalignedSuperpageFaultsAsReservedAtItsLevel) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x40000000, 0x80000000 | 0x2000, 1, kUserRW); // bit 13 set inside a 2 MiB frame
  mmu_result_t r = m.Translate(0x40000000);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_MISALIGNED);
  EXPECT_EQ(r.fault.level, 1);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P | MMU_PFEC_U | MMU_PFEC_RSVD);
}

TEST(Walker, ReservedAddressBitAboveMaxPhysAddrFaults) {
  mmu_config_t c = Cfg();
  c.pa_bits = 46;
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x1000, 0x3000 | (1ull << 47), 0, kUserRW);
  mmu_result_t r = m.Translate(0x1000);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_RSVD);
  EXPECT_EQ(r.fault.level, 0);
  EXPECT_EQ(r.fault.pte & (1ull << 47), 1ull << 47);
}

TEST(Walker, NotPresentReportsTheLevelAndEntryWhereTheWalkStopped) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x200000, 0x3000, 0, kUserRW);
  // Same PDPT, different PD entry: the PD entry (level 1) is empty.
  mmu_result_t r = m.Translate(0x400000, MMU_OP_WRITE);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NOT_PRESENT);
  EXPECT_EQ(r.fault.level, 1);
  EXPECT_EQ(r.fault.pte, 0u);
  EXPECT_EQ(r.fault.pte_addr, t.EntryAddr(0x400000, 1));
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_W | MMU_PFEC_U);
}

TEST(Walker, NxFetchFaultsAtTheLeafLevelWithTheFetchBit) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x7ffff000, 0x6000, 0, kUserRW | kNX); // a stack page
  mmu_result_t r = m.Translate(0x7ffff100, MMU_OP_EXEC);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NX);
  EXPECT_EQ(r.fault.level, 0);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P | MMU_PFEC_U | MMU_PFEC_I);
  // Data reads of the same page are fine.
  EXPECT_EQ(m.Translate(0x7ffff100).fault.kind, MMU_FAULT_NONE);
}

TEST(Walker, NxOnAnUpperLevelForbidsFetchesFromEveryPageBelow) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x600000, 0x7000, 0, kUserRW);
  t.SetEntry(0x600000, 1, t.Entry(0x600000, 1) | kNX);
  EXPECT_EQ(m.Translate(0x600000, MMU_OP_EXEC).fault.kind, MMU_FAULT_NX);
}

TEST(Walker, ReadOnlyUpperLevelMakesTheLeafReadOnly) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x600000, 0x7000, 0, kUserRW);
  t.SetEntry(0x600000, 2, t.Entry(0x600000, 2) & ~kRW);
  mmu_result_t r = m.Translate(0x600000, MMU_OP_WRITE);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_WRITE);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P | MMU_PFEC_W | MMU_PFEC_U);
}

TEST(Walker, UserAccessToSupervisorPageFaults) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0xffff800000001000ull, 0x8000, 0, kP | kRW);
  mmu_result_t r = m.Translate(0xffff800000001000ull, MMU_OP_READ, true);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_USER);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P | MMU_PFEC_U);
  EXPECT_EQ(m.Translate(0xffff800000001000ull, MMU_OP_READ, false).fault.kind, MMU_FAULT_NONE);
}

TEST(Walker, AccessedBitsAreSetInMemoryOnEveryLevelAndDirtyOnlyOnWrite) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x1000, 0x3000, 0, kUserRW);
  m.Translate(0x1000, MMU_OP_READ);
  for (int l = 3; l >= 0; l--)
    EXPECT_TRUE(t.Entry(0x1000, l) & kA) << "level " << l;
  EXPECT_FALSE(t.Entry(0x1000, 0) & kD);
  mmu_result_t w = m.Translate(0x1000, MMU_OP_WRITE);
  EXPECT_EQ(w.fault.kind, MMU_FAULT_NONE);
  EXPECT_TRUE(t.Entry(0x1000, 0) & kD);
  for (int l = 3; l >= 1; l--)
    EXPECT_FALSE(t.Entry(0x1000, l) & kD) << "level " << l;
}

TEST(Walker, FaultingWalkWritesNoAccessedBits) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x1000, 0x3000, 0, kP | kUS); // read-only
  mmu_result_t r = m.Translate(0x1000, MMU_OP_WRITE);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_WRITE);
  EXPECT_EQ(r.walk_writes, 0u);
  EXPECT_FALSE(t.Entry(0x1000, 0) & kA);
}

TEST(Walker, ColdWalkCostsOneDramLoadPerLevelPlusTimedAccessedUpdates) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x1000, 0x3000, 0, kUserRW);
  mmu_result_t r = m.Translate(0x1000);
  EXPECT_EQ(r.cycles.tlb, uint64_t(c.dtlb.latency + c.stlb.latency));
  uint32_t pwc_lat = 0;
  for (auto &p : c.pwc)
    pwc_lat = std::max(pwc_lat, p.entries ? p.latency : 0);
  EXPECT_EQ(r.cycles.pwc, uint64_t(c.walk_start_latency + pwc_lat));
  EXPECT_EQ(r.cycles.walk, 4ull * c.dram_latency);
  // Four A updates, each a locked RMW on a line the walk just brought into L1.
  EXPECT_EQ(r.walk_writes, 4u);
  EXPECT_EQ(r.cycles.ad, 4ull * (c.ad_update_latency + c.cache[0].latency));
  EXPECT_EQ(r.cycles.total, r.cycles.tlb + r.cycles.pwc + r.cycles.walk + r.cycles.ad);
}

TEST(Walker, CachedPteLinesMakeAWalkCheaperByTheConfiguredLatency) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x1000, 0x3000, 0, kUserRW | kA);
  for (int l = 3; l >= 1; l--)
    t.SetEntry(0x1000, l, t.Entry(0x1000, l) | kA);
  mmu_result_t cold = m.Translate(0x1000);
  ASSERT_EQ(mmu_invalidate(m, MMU_INVAL_ALL, 1, 0), MMU_OK); // TLBs and PWCs, not the caches
  mmu_result_t warm = m.Translate(0x1000);
  EXPECT_EQ(cold.walk_reads, 4u);
  EXPECT_EQ(warm.walk_reads, 4u);
  EXPECT_EQ(cold.cycles.walk, 4ull * c.dram_latency);
  EXPECT_EQ(warm.cycles.walk, 4ull * c.cache[0].latency);
  EXPECT_EQ(cold.cycles.walk - warm.cycles.walk, 4ull * (c.dram_latency - c.cache[0].latency));
}

TEST(Walker, PdeCacheHitMakesTheNextWalkInThatRegionOneReference) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x200000, 0x3000, 0, kUserRW);
  t.Map(0x201000, 0x4000, 0, kUserRW);
  t.Map(0x400000, 0x5000, 0, kUserRW); // another 2 MiB region, same PDPT entry
  m.Translate(0x200000);
  mmu_result_t r = m.Translate(0x201000);
  EXPECT_EQ(r.walk_reads, 1u);
  EXPECT_EQ(r.pwc_level, 1);
  EXPECT_EQ(r.pa, 0x4000u);
  mmu_result_t r2 = m.Translate(0x400000); // PDPTE-cache hit: PD entry + PT entry
  EXPECT_EQ(r2.walk_reads, 2u);
  EXPECT_EQ(r2.pwc_level, 2);
}

TEST(Walker, PageWalkCacheDisabledMeansFullWalks) {
  mmu_config_t c = Cfg();
  for (auto &p : c.pwc)
    p.entries = 0;
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x200000, 0x3000, 0, kUserRW);
  t.Map(0x201000, 0x4000, 0, kUserRW);
  m.Translate(0x200000);
  EXPECT_EQ(m.Translate(0x201000).walk_reads, 4u);
}

TEST(Walker, ProbeTranslatesWithoutTouchingTimingOrAccessedBits) {
  mmu_config_t c = Cfg();
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x1000, 0x3000, 0, kUserRW);
  mmu_result_t p = m.Probe(0x1234, MMU_OP_WRITE);
  EXPECT_EQ(p.fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(p.pa, 0x3234u);
  EXPECT_EQ(p.cycles.total, 0u);
  EXPECT_FALSE(t.Entry(0x1000, 0) & kA);
  mmu_stats_t st;
  mmu_stats_get(m, &st);
  EXPECT_EQ(st.translations, 0u);
  EXPECT_EQ(st.dtlb.lookups, 0u);
  // The timed translation afterwards is still cold: nothing was cached by the probe.
  EXPECT_EQ(m.Translate(0x1234).cycles.walk, 4ull * c.dram_latency);
}

TEST(Walker, PteAddressOutsidePhysicalMemoryIsABusErrorNotACrash) {
  mmu_config_t c = Cfg();
  c.phys_bytes = 1ull << 30;
  Mmu m(&c);
  HandTables t(m, 1, 0x100000);
  t.Map(0x1000, 0x3000, 0, kUserRW);
  t.SetEntry(0x1000, 1, (4ull << 30) | kP | kRW | kUS); // PD entry -> table at 4 GiB
  mmu_result_t r = m.Translate(0x1000);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_BUS);
  EXPECT_EQ(r.fault.level, 0);
}

// ---- RISC-V ----

TEST(WalkerRiscv, Sv39WalkReachesTheFrameInThreeReads) {
  mmu_config_t c = Cfg(MMU_FMT_SV39);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x3fff001000ull, 0x7000, 0, kV | kR | kW | kU);
  mmu_result_t r = m.Translate(0x3fff001008ull);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(r.pa, 0x7008u);
  EXPECT_EQ(r.walk_reads, 3u);
  EXPECT_TRUE(t.Entry(0x3fff001000ull, 0) & kRvA);
}

TEST(WalkerRiscv, Sv48MegapageTranslatesWithThreeReads) {
  mmu_config_t c = Cfg(MMU_FMT_SV48);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x7f0000200000ull, 0x400000, 1, kV | kR | kX | kU);
  mmu_result_t r = m.Translate(0x7f0000212345ull, MMU_OP_EXEC);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(r.pa, 0x412345u);
  EXPECT_EQ(r.size, MMU_PAGE_2M);
  EXPECT_EQ(r.walk_reads, 3u);
}

TEST(WalkerRiscv, WriteWithoutReadIsAReservedEncoding) {
  mmu_config_t c = Cfg(MMU_FMT_SV39);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x1000, 0x7000, 0, kV | kW | kU);
  mmu_result_t r = m.Translate(0x1000, MMU_OP_WRITE);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_RSVD);
  EXPECT_EQ(r.fault.cause, MMU_CAUSE_STORE_PAGE_FAULT);
}

TEST(WalkerRiscv, MisalignedMegapageFaults) {
  mmu_config_t c = Cfg(MMU_FMT_SV39);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x200000, 0x201000, 1, kV | kR | kU);
  mmu_result_t r = m.Translate(0x200000);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_MISALIGNED);
  EXPECT_EQ(r.fault.cause, MMU_CAUSE_LOAD_PAGE_FAULT);
}

TEST(WalkerRiscv, WithoutSvaduAClearAccessedBitFaultsInsteadOfBeingSet) {
  mmu_config_t c = Cfg(MMU_FMT_SV39);
  Mmu m(&c);
  mmu_ctrl_t ctrl;
  mmu_get_ctrl(m, &ctrl);
  ctrl.svadu = false;
  mmu_set_ctrl(m, &ctrl);
  HandTables t(m, 1);
  t.Map(0x1000, 0x7000, 0, kV | kR | kW | kU);
  mmu_result_t r = m.Translate(0x1000);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_AD);
  EXPECT_FALSE(t.Entry(0x1000, 0) & kRvA);
  t.SetEntry(0x1000, 0, t.Entry(0x1000, 0) | kRvA);
  EXPECT_EQ(m.Translate(0x1000).fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(m.Translate(0x1000, MMU_OP_WRITE).fault.kind, MMU_FAULT_AD); // D clear
}

TEST(WalkerRiscv, NonLeafWithAccessedBitIsReserved) {
  mmu_config_t c = Cfg(MMU_FMT_SV39);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x1000, 0x7000, 0, kV | kR | kU);
  t.SetEntry(0x1000, 1, t.Entry(0x1000, 1) | kRvA);
  mmu_result_t r = m.Translate(0x1000);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_RSVD);
  EXPECT_EQ(r.fault.level, 1);
}

} // namespace

// ---- page-walk caches against a reference model -------------------------------------------

extern "C" {
#include "pwc.h"
}

#include <list>
#include <random>
#include <vector>

namespace {

// Reference: per level and set a list in recency order (front = most recently used), at most
// ways lines, as the walker uses the caches: a lookup finds the deepest level holding (tag,
// asid), then the levels below it (those it missed) are filled, deepest last.
struct RefPwc {
  struct Line {
    uint64_t tag;
    uint16_t asid;
    mmu_pwc_entry_t e;
  };
  struct Level {
    uint32_t sets = 0, ways = 0;
    std::vector<std::list<Line>> set;
  };
  std::vector<Level> lv;
  int levels;
  RefPwc(const mmu_pwc_config_t *c, int levels) : lv(MMU_MAX_LEVELS), levels(levels) {
    for (int l = 1; l < levels; l++)
      if (c[l - 1].entries) {
        lv[l].ways = c[l - 1].ways;
        lv[l].sets = c[l - 1].entries / c[l - 1].ways;
        lv[l].set.resize(lv[l].sets);
      }
  }
  std::list<Line> &SetOf(int l, uint64_t va) {
    uint64_t tag = va >> (12 + 9 * l);
    return lv[l].set[tag % lv[l].sets];
  }
  int Lookup(uint64_t va, uint16_t asid, mmu_pwc_entry_t *out) {
    for (int l = 1; l < levels; l++) {
      if (!lv[l].sets) continue;
      auto &s = SetOf(l, va);
      uint64_t tag = va >> (12 + 9 * l);
      for (auto it = s.begin(); it != s.end(); ++it)
        if (it->tag == tag && it->asid == asid) {
          Line hit = *it;
          s.erase(it);
          s.push_front(hit);
          *out = hit.e;
          return l;
        }
    }
    return -1;
  }
  void Fill(int l, uint64_t va, uint16_t asid, mmu_pwc_entry_t e) {
    if (l < 1 || l >= levels || !lv[l].sets) return;
    auto &s = SetOf(l, va);
    if (s.size() == lv[l].ways) s.pop_back();
    s.push_front({va >> (12 + 9 * l), asid, e});
  }
  void Invalidate(mmu_inval_t kind, uint16_t asid) {
    bool all = kind == MMU_INVAL_ALL || kind == MMU_INVAL_NONGLOBAL;
    for (auto &l : lv)
      for (auto &s : l.set)
        s.remove_if([&](const Line &x) { return all || x.asid == asid; });
  }
};

// Exact LRU with empty lines filled first, for the shapes the configuration allows: one way, odd
// ways, more than 8 ways (several age vectors per set), fully associative, sets that are not
// powers of two, disabled levels, 3 to 5 levels; random addresses that crowd a few sets, a few
// ASIDs (0xffff among them), and invalidations of every kind.
TEST(WalkerPwc, PageWalkCachesAreExactLruForEveryShape) {
  struct Shape {
    int levels;
    mmu_pwc_config_t c[MMU_PWC_LEVELS];
  };
  const Shape shapes[] = {
      {4, {{32, 4, 2}, {4, 4, 2}, {2, 2, 2}, {2, 2, 2}}},
      {5, {{24, 3, 1}, {9, 9, 1}, {1, 1, 1}, {20, 5, 1}}},
      {4, {{64, 64, 1}, {0, 0, 0}, {12, 12, 1}, {0, 0, 0}}},
      {3, {{48, 16, 1}, {6, 2, 1}, {0, 0, 0}, {0, 0, 0}}},
      {5, {{7, 1, 1}, {34, 17, 1}, {40, 8, 1}, {3, 3, 1}}},
  };
  for (const Shape &sh : shapes) {
    mmu_pwc_t *p = nullptr;
    ASSERT_EQ(mmu_pwc_create(sh.c, sh.levels, &p), MMU_OK);
    RefPwc ref(sh.c, sh.levels);
    std::mt19937_64 rng(11);
    const uint16_t asids[] = {1, 2, 0xffff, 0};
    for (int n = 0; n < 60000; n++) {
      uint64_t r = rng();
      if (r % 50 == 0) {
        auto kind = mmu_inval_t(rng() % (MMU_INVAL_ALL + 1));
        uint16_t asid = asids[rng() % 4];
        mmu_pwc_invalidate(p, kind, asid);
        ref.Invalidate(kind, asid);
        continue;
      }
      // Addresses from a pool that shares low index bits at every level, canonical high halves.
      uint64_t va = ((rng() % 5) << 21) | ((rng() % 6) << 30) | ((rng() % 7) << 39) |
                    ((rng() % 3) << 48) | (rng() & 0x1fffff);
      if (rng() & 1) va |= 0xff00000000000000ull;
      uint16_t asid = asids[rng() % 4];
      mmu_pwc_entry_t got{}, want{};
      int gl = mmu_pwc_lookup(p, va, asid, &got);
      int wl = ref.Lookup(va, asid, &want);
      ASSERT_EQ(gl, wl) << "op " << n;
      if (wl > 0) {
        ASSERT_EQ(got.next_table, want.next_table) << "op " << n;
        ASSERT_EQ(got.x86_rights, want.x86_rights) << "op " << n;
      }
      int from = wl > 0 ? wl - 1 : sh.levels - 1;
      for (int l = from; l >= 1; l--) {
        mmu_pwc_entry_t e{rng(), rng()};
        mmu_pwc_fill(p, l, va, asid, e.next_table, e.x86_rights);
        ref.Fill(l, va, asid, e);
      }
    }
    mmu_pwc_destroy(p);
  }
}

// As above with ASID invalidations one operation in 7 (a line they drop keeps its place in the
// set's order until a fill takes it) and ASIDs that share a low byte with another one or with the
// bytes the model marks empty and dropped lines with (its invalidation search goes by low byte).
TEST(WalkerPwc, PageWalkCachesStayExactUnderFrequentAsidInvalidations) {
  const mmu_pwc_config_t shapes[][MMU_PWC_LEVELS] = {
      {{32, 4, 2}, {4, 4, 2}, {2, 2, 2}, {2, 2, 2}},
      {{24, 3, 1}, {9, 9, 1}, {1, 1, 1}, {20, 5, 1}},
      {{64, 64, 1}, {0, 0, 0}, {12, 12, 1}, {0, 0, 0}},
      {{7, 1, 1}, {34, 17, 1}, {40, 8, 1}, {3, 3, 1}},
  };
  const int levels = 5;
  for (const auto &c : shapes) {
    mmu_pwc_t *p = nullptr;
    ASSERT_EQ(mmu_pwc_create(c, levels, &p), MMU_OK);
    RefPwc ref(c, levels);
    std::mt19937_64 rng(12);
    const uint16_t asids[] = {1, 0x101, 0xfe, 0x1fe, 0xff, 0xffff, 0, 2};
    for (int n = 0; n < 60000; n++) {
      if (rng() % 7 == 0) {
        auto kind = rng() % 16 ? MMU_INVAL_ASID : mmu_inval_t(rng() % (MMU_INVAL_ALL + 1));
        uint16_t asid = asids[rng() % 8];
        mmu_pwc_invalidate(p, kind, asid);
        ref.Invalidate(kind, asid);
        continue;
      }
      uint64_t va = ((rng() % 5) << 21) | ((rng() % 6) << 30) | ((rng() % 7) << 39) |
                    ((rng() % 3) << 48) | (rng() & 0x1fffff);
      uint16_t asid = asids[rng() % 8];
      mmu_pwc_entry_t got{}, want{};
      int gl = mmu_pwc_lookup(p, va, asid, &got);
      int wl = ref.Lookup(va, asid, &want);
      ASSERT_EQ(gl, wl) << "op " << n;
      if (wl > 0) ASSERT_EQ(got.next_table, want.next_table) << "op " << n;
      for (int l = wl > 0 ? wl - 1 : levels - 1; l >= 1; l--) {
        mmu_pwc_entry_t e{rng(), rng()};
        mmu_pwc_fill(p, l, va, asid, e.next_table, e.x86_rights);
        ref.Fill(l, va, asid, e);
      }
    }
    mmu_pwc_destroy(p);
  }
}

} // namespace
