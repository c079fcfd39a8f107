// Firmware: grows-down stack VMAs — growth below the stack, RLIMIT_STACK, stack_guard_gap.
#include "test_firmware_fixture.h"

namespace {
constexpr uint64_t kStackTop = 0x7ff000000000ull;
constexpr uint64_t kStackInit = 4 * kPage;
} // namespace

class FirmwareStack : public FwTest {
protected:
  void Configure(mmu_config_t &, mmu_kernel_config_t &k) override {
    k.stack_rlimit = 64 * kPage;
    k.stack_guard_gap = 16;
  }
  void SetUp() override {
    FwTest::SetUp();
    MapAnon(pid, kStackTop - kStackInit, kStackInit, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_STACK);
  }
  mmu_vma_info_t Vma(uint64_t va) {
    mmu_vma_info_t v{};
    EXPECT_EQ(mmu_proc_vma(k, pid, va, &v), MMU_OK);
    return v;
  }
};

TEST_F(FirmwareStack, AccessJustBelowTheStackExtendsTheVmaAndMapsThePage) {
  mmu_vma_info_t before = Vma(kStackTop - 8);
  EXPECT_EQ(before.start, kStackTop - kStackInit);
  EXPECT_TRUE(before.grows_down);
  EXPECT_EQ(before.kind, MMU_VMA_STACK);
  uint64_t va = kStackTop - kStackInit - 8; // 8 bytes below the VMA
  mmu_koutcome_t o = Store64(pid, va, 0x1234);
  EXPECT_EQ(o.sig, MMU_SIG_NONE);
  EXPECT_EQ(o.last.kind, MMU_KF_STACK);
  mmu_vma_info_t after = Vma(va);
  EXPECT_EQ(after.start, kStackTop - kStackInit - kPage);
  EXPECT_EQ(after.end, kStackTop);
  EXPECT_EQ(mmu_proc_vma_count(k, pid), 1u);
  EXPECT_TRUE(Pte(pid, va).present);
  EXPECT_EQ(Load64(pid, va), 0x1234u);
  EXPECT_EQ(Stats().stack_expansions, 1u);
  // The growth took the VMA lock: it is one of the fault's cost items.
  EXPECT_EQ(o.last.counts[MMU_KC_VMA_LOCK], 1u);
  EXPECT_EQ(o.last.kernel_cycles,
            Costs({MMU_KC_ENTRY, MMU_KC_DISPATCH, MMU_KC_VMA_LOOKUP, MMU_KC_VMA_LOCK,
                   MMU_KC_FRAME_ALLOC, MMU_KC_ZERO_PAGE, MMU_KC_PTE_UPDATE, MMU_KC_EXIT}));
}

TEST_F(FirmwareStack, GrowthWithinTheRlimitReachesFarBelow) {
  // Linux no longer checks the stack pointer: any address within RLIMIT_STACK grows the stack.
  uint64_t va = kStackTop - 64 * kPage;
  EXPECT_EQ(Store64(pid, va, 5).sig, MMU_SIG_NONE);
  EXPECT_EQ(Vma(va).start, va);
  // The pages in between have no PTEs: they fault on their own first touch.
  EXPECT_FALSE(Pte(pid, va + kPage).present);
  mmu_koutcome_t o = Store64(pid, va + kPage, 6);
  EXPECT_EQ(o.last.kind, MMU_KF_ANON); // inside the VMA now: an ordinary anonymous fault
}

TEST_F(FirmwareStack, GrowthBeyondTheRlimitIsASegfault) {
  uint64_t va = kStackTop - 64 * kPage - 8; // the stack would be 65 pages
  mmu_koutcome_t o = Store64(pid, va, 1);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.si_code, MMU_SEGV_MAPERR);
  EXPECT_EQ(o.addr, va);
  EXPECT_EQ(o.last.fault.error_code, MMU_PFEC_W | MMU_PFEC_U);
  EXPECT_EQ(o.bytes_done, 0u);
  EXPECT_EQ(Vma(kStackTop - 8).start, kStackTop - kStackInit); // unchanged
  EXPECT_FALSE(Pte(pid, va).present);
}

TEST_F(FirmwareStack, GrowthIntoTheGuardGapIsASegfault) {
  // A mapping 40 pages below the stack; the guard gap is 16 pages above its end.
  uint64_t below_end = kStackTop - kStackInit - 36 * kPage;
  MapAnon(pid, below_end - 4 * kPage, 4 * kPage);
  uint64_t in_gap = below_end + 15 * kPage;
  mmu_koutcome_t o = Store64(pid, in_gap, 1);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.si_code, MMU_SEGV_MAPERR);
  EXPECT_EQ(Vma(kStackTop - 8).start, kStackTop - kStackInit);
  uint64_t at_gap = below_end + 16 * kPage; // exactly the gap away: allowed
  EXPECT_EQ(Store64(pid, at_gap, 2).sig, MMU_SIG_NONE);
  EXPECT_EQ(Vma(at_gap).start, at_gap);
}
