// Firmware: reclaim (clock / second chance), swap-out and swap-in.
#include "test_firmware_fixture.h"

class FirmwareSwap : public FwTest {
protected:
  void Configure(mmu_config_t &, mmu_kernel_config_t &k) override {
    k.max_frames = 16;
    k.swap_slots = 256;
  }
};

TEST_F(FirmwareSwap, ContentsSurviveARoundTripBitExactUnderMemoryPressure) {
  const int n = 64;
  MapAnon(pid, kBase, n * kPage);
  for (int i = 0; i < n; i++) {
    auto d = Pattern(100 + i);
    ASSERT_EQ(Store(pid, kBase + i * kPage, d.data(), d.size()).sig, MMU_SIG_NONE);
  }
  EXPECT_LE(mmu_kframes_used(k), 16u);
  mmu_kstats_t s = Stats();
  EXPECT_GE(s.swap_outs, (uint64_t)(n - 16));
  for (int i = 0; i < n; i++) {
    std::vector<uint8_t> back(kPage);
    ASSERT_EQ(Load(pid, kBase + i * kPage, back.data(), back.size()).sig, MMU_SIG_NONE);
    EXPECT_EQ(back, Pattern(100 + i)) << "page " << i;
  }
  s = Stats();
  EXPECT_GT(s.swap_ins, 0u);
  EXPECT_EQ(s.major_faults, s.swap_ins);
  EXPECT_EQ(s.faults_by_kind[MMU_KF_SWAP_IN], s.swap_ins);
}

TEST_F(FirmwareSwap, ASwappedOutPteHasPresentClearAndHoldsTheSlot) {
  const int n = 20;
  MapAnon(pid, kBase, n * kPage);
  for (int i = 0; i < n; i++)
    Store64(pid, kBase + i * kPage, 1000 + i);
  EXPECT_EQ(Stats().swap_outs, (uint64_t)(n - 16));
  EXPECT_EQ(mmu_kswap_used(k), (uint64_t)(n - 16));
  int swapped = 0;
  for (int i = 0; i < n; i++) {
    mmu_pte_ref_t r = Pte(pid, kBase + i * kPage);
    uint64_t slot;
    if (!mmu_kpte_is_swap(r.pte, &slot)) {
      EXPECT_TRUE(r.present);
      continue;
    }
    swapped++;
    EXPECT_FALSE(r.present);
    EXPECT_EQ(r.level, 0);
    EXPECT_EQ(r.pte & 1u, 0u);
    EXPECT_EQ(mmu_kswap_count(k, slot), 1u);
    // Reading it back is a major fault that frees the slot.
    mmu_koutcome_t o;
    EXPECT_EQ(Load64(pid, kBase + i * kPage, &o), (uint64_t)(1000 + i));
    EXPECT_EQ(o.last.kind, MMU_KF_SWAP_IN);
    EXPECT_TRUE(o.last.major);
    EXPECT_EQ(o.last.items[MMU_KC_SWAP_READ], Cost(MMU_KC_SWAP_READ));
    EXPECT_EQ(mmu_kswap_count(k, slot), 0u);
    break;
  }
  EXPECT_EQ(swapped, 1);
}

TEST_F(FirmwareSwap, ClockGivesRecentlyAccessedPagesASecondChance) {
  // 16 frames: pages 0..15 fill memory, all with A set (new PTEs are young).
  MapAnon(pid, kBase, 32 * kPage);
  for (int i = 0; i < 16; i++)
    Store64(pid, kBase + i * kPage, i);
  // Page 16: the hand sweeps once clearing every A bit, then evicts the oldest, page 0.
  Store64(pid, kBase + 16 * kPage, 16);
  EXPECT_TRUE(mmu_kpte_is_swap(Pte(pid, kBase).pte, nullptr));
  // Touch page 2 through a fresh walk (flush the TLB so the walker sets A again).
  mmu_invalidate(mmu, MMU_INVAL_ALL, 0, 0);
  EXPECT_EQ(Load64(pid, kBase + 2 * kPage), 2u);
  EXPECT_TRUE(Fields(pid, kBase + 2 * kPage).accessed);
  // Pages 17 and 18 evict page 1 (cold) and then skip page 2 (young) for page 3.
  Store64(pid, kBase + 17 * kPage, 17);
  Store64(pid, kBase + 18 * kPage, 18);
  EXPECT_TRUE(mmu_kpte_is_swap(Pte(pid, kBase + 1 * kPage).pte, nullptr));
  EXPECT_TRUE(Pte(pid, kBase + 2 * kPage).present);
  EXPECT_FALSE(Fields(pid, kBase + 2 * kPage).accessed); // its second chance is used up
  EXPECT_TRUE(mmu_kpte_is_swap(Pte(pid, kBase + 3 * kPage).pte, nullptr));
}

TEST_F(FirmwareSwap, ASharedCowFrameSwapsToOneSlotReferencedByBothProcesses) {
  MapAnon(pid, kBase, 24 * kPage);
  auto d = Pattern(9);
  Store(pid, kBase, d.data(), d.size());
  uint32_t child;
  ASSERT_EQ(mmu_proc_fork(k, pid, &child), MMU_OK);
  // Pressure from the parent pushes the shared page out.
  for (int i = 1; i < 24; i++)
    Store64(pid, kBase + i * kPage, i);
  uint64_t ps, cs;
  ASSERT_TRUE(mmu_kpte_is_swap(Pte(pid, kBase).pte, &ps));
  ASSERT_TRUE(mmu_kpte_is_swap(Pte(child, kBase).pte, &cs));
  EXPECT_EQ(ps, cs);
  EXPECT_EQ(mmu_kswap_count(k, ps), 2u);
  // The child writes its copy; the parent still reads the original bytes.
  EXPECT_EQ(Store64(child, kBase, 0x55).sig, MMU_SIG_NONE);
  EXPECT_EQ(mmu_kswap_count(k, ps), 1u);
  std::vector<uint8_t> back(kPage);
  Load(pid, kBase, back.data(), back.size());
  EXPECT_EQ(back, d);
  EXPECT_EQ(Load64(child, kBase), 0x55u);
  EXPECT_EQ(mmu_kswap_count(k, ps), 0u);
}

TEST_F(FirmwareSwap, ExitReleasesFramesAndSwapSlots) {
  MapAnon(pid, kBase, 40 * kPage);
  for (int i = 0; i < 40; i++)
    Store64(pid, kBase + i * kPage, i);
  EXPECT_GT(mmu_kswap_used(k), 0u);
  ASSERT_EQ(mmu_proc_exit(k, pid), MMU_OK);
  EXPECT_EQ(mmu_kswap_used(k), 0u);
  EXPECT_EQ(mmu_kframes_used(k), 0u);
}
