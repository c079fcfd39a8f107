// test_api.cc — the C API door: configuration, page-table building, misuse, statistics.
#include "support/fixtures.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

using namespace mmutest;

namespace {

constexpr uint32_t kRWU = MMU_PERM_R | MMU_PERM_W | MMU_PERM_U;

TEST(Config, DefaultsValidate) {
  mmu_config_t c;
  mmu_config_default(&c);
  char err[256];
  EXPECT_EQ(mmu_config_validate(&c, err, sizeof err), MMU_OK) << err;
}

TEST(Config, BadFieldIsNamedWithItsAllowedRange) {
  mmu_config_t c;
  mmu_config_default(&c);
  c.stlb.repl = MMU_REPL_PLRU;
  c.stlb.size[MMU_PAGE_4K].ways = 12;
  char err[256];
  EXPECT_EQ(mmu_config_validate(&c, err, sizeof err), MMU_ERR_CONFIG);
  EXPECT_NE(std::string(err).find("stlb.4k.ways"), std::string::npos) << err;
  EXPECT_NE(std::string(err).find("power of two"), std::string::npos) << err;
  mmu_config_default(&c);
  c.phys_bytes = 12345;
  EXPECT_EQ(mmu_config_validate(&c, err, sizeof err), MMU_ERR_CONFIG);
  EXPECT_NE(std::string(err).find("phys_bytes"), std::string::npos) << err;
  mmu_t *m = nullptr;
  EXPECT_EQ(mmu_create(&c, &m), MMU_ERR_CONFIG);
  EXPECT_EQ(m, nullptr);
}

std::string WriteTemp(const std::string &name, const std::string &text) {
  std::string path = std::string(MMUSIM_BINARY_DIR) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Config, JsonFileOverridesFieldsAndRoundTrips) {
  std::string p = WriteTemp("cfg_ok.json",
                            R"({"format":"sv48","dram_latency":250,
                                "stlb":{"4k":{"sets":64,"ways":8},"2m":{"sets":64,"ways":8},"repl":"plru"},
                                "pwc":[{"entries":16,"ways":4,"latency":3}]})");
  mmu_config_t c;
  mmu_config_default(&c);
  char err[512];
  ASSERT_EQ(mmu_config_load_json(p.c_str(), &c, err, sizeof err), MMU_OK) << err;
  EXPECT_EQ(c.format, MMU_FMT_SV48);
  EXPECT_EQ(c.dram_latency, 250u);
  EXPECT_EQ(c.stlb.size[MMU_PAGE_4K].sets, 64u);
  EXPECT_EQ(c.stlb.repl, MMU_REPL_PLRU);
  EXPECT_EQ(c.pwc[0].entries, 16u);
  char *json = mmu_config_to_json(&c);
  ASSERT_NE(json, nullptr);
  std::string p2 = WriteTemp("cfg_rt.json", json);
  free(json);
  mmu_config_t d;
  mmu_config_default(&d);
  ASSERT_EQ(mmu_config_load_json(p2.c_str(), &d, err, sizeof err), MMU_OK) << err;
  EXPECT_EQ(memcmp(&c, &d, sizeof c), 0);
}

TEST(Config, JsonErrorsNameTheFileAndField) {
  mmu_config_t c;
  mmu_config_default(&c);
  char err[512];
  std::string p = WriteTemp("cfg_bad.json", R"({"dtlb":{"4k":{"sets":16,"wayz":4}}})");
  EXPECT_EQ(mmu_config_load_json(p.c_str(), &c, err, sizeof err), MMU_ERR_CONFIG);
  EXPECT_NE(std::string(err).find("dtlb.4k.wayz"), std::string::npos) << err;
  EXPECT_NE(std::string(err).find("cfg_bad.json"), std::string::npos) << err;
  p = WriteTemp("cfg_range.json", R"({"dram_latency": 0})");
  EXPECT_EQ(mmu_config_load_json(p.c_str(), &c, err, sizeof err), MMU_ERR_CONFIG);
  EXPECT_NE(std::string(err).find("dram_latency"), std::string::npos) << err;
  p = WriteTemp("cfg_syntax.json", "{\"seed\": 1,,}");
  EXPECT_EQ(mmu_config_load_json(p.c_str(), &c, err, sizeof err), MMU_ERR_PARSE);
  EXPECT_NE(std::string(err).find("cfg_syntax.json:1"), std::string::npos) << err;
  EXPECT_EQ(mmu_config_load_json("/nonexistent/x.json", &c, err, sizeof err), MMU_ERR_IO);
}

TEST(Api, NullArgumentsReturnStatusesNotCrashes) {
  mmu_result_t r;
  mmu_access_t a{};
  EXPECT_EQ(mmu_create(nullptr, nullptr), MMU_ERR_NULL);
  EXPECT_EQ(mmu_translate(nullptr, &a, &r), MMU_ERR_NULL);
  EXPECT_EQ(mmu_map(nullptr, 1, 0, 0, 4096, 0, MMU_PAGE_4K), MMU_ERR_NULL);
  EXPECT_EQ(mmu_stats_get(nullptr, nullptr), MMU_ERR_NULL);
  EXPECT_EQ(mmu_config_validate(nullptr, nullptr, 0), MMU_ERR_NULL);
  mmu_destroy(nullptr);
  Mmu m;
  EXPECT_EQ(mmu_translate(m, nullptr, &r), MMU_ERR_NULL);
  EXPECT_EQ(mmu_translate(m, &a, nullptr), MMU_ERR_NULL);
  EXPECT_EQ(mmu_phys_read(m, 0, nullptr, 8), MMU_ERR_NULL);
  EXPECT_STREQ(mmu_strerror(MMU_ERR_OVERLAP), "mapping overlaps an existing mapping");
  EXPECT_STREQ(mmu_strerror((mmu_status_t)999), "unknown status");
}

TEST(Api, BadAsidAndOpAreRefused) {
  Mmu m;
  mmu_result_t r;
  mmu_access_t a{0x1000, MMU_OP_READ, true, false, 7}; // no address space 7
  EXPECT_EQ(mmu_translate(m, &a, &r), MMU_ERR_ASID);
  a.asid = 1;
  a.op = (mmu_op_t)9;
  EXPECT_EQ(mmu_translate(m, &a, &r), MMU_ERR_ARG);
  EXPECT_EQ(mmu_space_create(m, 1), MMU_ERR_ASID); // already exists
  EXPECT_EQ(mmu_space_create(m, 5000), MMU_ERR_ASID);
}

TEST(PageTables, MapWritesPtesThatTheWalkFollows) {
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x400000, 0x100000, 0x3000, kRWU, MMU_PAGE_4K), MMU_OK);
  for (uint64_t i = 0; i < 3; i++) {
    mmu_pte_ref_t ref;
    ASSERT_EQ(mmu_pte_lookup(m, 1, 0x400000 + i * 4096, &ref), MMU_OK);
    EXPECT_TRUE(ref.present && ref.leaf);
    EXPECT_EQ(ref.level, 0);
    EXPECT_EQ(ref.pte & 0x000ffffffffff000ull, 0x100000 + i * 4096);
    EXPECT_EQ(ref.pte & (kP | kRW | kUS), kP | kRW | kUS);
    EXPECT_TRUE(ref.pte & kNX); // no MMU_PERM_X
    EXPECT_EQ(m.Translate(0x400000 + i * 4096 + 5).pa, 0x100000 + i * 4096 + 5);
  }
}

TEST(PageTables, OverlappingMapFailsAndChangesNothing) {
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x401000, 0x100000, 0x1000, kRWU, MMU_PAGE_4K), MMU_OK);
  EXPECT_EQ(mmu_map(m, 1, 0x400000, 0x200000, 0x3000, kRWU, MMU_PAGE_4K), MMU_ERR_OVERLAP);
  mmu_pte_ref_t ref;
  ASSERT_EQ(mmu_pte_lookup(m, 1, 0x400000, &ref), MMU_OK);
  EXPECT_FALSE(ref.present);
  EXPECT_EQ(m.Probe(0x401000).pa, 0x100000u);
  // A 2 MiB page over a region that has a 4 KiB page below is an overlap too.
  EXPECT_EQ(mmu_map(m, 1, 0x400000, 0x200000, 0x200000, kRWU, MMU_PAGE_2M), MMU_ERR_OVERLAP);
}

TEST(PageTables, MisalignedOrOutOfRangeMapsAreRefused) {
  Mmu m;
  EXPECT_EQ(mmu_map(m, 1, 0x400100, 0x100000, 0x1000, kRWU, MMU_PAGE_4K), MMU_ERR_ALIGN);
  EXPECT_EQ(mmu_map(m, 1, 0x400000, 0x101000, 0x200000, kRWU, MMU_PAGE_2M), MMU_ERR_ALIGN);
  EXPECT_EQ(mmu_map(m, 1, 0x400000, 0x100000, 0x1800, kRWU, MMU_PAGE_4K), MMU_ERR_ALIGN);
  EXPECT_EQ(mmu_map(m, 1, 0x400000, 1ull << 40, 0x1000, kRWU, MMU_PAGE_4K), MMU_ERR_RANGE);
  EXPECT_EQ(mmu_map(m, 1, 0x0000800000000000ull, 0, 0x1000, kRWU, MMU_PAGE_4K), MMU_ERR_RANGE);
  EXPECT_EQ(mmu_map(m, 1, 0x400000, 0, 0, kRWU, MMU_PAGE_4K), MMU_ERR_ARG);
  EXPECT_EQ(mmu_map(m, 1, 0x400000, 0, 0x1000, 1u << 20, MMU_PAGE_4K), MMU_ERR_ARG);
  EXPECT_EQ(mmu_map(m, 1, 0x400000, 0, 0x1000, kRWU, (mmu_page_size_t)5), MMU_ERR_ARG);
  // Mapping data over a page-table frame is refused.
  uint64_t root;
  ASSERT_EQ(mmu_space_root(m, 1, &root), MMU_OK);
  EXPECT_EQ(mmu_map(m, 1, 0x400000, root, 0x1000, kRWU, MMU_PAGE_4K), MMU_ERR_OVERLAP);
}

TEST(PageTables, UnmapClearsPtesAndFreesEmptyTables) {
  Mmu m;
  uint64_t before = mmu_frames_free(m);
  ASSERT_EQ(mmu_map(m, 1, 0x7f0000000000ull, 0x100000, 0x2000, kRWU, MMU_PAGE_4K), MMU_OK);
  EXPECT_EQ(mmu_frames_free(m), before - 3); // PDPT, PD, PT
  EXPECT_EQ(mmu_unmap(m, 1, 0x7f0000000000ull, 0x1000), MMU_OK);
  EXPECT_EQ(mmu_frames_free(m), before - 3); // the PT still holds the second page
  EXPECT_EQ(mmu_unmap(m, 1, 0x7f0000001000ull, 0x1000), MMU_OK);
  EXPECT_EQ(mmu_frames_free(m), before);
  EXPECT_EQ(mmu_unmap(m, 1, 0x7f0000001000ull, 0x1000), MMU_ERR_NOT_MAPPED);
  EXPECT_EQ(m.Probe(0x7f0000001000ull).fault.kind, MMU_FAULT_NOT_PRESENT);
}

TEST(PageTables, UnmapMayNotSplitASuperpage) {
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x40000000, 0x40000000, 0x200000, kRWU, MMU_PAGE_2M), MMU_OK);
  EXPECT_EQ(mmu_unmap(m, 1, 0x40001000, 0x1000), MMU_ERR_ALIGN);
  EXPECT_EQ(m.Probe(0x40001000).fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(mmu_unmap(m, 1, 0x40000000, 0x200000), MMU_OK);
}

TEST(PageTables, ProtectChangesRightsAndKeepsAccessedDirty) {
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x400000, 0x100000, 0x1000, kRWU, MMU_PAGE_4K), MMU_OK);
  m.Translate(0x400000, MMU_OP_WRITE); // sets A and D
  ASSERT_EQ(mmu_protect(m, 1, 0x400000, 0x1000, MMU_PERM_R | MMU_PERM_U), MMU_OK);
  mmu_pte_ref_t ref;
  ASSERT_EQ(mmu_pte_lookup(m, 1, 0x400000, &ref), MMU_OK);
  EXPECT_EQ(ref.pte & (kA | kD | kRW), kA | kD);
  ASSERT_EQ(mmu_invalidate(m, MMU_INVAL_PAGE, 1, 0x400000), MMU_OK);
  EXPECT_EQ(m.Translate(0x400000, MMU_OP_WRITE).fault.kind, MMU_FAULT_WRITE);
  EXPECT_EQ(mmu_protect(m, 1, 0x500000, 0x1000, kRWU), MMU_ERR_NOT_MAPPED);
}

TEST(PageTables, RawPteSetHoldsANonPresentValueTheWalkReports) {
  Mmu m;
  const uint64_t swap_entry = 0x1234ull << 12; // P clear: the OS's own encoding
  ASSERT_EQ(mmu_pte_set(m, 1, 0x400000, swap_entry), MMU_OK);
  mmu_result_t r = m.Translate(0x400000);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NOT_PRESENT);
  EXPECT_EQ(r.fault.level, 0);
  EXPECT_EQ(r.fault.pte, swap_entry);
}

TEST(PageTables, DestroyingASpaceReturnsItsTableFrames) {
  Mmu m;
  uint64_t before = mmu_frames_free(m);
  ASSERT_EQ(mmu_space_create(m, 9), MMU_OK);
  ASSERT_EQ(mmu_map(m, 9, 0x400000, 0x100000, 0x400000, kRWU, MMU_PAGE_4K), MMU_OK);
  ASSERT_EQ(mmu_space_destroy(m, 9), MMU_OK);
  EXPECT_EQ(mmu_frames_free(m), before);
}

TEST(PageTables, PteEncodeDecodeRoundTrip) {
  for (mmu_format_t f : {MMU_FMT_X86_64_4L, MMU_FMT_SV39}) {
    mmu_config_t c;
    mmu_config_default(&c);
    c.format = f;
    Mmu m(&c);
    mmu_pte_fields_t in{true, true, false, MMU_PERM_R | MMU_PERM_X | MMU_PERM_U, 0x40000000}, out;
    uint64_t pte;
    ASSERT_EQ(mmu_pte_encode(m, &in, 1, &pte), MMU_OK);
    ASSERT_EQ(mmu_pte_decode(m, pte, 1, &out), MMU_OK);
    EXPECT_EQ(out.pa, in.pa);
    EXPECT_EQ(out.perm, in.perm);
    EXPECT_TRUE(out.accessed);
    EXPECT_FALSE(out.dirty);
  }
}

TEST(Stats, CountsAndResetAndJson) {
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x400000, 0x100000, 0x1000, kRWU, MMU_PAGE_4K), MMU_OK);
  m.Translate(0x400000);
  m.Translate(0x400000);
  m.Translate(0x900000);
  mmu_stats_t st;
  ASSERT_EQ(mmu_stats_get(m, &st), MMU_OK);
  EXPECT_EQ(st.translations, 3u);
  EXPECT_EQ(st.faults_by_kind[MMU_FAULT_NOT_PRESENT], 1u);
  EXPECT_EQ(st.dtlb.hits, 1u);
  EXPECT_EQ(st.walks, 2u);
  char *j = mmu_stats_to_json(&st);
  ASSERT_NE(j, nullptr);
  EXPECT_NE(std::string(j).find("\"not-present\": 1"), std::string::npos) << j;
  free(j);
  mmu_stats_reset(m);
  mmu_stats_get(m, &st);
  EXPECT_EQ(st.translations, 0u);
  EXPECT_EQ(st.dtlb.lookups, 0u);
}

// ---- mmu_translate_batch ----

std::string StatsJson(mmu_t *m) {
  mmu_stats_t st;
  EXPECT_EQ(mmu_stats_get(m, &st), MMU_OK);
  char *j = mmu_stats_to_json(&st);
  std::string s = j ? j : "";
  free(j);
  return s;
}

// Two identical MMUs: one translates with a call per access, the other in batches (restarted
// after each fault, as a fault handler would). Every brief must match the full result of the
// same access, every fault record must match, and the statistics must be equal at the end.
void ExpectBatchMatchesCalls(const mmu_config_t *cfg) {
  Mmu one(cfg), many(cfg);
  for (mmu_t *m : {one.get(), many.get()}) {
    ASSERT_EQ(mmu_map(m, 1, 0x400000, 0x1000000, 24 * 4096, kRWU, MMU_PAGE_4K), MMU_OK);
    ASSERT_EQ(mmu_map(m, 1, 0x600000, 0x2000000, 4 * 4096, MMU_PERM_R | MMU_PERM_U, MMU_PAGE_4K),
              MMU_OK);
    ASSERT_EQ(mmu_map(m, 1, 0x800000, 0x3000000, 4 * 4096, MMU_PERM_R | MMU_PERM_X, MMU_PAGE_4K),
              MMU_OK);
    ASSERT_EQ(mmu_map(m, 1, 0x40000000, 0x4000000, 2 << 20, kRWU | MMU_PERM_X, MMU_PAGE_2M),
              MMU_OK);
  }
  const uint64_t bases[] = {0x400000, 0x600000, 0x800000, 0x40000000, 0x40100000, 0x900000};
  std::vector<mmu_access_t> acc;
  uint64_t x = 12345;
  for (int i = 0; i < 6000; i++) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t r = x >> 24;
    mmu_access_t a{};
    a.va = bases[r % 6] + ((r >> 3) % 24) * 4096 + ((r >> 8) & 0xff8);
    a.op = (mmu_op_t)((r >> 20) % 3);
    a.user = (r >> 22) % 4 != 0;
    a.asid = 1;
    acc.push_back(a);
  }
  std::vector<mmu_brief_t> out(acc.size());
  size_t faults = 0;
  for (size_t i = 0; i < acc.size();) {
    size_t done = 0;
    mmu_result_t f{};
    size_t n = std::min<size_t>(acc.size() - i, 97);
    ASSERT_EQ(mmu_translate_batch(many, &acc[i], n, &out[i], &done, &f), MMU_OK);
    ASSERT_GE(done, 1u);
    ASSERT_LE(done, n);
    for (size_t k = i; k < i + done; k++) {
      mmu_result_t r;
      ASSERT_EQ(mmu_translate(one, &acc[k], &r), MMU_OK);
      SCOPED_TRACE("access " + std::to_string(k));
      EXPECT_EQ(out[k].pa, r.pa);
      EXPECT_EQ(out[k].cycles, r.cycles.total);
      EXPECT_EQ(out[k].where, (uint8_t)r.where);
      EXPECT_EQ(out[k].fault, (uint8_t)r.fault.kind);
      EXPECT_EQ(out[k].size, (uint8_t)r.size);
      EXPECT_EQ(out[k].walk_reads, r.walk_reads);
      // Only the last access of a batch may fault, and its whole record comes back.
      if (k + 1 < i + done) EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
      if (k + 1 == i + done && done < n) EXPECT_NE(r.fault.kind, MMU_FAULT_NONE);
      if (r.fault.kind != MMU_FAULT_NONE) {
        faults++;
        EXPECT_EQ(f.fault.kind, r.fault.kind);
        EXPECT_EQ(f.fault.va, r.fault.va);
        EXPECT_EQ(f.fault.level, r.fault.level);
        EXPECT_EQ(f.fault.pte, r.fault.pte);
        EXPECT_EQ(f.fault.error_code, r.fault.error_code);
        EXPECT_EQ(f.cycles.total, r.cycles.total);
      }
    }
    i += done;
  }
  EXPECT_GT(faults, 100u); // the stream does exercise the fault exit
  EXPECT_EQ(StatsJson(one), StatsJson(many));
  mmu_stats_t st;
  mmu_stats_get(many, &st);
  EXPECT_EQ(st.translations, acc.size());
  EXPECT_GT(st.dtlb.hits, acc.size() / 10); // and the hit path that the batch answers itself
}

TEST(Batch, SameResultsAndStatisticsAsOneCallPerAccess) {
  ExpectBatchMatchesCalls(nullptr);
}

TEST(Batch, SameResultsWithSmallPlruTlbsAndItlbMisses) {
  mmu_config_t c;
  mmu_config_default(&c);
  c.dtlb.size[MMU_PAGE_4K] = {4, 2};
  c.dtlb.repl = MMU_REPL_PLRU;
  c.itlb.size[MMU_PAGE_4K] = {2, 2};
  c.stlb.size[MMU_PAGE_4K] = {8, 2};
  ExpectBatchMatchesCalls(&c);
}

TEST(Batch, StopsAfterTheFirstFaultAndLeavesTheRestUntranslated) {
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x400000, 0x100000, 0x1000, kRWU, MMU_PAGE_4K), MMU_OK);
  // A walk, two L1 hits (the first decides the entry's rights on the full path, the second is
  // answered by the batch itself), a fault, and an access that must not be translated.
  std::vector<mmu_access_t> acc(5, mmu_access_t{0x400010, MMU_OP_READ, true, false, 1});
  acc[3].va = 0x900000; // not mapped
  std::vector<mmu_brief_t> out(5);
  std::memset(out.data(), 0xab, out.size() * sizeof out[0]);
  size_t done = 99;
  mmu_result_t f;
  ASSERT_EQ(mmu_translate_batch(m, acc.data(), acc.size(), out.data(), &done, &f), MMU_OK);
  EXPECT_EQ(done, 4u);
  EXPECT_EQ(out[0].where, MMU_HIT_WALK);
  EXPECT_EQ(out[0].pa, 0x100010u);
  EXPECT_EQ(out[0].walk_reads, 4u);
  for (int i : {1, 2}) {
    EXPECT_EQ(out[i].where, MMU_HIT_L1);
    EXPECT_EQ(out[i].pa, 0x100010u);
    EXPECT_EQ(out[i].cycles, m.cfg().dtlb.latency);
    EXPECT_EQ(out[i].walk_reads, 0u);
  }
  EXPECT_EQ(out[3].fault, MMU_FAULT_NOT_PRESENT);
  EXPECT_EQ(out[3].pa, 0u);
  EXPECT_EQ(f.fault.kind, MMU_FAULT_NOT_PRESENT);
  EXPECT_EQ(f.fault.va, 0x900000u);
  EXPECT_EQ(out[4].pa, 0xababababababababull); // never written
  mmu_stats_t st;
  mmu_stats_get(m, &st);
  EXPECT_EQ(st.translations, 4u);
  EXPECT_EQ(st.dtlb.hits, 2u);
  // L1 latency on every access, L2 latency on the two L1 misses (the walk and the fault).
  EXPECT_EQ(st.cycles.tlb, 4u * m.cfg().dtlb.latency + 2u * m.cfg().stlb.latency);
}

TEST(Batch, ArgumentErrorsStopTheBatchWithAStatus) {
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x400000, 0x100000, 0x1000, kRWU, MMU_PAGE_4K), MMU_OK);
  mmu_access_t acc[3] = {{0x400000, MMU_OP_READ, true, false, 1},
                         {0x400000, (mmu_op_t)7, true, false, 1},
                         {0x400000, MMU_OP_READ, true, false, 1}};
  mmu_brief_t out[3];
  size_t done = 99;
  EXPECT_EQ(mmu_translate_batch(nullptr, acc, 3, out, &done, nullptr), MMU_ERR_NULL);
  EXPECT_EQ(done, 0u);
  EXPECT_EQ(mmu_translate_batch(m, nullptr, 3, out, &done, nullptr), MMU_ERR_NULL);
  EXPECT_EQ(mmu_translate_batch(m, acc, 3, nullptr, &done, nullptr), MMU_ERR_NULL);
  EXPECT_EQ(mmu_translate_batch(m, nullptr, 0, nullptr, &done, nullptr), MMU_OK);
  EXPECT_EQ(mmu_translate_batch(m, acc, 3, out, &done, nullptr), MMU_ERR_ARG);
  EXPECT_EQ(done, 1u); // the bad access is not counted, nor anything after it
  acc[1].op = MMU_OP_READ;
  acc[1].asid = 9; // no address space 9
  EXPECT_EQ(mmu_translate_batch(m, acc, 3, out, nullptr, nullptr), MMU_ERR_ASID);
  mmu_stats_t st;
  mmu_stats_get(m, &st);
  EXPECT_EQ(st.translations, 2u);
}

TEST(Api, ManyMmusLiveSideBySideWithoutSharedState) {
  Mmu a, b;
  ASSERT_EQ(mmu_map(a, 1, 0x400000, 0x100000, 0x1000, kRWU, MMU_PAGE_4K), MMU_OK);
  EXPECT_EQ(a.Translate(0x400000).fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(b.Translate(0x400000).fault.kind, MMU_FAULT_NOT_PRESENT);
  EXPECT_STREQ(mmu_version(), "0.1.0");
}

} // namespace
