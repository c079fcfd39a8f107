// Firmware: fork and copy-on-write.
#include "test_firmware_fixture.h"

using FirmwareCow = FwTest;

namespace {
constexpr int kPages = 8;
}

class FirmwareCowForked : public FwTest {
protected:
  uint32_t child = 0;
  void SetUp() override {
    FwTest::SetUp();
    MapAnon(pid, kBase, kPages * kPage);
    for (int i = 0; i < kPages; i++) {
      auto d = Pattern(i);
      ASSERT_EQ(Store(pid, kBase + i * kPage, d.data(), d.size()).sig, MMU_SIG_NONE);
    }
    ASSERT_EQ(mmu_proc_fork(k, pid, &child), MMU_OK);
  }
  std::vector<uint8_t> Page(uint32_t p, int i) {
    std::vector<uint8_t> v(kPage);
    EXPECT_EQ(Load(p, kBase + i * kPage, v.data(), v.size()).sig, MMU_SIG_NONE);
    return v;
  }
};

TEST_F(FirmwareCowForked, ForkSharesEveryFrameReadOnlyWithReferenceCounts) {
  EXPECT_EQ(mmu_kframes_used(k), (uint64_t)kPages); // nothing copied
  for (int i = 0; i < kPages; i++) {
    uint64_t va = kBase + i * kPage;
    mmu_pte_fields_t pf = Fields(pid, va), cf = Fields(child, va);
    EXPECT_TRUE(pf.present && cf.present);
    EXPECT_EQ(pf.pa, cf.pa);
    EXPECT_FALSE(pf.perm & MMU_PERM_W);
    EXPECT_FALSE(cf.perm & MMU_PERM_W);
    mmu_kframe_info_t fi = Frame(pf.pa);
    EXPECT_EQ(fi.refs, 2u);
    EXPECT_EQ(fi.mappings, 2u);
  }
  mmu_vma_info_t v;
  ASSERT_EQ(mmu_proc_vma(k, child, kBase, &v), MMU_OK);
  EXPECT_EQ(v.start, kBase);
  EXPECT_EQ(v.end, kBase + kPages * kPage);
  EXPECT_EQ(Page(child, 3), Pattern(3));
  EXPECT_EQ(Stats().forks, 1u);
}

TEST_F(FirmwareCowForked, ChildWriteCopiesTheFrameAndTheParentKeepsItsBytes) {
  uint64_t va = kBase + 2 * kPage;
  uint64_t shared = Fields(pid, va).pa;
  mmu_koutcome_t o = Store64(child, va + 16, 0xdeadbeef);
  EXPECT_EQ(o.sig, MMU_SIG_NONE);
  EXPECT_EQ(o.last.kind, MMU_KF_COW);
  EXPECT_EQ(o.last.fault.kind, MMU_FAULT_WRITE);
  EXPECT_EQ(o.last.fault.error_code, MMU_PFEC_P | MMU_PFEC_W | MMU_PFEC_U);
  mmu_pte_fields_t cf = Fields(child, va), pf = Fields(pid, va);
  EXPECT_NE(cf.pa, shared);
  EXPECT_EQ(pf.pa, shared);
  EXPECT_TRUE(cf.perm & MMU_PERM_W);
  EXPECT_TRUE(cf.dirty);
  EXPECT_FALSE(pf.perm & MMU_PERM_W); // the parent stays read-only until it writes
  EXPECT_EQ(Frame(shared).refs, 1u);
  EXPECT_EQ(Frame(cf.pa).refs, 1u);
  EXPECT_EQ(Page(pid, 2), Pattern(2)); // parent unchanged
  auto expect = Pattern(2);
  uint64_t v = 0xdeadbeef;
  memcpy(expect.data() + 16, &v, 8);
  EXPECT_EQ(Page(child, 2), expect);
  EXPECT_EQ(o.last.kernel_cycles,
            Costs({MMU_KC_ENTRY, MMU_KC_DISPATCH, MMU_KC_VMA_LOOKUP, MMU_KC_FRAME_ALLOC,
                   MMU_KC_COPY_PAGE, MMU_KC_PTE_UPDATE, MMU_KC_TLB_INVAL, MMU_KC_EXIT}));
  EXPECT_EQ(Stats().cow_copies, 1u);
}

// One store across two shared pages takes two COW faults: the outcome sums both, and its last
// record is the second fault alone (the first one is recorded in the outcome itself, the second
// must not inherit its charges or cycles); the log sees each record as it finishes.
TEST_F(FirmwareCowForked, AStoreAcrossTwoSharedPagesRecordsTheSecondFaultLast) {
  std::vector<mmu_kfault_rec_t> log;
  ASSERT_EQ(mmu_kernel_set_fault_log(
                k,
                [](const mmu_kfault_rec_t *r, void *ctx) {
                  static_cast<std::vector<mmu_kfault_rec_t> *>(ctx)->push_back(*r);
                },
                &log),
            MMU_OK);
  uint64_t va = kBase + 4 * kPage - 4;
  mmu_koutcome_t o = Store64(child, va, 0x1122334455667788ull);
  EXPECT_EQ(o.sig, MMU_SIG_NONE);
  EXPECT_EQ(o.bytes_done, 8u);
  EXPECT_EQ(o.faults, 2u);
  EXPECT_EQ(o.translations, 4u);
  uint64_t cow = Costs({MMU_KC_ENTRY, MMU_KC_DISPATCH, MMU_KC_VMA_LOOKUP, MMU_KC_FRAME_ALLOC,
                        MMU_KC_COPY_PAGE, MMU_KC_PTE_UPDATE, MMU_KC_TLB_INVAL, MMU_KC_EXIT});
  EXPECT_EQ(o.kernel_cycles, 2 * cow);
  EXPECT_EQ(o.last.kind, MMU_KF_COW);
  EXPECT_EQ(o.last.fault.va, kBase + 4 * kPage);
  EXPECT_EQ(o.last.kernel_cycles, cow);
  EXPECT_EQ(o.last.counts[MMU_KC_COPY_PAGE], 1u);
  EXPECT_EQ(o.last.counts[MMU_KC_ENTRY], 1u);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].fault.va, va);
  EXPECT_EQ(log[0].kernel_cycles, cow);
  EXPECT_EQ(log[1].fault.va, kBase + 4 * kPage);
  EXPECT_EQ(memcmp(&log[1].items, &o.last.items, sizeof o.last.items), 0);
  EXPECT_EQ(log[0].hw.total + log[1].hw.total, o.hw_cycles);
  EXPECT_EQ(o.last.hw.total, log[1].hw.total);
  // A store without faults afterwards reports no fault at all.
  o = Store64(child, va, 1);
  EXPECT_EQ(o.faults, 0u);
  EXPECT_EQ(o.last.kind, MMU_KF_NONE);
  EXPECT_EQ(o.last.kernel_cycles, 0u);
  EXPECT_EQ(o.last.counts[MMU_KC_ENTRY], 0u);
  mmu_kernel_set_fault_log(k, nullptr, nullptr);
}

TEST_F(FirmwareCowForked, TheLastOwnerWritesInPlaceWithoutACopy) {
  uint64_t va = kBase + 5 * kPage;
  uint64_t shared = Fields(pid, va).pa;
  ASSERT_EQ(Store64(child, va, 1).last.kind, MMU_KF_COW);
  // Now the parent is the only owner of the old frame.
  mmu_koutcome_t o = Store64(pid, va, 2);
  EXPECT_EQ(o.last.kind, MMU_KF_COW_REUSE);
  EXPECT_EQ(o.last.counts[MMU_KC_COPY_PAGE], 0u);
  EXPECT_EQ(o.last.counts[MMU_KC_FRAME_ALLOC], 0u);
  EXPECT_EQ(o.last.kernel_cycles, Costs({MMU_KC_ENTRY, MMU_KC_DISPATCH, MMU_KC_VMA_LOOKUP,
                                         MMU_KC_PTE_UPDATE, MMU_KC_EXIT}));
  mmu_pte_fields_t pf = Fields(pid, va);
  EXPECT_EQ(pf.pa, shared);
  EXPECT_TRUE(pf.perm & MMU_PERM_W);
  mmu_kstats_t s = Stats();
  EXPECT_EQ(s.cow_copies, 1u);
  EXPECT_EQ(s.cow_reuses, 1u);
  EXPECT_EQ(Load64(pid, va), 2u);
  EXPECT_EQ(Load64(child, va), 1u);
}

TEST_F(FirmwareCowForked, AfterTheChildExitsTheParentReusesEveryFrame) {
  ASSERT_EQ(mmu_proc_exit(k, child), MMU_OK);
  for (int i = 0; i < kPages; i++) {
    EXPECT_EQ(Frame(Fields(pid, kBase + i * kPage).pa).refs, 1u);
    EXPECT_EQ(Store64(pid, kBase + i * kPage, i).last.kind, MMU_KF_COW_REUSE);
  }
  EXPECT_EQ(Stats().cow_copies, 0u);
  EXPECT_EQ(mmu_kframes_used(k), (uint64_t)kPages);
}

TEST_F(FirmwareCowForked, SnapshotStaysIntactWhileTheParentWrites) {
  // Redis-style: the child reads every page while the parent writes k of them.
  const int written = 3;
  for (int i = 0; i < written; i++) {
    std::vector<uint8_t> junk(kPage, 0xEE);
    Store(pid, kBase + i * kPage, junk.data(), junk.size());
  }
  for (int i = 0; i < kPages; i++)
    EXPECT_EQ(Page(child, i), Pattern(i)) << "page " << i;
  EXPECT_EQ(Stats().cow_copies, (uint64_t)written);
  EXPECT_EQ(mmu_kframes_used(k), (uint64_t)(kPages + written));
}

TEST_F(FirmwareCow, ForkOfAForkSharesThreeWays) {
  MapAnon(pid, kBase, kPage);
  Store64(pid, kBase, 77);
  uint32_t c1, c2;
  ASSERT_EQ(mmu_proc_fork(k, pid, &c1), MMU_OK);
  ASSERT_EQ(mmu_proc_fork(k, c1, &c2), MMU_OK);
  uint64_t pa = Fields(pid, kBase).pa;
  EXPECT_EQ(Frame(pa).refs, 3u);
  EXPECT_EQ(Store64(c1, kBase, 1).last.kind, MMU_KF_COW);
  EXPECT_EQ(Frame(pa).refs, 2u);
  EXPECT_EQ(Store64(c2, kBase, 2).last.kind, MMU_KF_COW);
  EXPECT_EQ(Store64(pid, kBase, 3).last.kind, MMU_KF_COW_REUSE);
  EXPECT_EQ(Load64(pid, kBase), 3u);
  EXPECT_EQ(Load64(c1, kBase), 1u);
  EXPECT_EQ(Load64(c2, kBase), 2u);
}

// The same kernel on RISC-V Sv39: faults carry scause instead of an x86 error code, and swap and
// PROT_NONE entries must stay apart from the RISC-V PTE bits.
class FirmwareRiscv : public FwTest {
  void Configure(mmu_config_t &c, mmu_kernel_config_t &k) override {
    c.format = MMU_FMT_SV39;
    k.max_frames = 8;
    k.swap_slots = 64;
  }
};

TEST_F(FirmwareRiscv, FirstTouchCowSwapAndProtNoneWorkOnSv39) {
  MapAnon(pid, kBase, 16 * kPage);
  mmu_koutcome_t o = Store64(pid, kBase, 5);
  EXPECT_EQ(o.last.kind, MMU_KF_ANON);
  EXPECT_EQ(o.last.fault.cause, MMU_CAUSE_STORE_PAGE_FAULT);
  uint32_t child;
  ASSERT_EQ(mmu_proc_fork(k, pid, &child), MMU_OK);
  EXPECT_EQ(Store64(child, kBase, 6).last.kind, MMU_KF_COW);
  EXPECT_EQ(Load64(pid, kBase), 5u);
  for (int i = 1; i < 16; i++)
    Store64(pid, kBase + i * kPage, 100 + i);
  EXPECT_GT(Stats().swap_outs, 0u);
  for (int i = 1; i < 16; i++)
    EXPECT_EQ(Load64(pid, kBase + i * kPage), 100u + i);
  EXPECT_EQ(Load64(pid, kBase + kPage), 101u); // resident again
  ASSERT_TRUE(Pte(pid, kBase + kPage).present);
  ASSERT_EQ(mmu_mprotect(k, pid, kBase + kPage, kPage, MMU_PROT_NONE), MMU_OK);
  uint64_t v;
  ASSERT_EQ(mmu_kload(k, pid, kBase + kPage, &v, 8, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.last.fault.cause, MMU_CAUSE_LOAD_PAGE_FAULT);
  EXPECT_FALSE(mmu_kpte_is_swap(Pte(pid, kBase + kPage).pte, nullptr));
  ASSERT_EQ(mmu_mprotect(k, pid, kBase + kPage, kPage, MMU_PROT_READ), MMU_OK);
  EXPECT_EQ(Load64(pid, kBase + kPage), 101u);
  EXPECT_EQ(Load64(child, kBase), 6u);
}

TEST_F(FirmwareCow, ForkCostIsASyscallPlusTwoPteUpdatesPerWritablePageAndOneFlush) {
  const int n = 5;
  MapAnon(pid, kBase, n * kPage);
  for (int i = 0; i < n; i++)
    Store64(pid, kBase + i * kPage, i);
  ASSERT_EQ(mmu_kernel_stats_reset(k), MMU_OK);
  uint32_t child;
  ASSERT_EQ(mmu_proc_fork(k, pid, &child), MMU_OK);
  mmu_kstats_t s = Stats();
  EXPECT_EQ(s.syscall_cycles,
            Cost(MMU_KC_SYSCALL) + 2 * n * Cost(MMU_KC_PTE_UPDATE) + Cost(MMU_KC_TLB_INVAL));
  EXPECT_EQ(s.fault_cycles, 0u);
}
