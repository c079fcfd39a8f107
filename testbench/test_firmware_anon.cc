// Firmware: first touch of anonymous memory (lazy allocation), and the cost of that fault.
#include "test_firmware_fixture.h"

using FirmwareAnon = FwTest;

TEST_F(FirmwareAnon, FirstTouchReadMapsZeroedWritableFrame) {
  MapAnon(pid, kBase, 4 * kPage);
  uint8_t buf[64];
  memset(buf, 0xAA, sizeof buf);
  mmu_koutcome_t o = Load(pid, kBase + 100, buf, sizeof buf);
  EXPECT_EQ(o.sig, MMU_SIG_NONE);
  EXPECT_EQ(o.faults, 1u);
  EXPECT_EQ(o.last.kind, MMU_KF_ANON);
  EXPECT_EQ(o.last.fault.kind, MMU_FAULT_NOT_PRESENT);
  EXPECT_EQ(o.last.fault.error_code, MMU_PFEC_U); // not present, read, user
  for (uint8_t b : buf)
    EXPECT_EQ(b, 0);
  mmu_pte_ref_t r = Pte(pid, kBase);
  EXPECT_TRUE(r.present);
  EXPECT_EQ(r.level, 0);
  mmu_pte_fields_t f = Fields(pid, kBase);
  EXPECT_TRUE(f.accessed);
  EXPECT_FALSE(f.dirty);
  EXPECT_EQ(f.perm & (MMU_PERM_W | MMU_PERM_U | MMU_PERM_X), MMU_PERM_W | MMU_PERM_U);
  mmu_kframe_info_t fi = Frame(f.pa);
  EXPECT_TRUE(fi.managed);
  EXPECT_EQ(fi.refs, 1u);
  EXPECT_EQ(fi.mappings, 1u);
  EXPECT_FALSE(fi.page_cache);
  // The neighbouring page was not touched: no PTE.
  EXPECT_FALSE(Pte(pid, kBase + kPage).present);
  EXPECT_EQ(mmu_kframes_used(k), 1u);
}

TEST_F(FirmwareAnon, FirstTouchWriteStoresBytesAndSetsDirty) {
  MapAnon(pid, kBase, kPage);
  auto data = Pattern(7, 256);
  mmu_koutcome_t o = Store(pid, kBase + 3000, data.data(), data.size());
  EXPECT_EQ(o.faults, 1u);
  EXPECT_EQ(o.last.fault.error_code, MMU_PFEC_W | MMU_PFEC_U);
  EXPECT_TRUE(Fields(pid, kBase).dirty);
  std::vector<uint8_t> back(256);
  mmu_koutcome_t o2 = Load(pid, kBase + 3000, back.data(), back.size());
  EXPECT_EQ(o2.faults, 0u);
  EXPECT_EQ(back, data);
  // The bytes are in model physical memory at the mapped frame.
  std::vector<uint8_t> phys(256);
  ASSERT_EQ(mmu_phys_read(mmu, Fields(pid, kBase).pa + 3000, phys.data(), phys.size()), MMU_OK);
  EXPECT_EQ(phys, data);
}

TEST_F(FirmwareAnon, AccessSpanningTwoPagesTakesTwoFaults) {
  MapAnon(pid, kBase, 2 * kPage);
  auto data = Pattern(3, 100);
  mmu_koutcome_t o = Store(pid, kBase + kPage - 50, data.data(), data.size());
  EXPECT_EQ(o.sig, MMU_SIG_NONE);
  EXPECT_EQ(o.bytes_done, 100u);
  EXPECT_EQ(o.faults, 2u);
  EXPECT_EQ(o.translations, 4u); // each page: fault + retry
  std::vector<uint8_t> back(100);
  Load(pid, kBase + kPage - 50, back.data(), back.size());
  EXPECT_EQ(back, data);
}

TEST_F(FirmwareAnon, FirstTouchKernelCyclesAreTheSumOfNamedItems) {
  MapAnon(pid, kBase, kPage);
  uint64_t v = 1;
  mmu_koutcome_t o = Store(pid, kBase, &v, 8);
  ASSERT_EQ(o.faults, 1u);
  const uint64_t expect =
      Costs({MMU_KC_ENTRY, MMU_KC_DISPATCH, MMU_KC_VMA_LOOKUP, MMU_KC_FRAME_ALLOC, MMU_KC_ZERO_PAGE,
             MMU_KC_PTE_UPDATE, MMU_KC_EXIT});
  EXPECT_EQ(o.last.kernel_cycles, expect);
  EXPECT_EQ(o.kernel_cycles, expect);
  for (auto i : {MMU_KC_ENTRY, MMU_KC_DISPATCH, MMU_KC_VMA_LOOKUP, MMU_KC_FRAME_ALLOC,
                 MMU_KC_ZERO_PAGE, MMU_KC_PTE_UPDATE, MMU_KC_EXIT}) {
    EXPECT_EQ(o.last.items[i], Cost(i)) << mmu_kcost_name(i);
    EXPECT_EQ(o.last.counts[i], 1u) << mmu_kcost_name(i);
  }
  EXPECT_EQ(o.last.items[MMU_KC_COPY_PAGE], 0u);
  // Hardware side: the faulting walk and the retry, both from mmu_result_t.cycles.
  EXPECT_EQ(o.last.hw.total, o.hw_cycles);
  EXPECT_GT(o.hw_cycles, 0u);
  mmu_stats_t hs;
  ASSERT_EQ(mmu_stats_get(mmu, &hs), MMU_OK);
  EXPECT_EQ(hs.cycles.total, o.hw_cycles);
  mmu_kstats_t ks = Stats();
  EXPECT_EQ(ks.hw_cycles, o.hw_cycles);
  EXPECT_EQ(ks.fault_cycles, expect);
  EXPECT_EQ(ks.kernel_cycles_by_kind[MMU_KF_ANON], expect);
  EXPECT_EQ(ks.faults_by_kind[MMU_KF_ANON], 1u);
}

TEST_F(FirmwareAnon, SecondAccessIsATlbHitWithoutKernelCycles) {
  MapAnon(pid, kBase, kPage);
  Store64(pid, kBase, 42);
  mmu_koutcome_t o;
  EXPECT_EQ(Load64(pid, kBase, &o), 42u);
  EXPECT_EQ(o.faults, 0u);
  EXPECT_EQ(o.kernel_cycles, 0u);
  EXPECT_EQ(o.translations, 1u);
}

TEST_F(FirmwareAnon, MicrosecondItemsConvertAtTheConfiguredClock) {
  mmu_kcost_table_t t = kc.cost;
  t.clock_ghz = 2.5;
  t.value[MMU_KC_SWAP_READ] = 10.0;
  EXPECT_EQ(mmu_kcost_cycles(&t, MMU_KC_SWAP_READ), 25000u);
  EXPECT_STREQ(mmu_kcost_unit(MMU_KC_SWAP_READ), "us");
  EXPECT_STREQ(mmu_kcost_unit(MMU_KC_ZERO_PAGE), "cycles");
  EXPECT_EQ(mmu_kcost_cycles(&t, MMU_KC_ZERO_PAGE), (uint64_t)t.value[MMU_KC_ZERO_PAGE]);
}

class FirmwareAnonTiny : public FwTest {
  void Configure(mmu_config_t &, mmu_kernel_config_t &k) override {
    k.max_frames = 4;
    k.swap_slots = 0;
  }
};

TEST_F(FirmwareAnonTiny, OutOfFramesWithoutSwapKillsTheAccessNotTheModel) {
  MapAnon(pid, kBase, 8 * kPage);
  for (int i = 0; i < 4; i++)
    EXPECT_EQ(Store64(pid, kBase + i * kPage, i).sig, MMU_SIG_NONE);
  mmu_koutcome_t o = Store64(pid, kBase + 4 * kPage, 4);
  EXPECT_EQ(o.sig, MMU_SIG_KILL);
  EXPECT_EQ(o.last.kind, MMU_KF_OOM);
  EXPECT_EQ(mmu_kframes_used(k), 4u);
  for (int i = 0; i < 4; i++)
    EXPECT_EQ(Load64(pid, kBase + i * kPage), (uint64_t)i);
}

TEST(FirmwareApi, MisuseReturnsStatusCodes) {
  mmu_t *m;
  ASSERT_EQ(mmu_create(nullptr, &m), MMU_OK);
  mmu_kernel_t *k;
  EXPECT_EQ(mmu_kernel_create(nullptr, nullptr, &k), MMU_ERR_NULL);
  mmu_kernel_config_t bad;
  mmu_kernel_config_default(&bad);
  bad.max_frames = 0;
  EXPECT_EQ(mmu_kernel_create(m, &bad, &k), MMU_ERR_CONFIG);
  char err[128] = "";
  bad.max_frames = 1;
  bad.fault_around_bytes = 3000;
  EXPECT_EQ(mmu_kernel_config_validate(&bad, err, sizeof err), MMU_ERR_CONFIG);
  EXPECT_NE(std::string(err).find("fault_around_bytes"), std::string::npos);
  ASSERT_EQ(mmu_kernel_create(m, nullptr, &k), MMU_OK);
  mmu_kernel_t *k2;
  EXPECT_EQ(mmu_kernel_create(m, nullptr, &k2), MMU_ERR_STATE); // one kernel per MMU
  uint32_t pid;
  ASSERT_EQ(mmu_proc_create(k, &pid), MMU_OK);
  uint64_t a;
  EXPECT_EQ(mmu_mmap(k, 999, 0, kPage, MMU_PROT_READ, MMU_MAP_PRIVATE | MMU_MAP_ANON, -1, 0, &a),
            MMU_ERR_ARG);
  EXPECT_EQ(mmu_mmap(k, pid, 0, 0, MMU_PROT_READ, MMU_MAP_PRIVATE | MMU_MAP_ANON, -1, 0, &a),
            MMU_ERR_ARG);
  EXPECT_EQ(mmu_mmap(k, pid, 123, kPage, MMU_PROT_READ,
                     MMU_MAP_PRIVATE | MMU_MAP_ANON | MMU_MAP_FIXED, -1, 0, &a),
            MMU_ERR_ALIGN);
  EXPECT_EQ(mmu_mmap(k, pid, 0, kPage, MMU_PROT_READ, MMU_MAP_PRIVATE | MMU_MAP_SHARED, -1, 0, &a),
            MMU_ERR_ARG);
  EXPECT_EQ(mmu_mmap(k, pid, 0, kPage, MMU_PROT_READ, MMU_MAP_SHARED, 7, 0, &a), MMU_ERR_ARG);
  EXPECT_EQ(mmu_munmap(k, pid, 1, kPage), MMU_ERR_ALIGN);
  mmu_koutcome_t o;
  EXPECT_EQ(mmu_kload(k, pid, 0, nullptr, 8, &o), MMU_ERR_NULL);
  EXPECT_EQ(mmu_kload(k, 4000, 0x1000, &a, 8, &o), MMU_ERR_ARG);
  EXPECT_EQ(mmu_kernel_charge(k, MMU_KC_ENTRY, 1), MMU_ERR_STATE); // outside a handler
  EXPECT_EQ(mmu_proc_exit(k, 77), MMU_ERR_ARG);
  // A kernel-chosen address lies below the mmap base, inside user space.
  ASSERT_EQ(
      mmu_mmap(k, pid, 0, 3 * kPage, MMU_PROT_READ, MMU_MAP_PRIVATE | MMU_MAP_ANON, -1, 0, &a),
      MMU_OK);
  EXPECT_EQ(a % kPage, 0u);
  EXPECT_LT(a, 1ull << 47);
  mmu_vma_info_t vi;
  ASSERT_EQ(mmu_proc_vma(k, pid, a + kPage, &vi), MMU_OK);
  EXPECT_EQ(vi.start, a);
  EXPECT_EQ(vi.end, a + 3 * kPage);
  EXPECT_EQ(vi.kind, MMU_VMA_ANON);
  mmu_kernel_destroy(k); // detaches; the MMU can get a new kernel
  ASSERT_EQ(mmu_kernel_create(m, nullptr, &k), MMU_OK);
  mmu_destroy(m);
}
