// test_tlb.cc — TLB arrays (replacement, tags, invalidation) and the TLB hierarchy in the MMU.
#include "support/fixtures.h"

extern "C" {
#include "tlb.h"
}

using namespace mmutest;

namespace {

mmu_tlb_entry_t Entry(uint64_t vpn, uint16_t asid = 1, bool global = false) {
  mmu_tlb_entry_t e{};
  e.vpn = vpn;
  e.base = vpn << 12;
  e.asid = asid;
  e.size = MMU_PAGE_4K;
  e.global = global;
  e.r = e.w = e.u = e.x = true;
  return e;
}

struct Tlb {
  explicit Tlb(mmu_repl_t repl, uint32_t sets = 1, uint32_t ways = 4, uint64_t seed = 1) {
    mmu_tlb_config_t c{};
    c.size[MMU_PAGE_4K] = {sets, ways};
    c.latency = 1;
    c.repl = repl;
    EXPECT_EQ(mmu_tlb_create(&c, seed, &t), MMU_OK);
  }
  ~Tlb() {
    mmu_tlb_destroy(t);
  }
  bool Has(uint64_t vpn, uint16_t asid = 1) {
    return mmu_tlb_way_of(t, MMU_PAGE_4K, vpn << 12, asid) >= 0;
  }
  bool Lookup(uint64_t vpn, uint16_t asid = 1) {
    mmu_tlb_entry_t e;
    return mmu_tlb_lookup(t, vpn << 12, asid, &e);
  }
  mmu_tlb_t *t = nullptr;
};

TEST(Tlb, LruEvictsTheLeastRecentlyUsedWay) {
  Tlb t(MMU_REPL_LRU);
  for (uint64_t v = 0; v < 4; v++) {
    mmu_tlb_entry_t e = Entry(v);
    mmu_tlb_fill(t.t, &e);
  }
  EXPECT_TRUE(t.Lookup(0)); // 0 becomes most recent; 1 is now least recent
  mmu_tlb_entry_t e = Entry(4);
  mmu_tlb_fill(t.t, &e);
  EXPECT_FALSE(t.Has(1));
  EXPECT_TRUE(t.Has(0) && t.Has(2) && t.Has(3) && t.Has(4));
}

TEST(Tlb, TreePlruEvictsTheWayThePointersLeadTo) {
  // Fill ways 0..3 in order, then touch way 0. The root now points right (away from 0), and
  // the right node points to way 2 (way 3 was touched last): PLRU evicts way 2, where true LRU
  // would evict way 1.
  Tlb t(MMU_REPL_PLRU);
  for (uint64_t v = 0; v < 4; v++) {
    mmu_tlb_entry_t e = Entry(v);
    mmu_tlb_fill(t.t, &e);
    EXPECT_EQ(mmu_tlb_way_of(t.t, MMU_PAGE_4K, v << 12, 1), int(v));
  }
  EXPECT_TRUE(t.Lookup(0));
  mmu_tlb_entry_t e = Entry(4);
  mmu_tlb_fill(t.t, &e);
  EXPECT_FALSE(t.Has(2));
  EXPECT_TRUE(t.Has(1));
  EXPECT_EQ(mmu_tlb_way_of(t.t, MMU_PAGE_4K, 4ull << 12, 1), 2);
}

TEST(Tlb, RandomReplacementIsReproducibleForAGivenSeed) {
  auto victims = [](uint64_t seed) {
    Tlb t(MMU_REPL_RANDOM, 1, 8, seed);
    std::vector<int> out;
    for (uint64_t v = 0; v < 40; v++) {
      mmu_tlb_entry_t e = Entry(v);
      mmu_tlb_fill(t.t, &e);
      out.push_back(mmu_tlb_way_of(t.t, MMU_PAGE_4K, v << 12, 1));
    }
    return out;
  };
  EXPECT_EQ(victims(42), victims(42));
  EXPECT_NE(victims(42), victims(43));
}

TEST(Tlb, EntriesOfOneAsidDoNotHitForAnother) {
  Tlb t(MMU_REPL_LRU);
  mmu_tlb_entry_t e = Entry(7, 1);
  mmu_tlb_fill(t.t, &e);
  EXPECT_TRUE(t.Lookup(7, 1));
  EXPECT_FALSE(t.Lookup(7, 2));
}

TEST(Tlb, GlobalEntriesHitForEveryAsidAndSurviveNonGlobalInvalidation) {
  Tlb t(MMU_REPL_LRU);
  mmu_tlb_entry_t g = Entry(7, 1, true), n = Entry(8, 1);
  mmu_tlb_fill(t.t, &g);
  mmu_tlb_fill(t.t, &n);
  EXPECT_TRUE(t.Lookup(7, 3));
  mmu_tlb_invalidate(t.t, MMU_INVAL_NONGLOBAL, 0, 0);
  EXPECT_TRUE(t.Has(7, 3));
  EXPECT_FALSE(t.Has(8, 1));
  mmu_tlb_invalidate(t.t, MMU_INVAL_ALL, 0, 0);
  EXPECT_FALSE(t.Has(7, 3));
}

TEST(Tlb, InvalidatingAnAsidLeavesOtherAsidsEntries) {
  Tlb t(MMU_REPL_LRU, 4, 4);
  for (uint16_t a = 1; a <= 3; a++) {
    mmu_tlb_entry_t e = Entry(5, a);
    mmu_tlb_fill(t.t, &e);
  }
  mmu_tlb_invalidate(t.t, MMU_INVAL_ASID, 2, 0);
  EXPECT_TRUE(t.Has(5, 1));
  EXPECT_FALSE(t.Has(5, 2));
  EXPECT_TRUE(t.Has(5, 3));
}

TEST(Tlb, InvalidatingOnePageLeavesItsNeighbours) {
  Tlb t(MMU_REPL_LRU, 4, 4);
  for (uint64_t v = 10; v < 14; v++) {
    mmu_tlb_entry_t e = Entry(v);
    mmu_tlb_fill(t.t, &e);
  }
  mmu_tlb_invalidate(t.t, MMU_INVAL_PAGE, 1, 11ull << 12);
  EXPECT_FALSE(t.Has(11));
  EXPECT_TRUE(t.Has(10) && t.Has(12) && t.Has(13));
}

TEST(Tlb, SetIndexComesFromTheLowVpnBits) {
  Tlb t(MMU_REPL_LRU, 2, 1); // direct-mapped, two sets
  mmu_tlb_entry_t a = Entry(2), b = Entry(3), c = Entry(4);
  mmu_tlb_fill(t.t, &a);
  mmu_tlb_fill(t.t, &b); // other set: both stay
  EXPECT_TRUE(t.Has(2) && t.Has(3));
  mmu_tlb_fill(t.t, &c); // same set as 2: evicts it
  EXPECT_FALSE(t.Has(2));
  EXPECT_TRUE(t.Has(3) && t.Has(4));
}

TEST(Tlb, FillTakesTheFirstInvalidatedWayBeforeTheLruWay) {
  Tlb t(MMU_REPL_LRU);
  for (uint64_t v = 0; v < 4; v++) {
    mmu_tlb_entry_t e = Entry(v);
    mmu_tlb_fill(t.t, &e);
  }
  mmu_tlb_drop(t.t, 2ull << 12, 1); // way 2 becomes invalid; way 0 is the LRU way
  mmu_tlb_entry_t e = Entry(4);
  mmu_tlb_fill_new(t.t, &e);
  EXPECT_EQ(mmu_tlb_way_of(t.t, MMU_PAGE_4K, 4ull << 12, 1), 2);
  EXPECT_TRUE(t.Has(0) && t.Has(1) && t.Has(3));
  mmu_tlb_stats_t st;
  mmu_tlb_stats(t.t, &st);
  EXPECT_EQ(st.evictions, 0u);
  mmu_tlb_entry_t f = Entry(5); // the set is full again: now the LRU way (0) goes
  mmu_tlb_fill_new(t.t, &f);
  EXPECT_FALSE(t.Has(0));
  EXPECT_EQ(mmu_tlb_way_of(t.t, MMU_PAGE_4K, 5ull << 12, 1), 0);
}

// Exact LRU against a plain reference (per set: ways in order of last use, first invalid way
// first) under a random mix of lookups, fills and drops, for odd set counts and wide sets.
TEST(Tlb, LruMatchesAReferenceModel) {
  for (uint32_t sets : {1u, 3u, 16u}) {
    for (uint32_t ways : {1u, 5u, 12u, 64u}) {
      Tlb t(MMU_REPL_LRU, sets, ways);
      std::vector<std::vector<uint64_t>> vpn(sets, std::vector<uint64_t>(ways, ~0ull));
      std::vector<std::vector<uint64_t>> used(sets, std::vector<uint64_t>(ways, 0));
      uint64_t clock = 0, x = 0x2545f4914f6cdd1dull;
      for (int step = 0; step < 20000; step++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t v = x % (sets * ways * 2 + 7);
        uint32_t s = uint32_t(v % sets);
        int way = -1;
        for (uint32_t w = 0; w < ways; w++)
          if (vpn[s][w] == v) way = int(w);
        switch ((x >> 32) % 4) {
        case 0:
        case 1: // lookup
          ASSERT_EQ(t.Lookup(v), way >= 0);
          if (way >= 0) used[s][way] = ++clock;
          break;
        case 2: { // fill
          if (way < 0) {
            way = 0;
            for (uint32_t w = 1; w < ways; w++)
              if (used[s][w] < used[s][way]) way = int(w);
          }
          vpn[s][way] = v;
          used[s][way] = ++clock;
          mmu_tlb_entry_t e = Entry(v);
          mmu_tlb_fill(t.t, &e);
          break;
        }
        default: // drop
          mmu_tlb_drop(t.t, v << 12, 1);
          if (way >= 0) vpn[s][way] = ~0ull, used[s][way] = 0;
        }
        if (way >= 0)
          ASSERT_EQ(mmu_tlb_way_of(t.t, MMU_PAGE_4K, v << 12, 1), vpn[s][way] == v ? way : -1);
      }
    }
  }
}

// The victim a missed probe leaves for the next fill (mmu_tlb_lookup_ref_hint) must be exactly
// the one the fill would have found: twin TLBs, one probed with the hint and filled through it,
// one without, hold the same entries in the same ways under every policy, whatever comes between
// the probe and the fill (hits, other fills, 2 MiB fills, drops, invalidations).
TEST(Tlb, MissHintChoosesTheVictimTheFillWouldScanFor) {
  for (mmu_repl_t repl : {MMU_REPL_LRU, MMU_REPL_PLRU, MMU_REPL_RANDOM})
    for (uint32_t sets : {1u, 3u, 4u}) {
      mmu_tlb_config_t c{};
      c.size[MMU_PAGE_4K] = {sets, 4};
      c.size[MMU_PAGE_2M] = {1, 2};
      c.latency = 1;
      c.repl = repl;
      mmu_tlb_t *h = nullptr, *p = nullptr;
      ASSERT_EQ(mmu_tlb_create(&c, 5, &h), MMU_OK);
      ASSERT_EQ(mmu_tlb_create(&c, 5, &p), MMU_OK);
      uint64_t x = 0x9e3779b97f4a7c15ull, missed = 0;
      const uint64_t range = sets * 4 * 2 + 3;
      for (int step = 0; step < 20000; step++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t v = x % range;
        bool present = mmu_tlb_way_of(p, MMU_PAGE_4K, v << 12, 1) >= 0;
        switch ((x >> 40) % 8) {
        case 0:
        case 1:
        case 2: { // probe: the hinted and the plain lookup agree
          bool hit = mmu_tlb_lookup_ref_hint(h, v << 12, 1) != nullptr;
          ASSERT_EQ(hit, mmu_tlb_lookup_ref(p, v << 12, 1) != nullptr);
          if (!hit) missed = v;
          break;
        }
        case 3:
        case 4: // the fill of the last miss, through the hint when it is still exact
          if (mmu_tlb_way_of(p, MMU_PAGE_4K, missed << 12, 1) < 0 &&
              mmu_tlb_peek(p, missed << 12, 1) == nullptr) {
            mmu_tlb_entry_t e = Entry(missed);
            mmu_tlb_entry_t *s = mmu_tlb_fill_slot(h, MMU_PAGE_4K, missed);
            ASSERT_NE(s, nullptr);
            mmu_tlb_entry_set(s, &e);
            mmu_tlb_fill_new(p, &e);
          }
          break;
        case 5: { // a 2 MiB fill
          mmu_tlb_entry_t e = Entry(v % 3 + 1);
          e.size = MMU_PAGE_2M;
          mmu_tlb_fill(h, &e);
          mmu_tlb_fill(p, &e);
          break;
        }
        case 6:
          mmu_tlb_drop(h, v << 12, 1);
          mmu_tlb_drop(p, v << 12, 1);
          break;
        default:
          if (present && (x >> 20) % 16 == 0) {
            mmu_tlb_invalidate(h, MMU_INVAL_ALL, 0, 0);
            mmu_tlb_invalidate(p, MMU_INVAL_ALL, 0, 0);
          } else {
            mmu_tlb_entry_t e = Entry(v);
            mmu_tlb_fill(h, &e);
            mmu_tlb_fill(p, &e);
          }
        }
        for (uint64_t u = 0; u < range; u++)
          ASSERT_EQ(mmu_tlb_way_of(h, MMU_PAGE_4K, u << 12, 1),
                    mmu_tlb_way_of(p, MMU_PAGE_4K, u << 12, 1))
              << "repl " << repl << " sets " << sets << " step " << step << " vpn " << u;
      }
      mmu_tlb_stats_t a, b;
      mmu_tlb_stats(h, &a);
      mmu_tlb_stats(p, &b);
      EXPECT_EQ(a.fills, b.fills);
      EXPECT_EQ(a.evictions, b.evictions);
      EXPECT_EQ(a.misses, b.misses);
      mmu_tlb_destroy(h);
      mmu_tlb_destroy(p);
    }
}

// A drop removes, in each page-size array, exactly the first way of the set that holds the page
// for the ASID (or globally), and nothing else: every array compared entry by entry with a copy
// of itself before the drop, for set sizes on both sides of a multiple of four, two ASIDs sharing
// pages, global entries and all three page sizes; some drops right after a missed hinted probe
// of the same page (which a drop may answer from the hint), of the other ASID or of another page.
TEST(Tlb, DropRemovesTheFirstMatchOfEachArrayAndNothingElse) {
  for (uint32_t sets : {1u, 3u, 4u})
    for (uint32_t ways : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 12u, 13u, 64u}) {
      mmu_tlb_config_t c{};
      c.size[MMU_PAGE_4K] = {sets, ways};
      c.size[MMU_PAGE_2M] = {sets, ways};
      c.size[MMU_PAGE_1G] = {1, ways};
      c.latency = 1;
      c.repl = MMU_REPL_LRU;
      mmu_tlb_t *t = nullptr;
      ASSERT_EQ(mmu_tlb_create(&c, 3, &t), MMU_OK);
      uint64_t x = 0x2545f4914f6cdd1dull, dropped = 0;
      const uint64_t range = sets * ways + 5;
      for (int step = 0; step < 4000; step++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        auto size = mmu_page_size_t((x >> 8) % 3);
        uint64_t v = x % range, va = v << mmu_page_shift(size) | (x >> 40 & 0xfff);
        uint16_t asid = uint16_t(1 + (x >> 20) % 2);
        uint64_t op = (x >> 30) % 6;
        if (op < 3) { // fill
          mmu_tlb_entry_t e = Entry(v, asid, (x >> 50) % 8 == 0);
          e.size = uint8_t(size);
          mmu_tlb_fill(t, &e);
          continue;
        }
        if (op == 3) { // a hinted probe first, of this page or a neighbour, for either ASID
          uint64_t pva = va + ((x >> 54) % 4 == 0 ? 4096 : 0);
          if (mmu_tlb_lookup_ref_hint(t, pva, uint16_t((x >> 58) % 4 ? asid : 3 - asid)) &&
              (x >> 52) % 2)
            continue; // a hit, as with a hit on the L1 TLB: no drop
        }
        std::vector<mmu_tlb_entry_t> before[MMU_PAGE_SIZES];
        int expect[MMU_PAGE_SIZES];
        for (int s = 0; s < MMU_PAGE_SIZES; s++) {
          const mmu_tlb_array_t *a = &t->a[s];
          before[s].assign(a->e, a->e + size_t(a->sets) * a->ways);
          expect[s] = mmu_tlb_way_of(t, mmu_page_size_t(s), va, asid);
        }
        mmu_tlb_drop(t, va, asid);
        for (int s = 0; s < MMU_PAGE_SIZES; s++) {
          const mmu_tlb_array_t *a = &t->a[s];
          uint64_t vpn = va >> mmu_page_shift(mmu_page_size_t(s));
          size_t gone = expect[s] < 0 ? SIZE_MAX : size_t(vpn % a->sets) * a->ways + expect[s];
          dropped += gone != SIZE_MAX;
          for (size_t i = 0; i < before[s].size(); i++) {
            const mmu_tlb_entry_t &b = before[s][i], &e = a->e[i];
            if (i == gone) {
              ASSERT_TRUE(b.valid);
              ASSERT_FALSE(e.valid);
              ASSERT_EQ(e.vpn, MMU_TLB_NO_VPN);
              ASSERT_EQ(e.stamp, 0u);
            } else {
              ASSERT_EQ(memcmp(&b, &e, sizeof e), 0)
                  << "sets " << sets << " ways " << ways << " step " << step << " size " << s;
            }
          }
        }
      }
      mmu_tlb_stats_t st;
      mmu_tlb_stats(t, &st);
      EXPECT_EQ(st.invalidated, dropped);
      EXPECT_GT(dropped, 0u);
      mmu_tlb_destroy(t);
    }
}

TEST(Tlb, LookupsAreHitsPlusMisses) {
  Tlb t(MMU_REPL_LRU);
  mmu_tlb_entry_t e = Entry(7);
  mmu_tlb_fill(t.t, &e);
  EXPECT_TRUE(t.Lookup(7));
  EXPECT_TRUE(t.Lookup(7));
  EXPECT_FALSE(t.Lookup(8));
  mmu_tlb_stats_t st;
  mmu_tlb_stats(t.t, &st);
  EXPECT_EQ(st.hits, 2u);
  EXPECT_EQ(st.hits_by_size[MMU_PAGE_4K], 2u);
  EXPECT_EQ(st.misses, 1u);
  EXPECT_EQ(st.lookups, 3u);
}

// ---- the hierarchy inside the MMU ----

TEST(TlbHierarchy, SecondAccessHitsL1AndCostsOnlyTheL1Latency) {
  Mmu m;
  ASSERT_EQ(
      mmu_map(m, 1, 0x10000, 0x20000, 0x1000, MMU_PERM_R | MMU_PERM_W | MMU_PERM_U, MMU_PAGE_4K),
      MMU_OK);
  m.Translate(0x10000);
  mmu_result_t r = m.Translate(0x10008);
  EXPECT_EQ(r.where, MMU_HIT_L1);
  EXPECT_EQ(r.cycles.total, uint64_t(m.cfg().dtlb.latency));
  EXPECT_EQ(r.pa, 0x20008u);
}

TEST(TlbHierarchy, L1MissL2HitCostsBothLookupsAndRefillsL1) {
  mmu_config_t c;
  mmu_config_default(&c);
  c.dtlb.size[MMU_PAGE_4K] = {1, 1}; // one-entry L1 DTLB
  Mmu m(&c);
  ASSERT_EQ(mmu_map(m, 1, 0x10000, 0x20000, 0x2000, MMU_PERM_R | MMU_PERM_U, MMU_PAGE_4K), MMU_OK);
  m.Translate(0x10000);
  m.Translate(0x11000); // evicts 0x10000 from L1, both in L2
  mmu_result_t r = m.Translate(0x10000);
  EXPECT_EQ(r.where, MMU_HIT_L2);
  EXPECT_EQ(r.cycles.total, uint64_t(c.dtlb.latency + c.stlb.latency));
  EXPECT_EQ(m.Translate(0x10000).where, MMU_HIT_L1);
}

TEST(TlbHierarchy, FetchesUseTheInstructionTlbAndDataTheDataTlb) {
  Mmu m;
  ASSERT_EQ(
      mmu_map(m, 1, 0x10000, 0x20000, 0x1000, MMU_PERM_R | MMU_PERM_X | MMU_PERM_U, MMU_PAGE_4K),
      MMU_OK);
  m.Translate(0x10000, MMU_OP_EXEC);
  EXPECT_EQ(m.Translate(0x10000, MMU_OP_READ).where, MMU_HIT_L2); // filled in ITLB + STLB only
  mmu_stats_t st;
  mmu_stats_get(m, &st);
  EXPECT_EQ(st.itlb.lookups, 1u);
  EXPECT_EQ(st.dtlb.lookups, 1u);
}

TEST(TlbHierarchy, InvalidatingAnAsidLeavesOtherAsidsTranslationsCached) {
  Mmu m;
  ASSERT_EQ(mmu_space_create(m, 2), MMU_OK);
  for (uint16_t a : {1, 2})
    ASSERT_EQ(mmu_map(m, a, 0x10000, 0x20000 * a, 0x1000, MMU_PERM_R | MMU_PERM_U, MMU_PAGE_4K),
              MMU_OK);
  m.Translate(0x10000, MMU_OP_READ, true, 1);
  m.Translate(0x10000, MMU_OP_READ, true, 2);
  ASSERT_EQ(mmu_invalidate(m, MMU_INVAL_ASID, 1, 0), MMU_OK);
  mmu_result_t r2 = m.Translate(0x10000, MMU_OP_READ, true, 2);
  EXPECT_EQ(r2.where, MMU_HIT_L1);
  EXPECT_EQ(r2.pa, 0x40000u);
  mmu_result_t r1 = m.Translate(0x10000, MMU_OP_READ, true, 1);
  EXPECT_EQ(r1.where, MMU_HIT_WALK);
  EXPECT_EQ(r1.pa, 0x20000u);
}

TEST(TlbHierarchy, NoTranslationCrossesAsids) {
  Mmu m;
  ASSERT_EQ(mmu_space_create(m, 2), MMU_OK);
  ASSERT_EQ(mmu_map(m, 1, 0x10000, 0x20000, 0x1000, MMU_PERM_R | MMU_PERM_U, MMU_PAGE_4K), MMU_OK);
  m.Translate(0x10000, MMU_OP_READ, true, 1);
  EXPECT_EQ(m.Translate(0x10000, MMU_OP_READ, true, 2).fault.kind, MMU_FAULT_NOT_PRESENT);
}

TEST(TlbHierarchy, StaleEntryOutlivesUnmapUntilInvalidated) {
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x10000, 0x20000, 0x1000, MMU_PERM_R | MMU_PERM_U, MMU_PAGE_4K), MMU_OK);
  m.Translate(0x10000);
  ASSERT_EQ(mmu_unmap(m, 1, 0x10000, 0x1000), MMU_OK);
  EXPECT_EQ(m.Translate(0x10000).fault.kind, MMU_FAULT_NONE); // as hardware: stale until INVLPG
  ASSERT_EQ(mmu_invalidate(m, MMU_INVAL_PAGE, 1, 0x10000), MMU_OK);
  EXPECT_EQ(m.Translate(0x10000).fault.kind, MMU_FAULT_NOT_PRESENT);
}

TEST(TlbHierarchy, WriteThroughACleanEntryRewalksToSetDirty) {
  Mmu m;
  ASSERT_EQ(
      mmu_map(m, 1, 0x10000, 0x20000, 0x1000, MMU_PERM_R | MMU_PERM_W | MMU_PERM_U, MMU_PAGE_4K),
      MMU_OK);
  m.Translate(0x10000, MMU_OP_READ);
  mmu_result_t w = m.Translate(0x10000, MMU_OP_WRITE);
  EXPECT_EQ(w.where, MMU_HIT_WALK);
  EXPECT_EQ(w.walk_writes, 1u); // only D: A was set by the read's walk
  mmu_pte_ref_t ref;
  ASSERT_EQ(mmu_pte_lookup(m, 1, 0x10000, &ref), MMU_OK);
  EXPECT_TRUE(ref.pte & kD);
  EXPECT_EQ(m.Translate(0x10000, MMU_OP_WRITE).where, MMU_HIT_L1);
  mmu_stats_t st;
  mmu_stats_get(m, &st);
  EXPECT_EQ(st.dirty_assists, 1u);
}

TEST(TlbHierarchy, TlbHitDecidesPermissionsExactlyAsTheWalk) {
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x10000, 0x20000, 0x1000, MMU_PERM_R | MMU_PERM_U, MMU_PAGE_4K), MMU_OK);
  mmu_result_t walk_fault = m.Probe(0x10000, MMU_OP_WRITE);
  m.Translate(0x10000, MMU_OP_READ); // cache the read-only translation
  mmu_result_t hit_fault = m.Translate(0x10000, MMU_OP_WRITE);
  EXPECT_EQ(hit_fault.where, MMU_HIT_L1);
  EXPECT_EQ(hit_fault.fault.kind, walk_fault.fault.kind);
  EXPECT_EQ(hit_fault.fault.kind, MMU_FAULT_WRITE);
  EXPECT_EQ(hit_fault.fault.error_code, walk_fault.fault.error_code);
  EXPECT_EQ(hit_fault.fault.level, 0);
  // The faulting entry is dropped, as x86 does on a page fault.
  EXPECT_EQ(m.Translate(0x10000, MMU_OP_READ).where, MMU_HIT_WALK);
}

TEST(TlbHierarchy, AHitObeysControlStateChangedAfterItWasCached) {
  // mmu_translate decides L1 hits from a table derived from the control state; changing the
  // state (here PKRU.AD for key 3, then SMAP for a supervisor read) must change the decision.
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x10000, 0x20000, 0x1000,
                    MMU_PERM_R | MMU_PERM_W | MMU_PERM_U | MMU_PERM_PKEY(3), MMU_PAGE_4K),
            MMU_OK);
  m.Translate(0x10000);
  ASSERT_EQ(m.Translate(0x10000).where, MMU_HIT_L1);
  mmu_ctrl_t c;
  ASSERT_EQ(mmu_get_ctrl(m, &c), MMU_OK);
  c.pke = true;
  c.pkru = 1u << (2 * 3); // AD for key 3
  ASSERT_EQ(mmu_set_ctrl(m, &c), MMU_OK);
  mmu_result_t r = m.Translate(0x10000);
  EXPECT_EQ(r.where, MMU_HIT_L1);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_PKEY);
  c.pkru = 0;
  ASSERT_EQ(mmu_set_ctrl(m, &c), MMU_OK);
  m.Translate(0x10000); // re-cached after the fault dropped it
  EXPECT_EQ(m.Translate(0x10000).fault.kind, MMU_FAULT_NONE);
  c.smap = true;
  c.ac = false;
  ASSERT_EQ(mmu_set_ctrl(m, &c), MMU_OK);
  r = m.Translate(0x10000, MMU_OP_READ, false);
  EXPECT_EQ(r.where, MMU_HIT_L1);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_SMAP);
}

TEST(TlbHierarchy, NonCanonicalAddressFaultsWithoutAnyTlbLookup) {
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x10000, 0x20000, 0x1000, MMU_PERM_R | MMU_PERM_U, MMU_PAGE_4K), MMU_OK);
  m.Translate(0x10000);
  mmu_result_t r = m.Translate(0x0000800000010000ull); // bit 47 set, upper bits clear
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONCANONICAL);
  mmu_stats_t st;
  mmu_stats_get(m, &st);
  EXPECT_EQ(st.dtlb.lookups, 1u); // only the first access looked up
  EXPECT_EQ(st.translations, 2u);
}

TEST(TlbHierarchy, SuperpagesUseTheirOwnArrays) {
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x40000000, 0x40000000, 0x200000, MMU_PERM_R | MMU_PERM_U, MMU_PAGE_2M),
            MMU_OK);
  m.Translate(0x40000000);
  mmu_result_t r = m.Translate(0x401ff000);
  EXPECT_EQ(r.where, MMU_HIT_L1);
  EXPECT_EQ(r.size, MMU_PAGE_2M);
  mmu_stats_t st;
  mmu_stats_get(m, &st);
  EXPECT_EQ(st.dtlb.hits_by_size[MMU_PAGE_2M], 1u);
}

} // namespace
