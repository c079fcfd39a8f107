// Firmware: permission faults delivered as segmentation faults; mprotect and munmap.
#include "test_firmware_fixture.h"

using FirmwareSegv = FwTest;

TEST_F(FirmwareSegv, WriteToAReadOnlyPageIsSegvAccerrWithTheErrorCode) {
  MapAnon(pid, kBase, kPage, MMU_PROT_READ);
  EXPECT_EQ(Load64(pid, kBase), 0u);
  uint64_t v = 7;
  mmu_koutcome_t o = Store(pid, kBase + 8, &v, 8);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.si_code, MMU_SEGV_ACCERR);
  EXPECT_EQ(o.addr, kBase + 8);
  EXPECT_EQ(o.bytes_done, 0u);
  EXPECT_EQ(o.last.kind, MMU_KF_SIGNAL);
  EXPECT_EQ(o.last.fault.kind, MMU_FAULT_WRITE);
  EXPECT_EQ(o.last.fault.error_code, MMU_PFEC_P | MMU_PFEC_W | MMU_PFEC_U);
  EXPECT_EQ(o.last.kernel_cycles,
            Costs({MMU_KC_ENTRY, MMU_KC_DISPATCH, MMU_KC_VMA_LOOKUP, MMU_KC_SIGNAL, MMU_KC_EXIT}));
  EXPECT_EQ(Load64(pid, kBase + 8), 0u); // nothing written; the process goes on
  EXPECT_EQ(Stats().signals, 1u);
}

TEST_F(FirmwareSegv, FetchingCodePlacedOnTheStackIsANoExecuteSegfault) {
  const uint64_t top = 0x7ff000000000ull;
  MapAnon(pid, top - 4 * kPage, 4 * kPage, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_STACK);
  // A buffer overflow writes "code" (x86 NOPs and a RET) on the stack...
  const uint8_t shellcode[] = {0x90, 0x90, 0x90, 0xc3};
  EXPECT_EQ(Store(pid, top - 64, shellcode, sizeof shellcode).sig, MMU_SIG_NONE);
  // ...and the return address jumps to it.
  uint8_t insn[4];
  mmu_koutcome_t o;
  ASSERT_EQ(mmu_kfetch(k, pid, top - 64, insn, sizeof insn, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.si_code, MMU_SEGV_ACCERR);
  EXPECT_EQ(o.last.fault.kind, MMU_FAULT_NX);
  EXPECT_EQ(o.last.fault.error_code, MMU_PFEC_P | MMU_PFEC_U | MMU_PFEC_I);
  EXPECT_FALSE(Fields(pid, top - 64).perm & MMU_PERM_X);
}

TEST_F(FirmwareSegv, UserAccessToTheKernelPageIsASegfault) {
  uint64_t v;
  mmu_koutcome_t o;
  ASSERT_EQ(mmu_kload(k, pid, MMU_KERNEL_VA, &v, 8, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.si_code, MMU_SEGV_MAPERR);
  EXPECT_EQ(o.last.fault.kind, MMU_FAULT_USER);
  EXPECT_EQ(o.last.fault.error_code, MMU_PFEC_P | MMU_PFEC_U);
  // The page is there, supervisor-only.
  mmu_pte_fields_t f = Fields(pid, MMU_KERNEL_VA);
  EXPECT_TRUE(f.present);
  EXPECT_FALSE(f.perm & MMU_PERM_U);
}

TEST_F(FirmwareSegv, AccessOutsideAnyVmaIsSegvMaperr) {
  MapAnon(pid, kBase, kPage);
  uint64_t v;
  mmu_koutcome_t o;
  ASSERT_EQ(mmu_kload(k, pid, kBase + kPage, &v, 8, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.si_code, MMU_SEGV_MAPERR);
  EXPECT_EQ(o.last.fault.error_code, MMU_PFEC_U);
  EXPECT_FALSE(Pte(pid, kBase + kPage).present);
  // A partially valid access transfers the bytes before the bad page.
  uint8_t buf[16];
  ASSERT_EQ(mmu_kload(k, pid, kBase + kPage - 8, buf, 16, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.bytes_done, 8u);
  EXPECT_EQ(o.addr, kBase + kPage);
}

TEST_F(FirmwareSegv, NonCanonicalAddressIsSegvFromAGeneralProtectionFault) {
  uint64_t v;
  mmu_koutcome_t o;
  ASSERT_EQ(mmu_kload(k, pid, 0x0000900000000000ull, &v, 8, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.si_code, MMU_SI_KERNEL);
  EXPECT_EQ(o.last.fault.kind, MMU_FAULT_NONCANONICAL);
}

TEST_F(FirmwareSegv, MprotectReadOnlyThenWriteFaultsAndRestoringWriteWorks) {
  MapAnon(pid, kBase, 2 * kPage);
  Store64(pid, kBase, 1); // mapped writable, in the TLB
  ASSERT_EQ(mmu_mprotect(k, pid, kBase, kPage, MMU_PROT_READ), MMU_OK);
  EXPECT_FALSE(Fields(pid, kBase).perm & MMU_PERM_W);
  EXPECT_EQ(mmu_proc_vma_count(k, pid), 2u); // split into [R][RW]
  mmu_vma_info_t vi;
  ASSERT_EQ(mmu_proc_vma(k, pid, kBase, &vi), MMU_OK);
  EXPECT_EQ(vi.end, kBase + kPage);
  EXPECT_EQ(vi.prot, MMU_PROT_READ);
  // The TLB entry was invalidated: the write faults instead of hitting a stale writable entry.
  mmu_koutcome_t o = Store64(pid, kBase, 2);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.si_code, MMU_SEGV_ACCERR);
  EXPECT_EQ(Load64(pid, kBase), 1u);
  ASSERT_EQ(mmu_mprotect(k, pid, kBase, kPage, MMU_PROT_READ | MMU_PROT_WRITE), MMU_OK);
  mmu_koutcome_t o2 = Store64(pid, kBase, 3);
  EXPECT_EQ(o2.sig, MMU_SIG_NONE);
  EXPECT_EQ(o2.faults, 0u); // an exclusive anonymous page gets W back directly
  EXPECT_EQ(Load64(pid, kBase), 3u);
}

TEST_F(FirmwareSegv, MprotectNoneKeepsTheContentsForLater) {
  MapAnon(pid, kBase, kPage);
  Store64(pid, kBase, 99);
  ASSERT_EQ(mmu_mprotect(k, pid, kBase, kPage, MMU_PROT_NONE), MMU_OK);
  EXPECT_FALSE(Pte(pid, kBase).present);
  uint64_t v;
  mmu_koutcome_t o;
  ASSERT_EQ(mmu_kload(k, pid, kBase, &v, 8, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.si_code, MMU_SEGV_ACCERR);
  EXPECT_EQ(mmu_kframes_used(k), 1u);
  ASSERT_EQ(mmu_mprotect(k, pid, kBase, kPage, MMU_PROT_READ), MMU_OK);
  EXPECT_EQ(Load64(pid, kBase), 99u);
}

TEST_F(FirmwareSegv, MunmapThenAccessSegfaultsAndFreesTheFrame) {
  MapAnon(pid, kBase, 3 * kPage);
  for (int i = 0; i < 3; i++)
    Store64(pid, kBase + i * kPage, i);
  EXPECT_EQ(mmu_kframes_used(k), 3u);
  ASSERT_EQ(mmu_munmap(k, pid, kBase + kPage, kPage), MMU_OK);
  EXPECT_EQ(mmu_kframes_used(k), 2u);
  EXPECT_FALSE(Pte(pid, kBase + kPage).present);
  EXPECT_EQ(mmu_proc_vma_count(k, pid), 2u);
  uint64_t v;
  mmu_koutcome_t o;
  // The TLB held the page: without the invalidation this load would hit.
  ASSERT_EQ(mmu_kload(k, pid, kBase + kPage, &v, 8, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.si_code, MMU_SEGV_MAPERR);
  EXPECT_EQ(Load64(pid, kBase), 0u);
  EXPECT_EQ(Load64(pid, kBase + 2 * kPage), 2u);
  mmu_kstats_t s = Stats();
  EXPECT_EQ(s.item_counts[MMU_KC_TLB_INVAL], 1u);
  EXPECT_EQ(s.item_counts[MMU_KC_SYSCALL], 2u); // mmap + munmap
}

TEST_F(FirmwareSegv, MapFixedReplacesTheOldMapping) {
  MapAnon(pid, kBase, 2 * kPage);
  Store64(pid, kBase, 11);
  MapAnon(pid, kBase, kPage);
  EXPECT_EQ(Load64(pid, kBase), 0u); // a fresh zero page
  EXPECT_EQ(mmu_proc_vma_count(k, pid), 2u);
}

TEST_F(FirmwareSegv, LargeMunmapFlushesTheWholeAsidOnceAboveTheCeiling) {
  const int n = 40; // above Linux's tlb_single_page_flush_ceiling (33)
  MapAnon(pid, kBase, n * kPage);
  for (int i = 0; i < n; i++)
    Store64(pid, kBase + i * kPage, i);
  ASSERT_EQ(mmu_kernel_stats_reset(k), MMU_OK);
  ASSERT_EQ(mmu_munmap(k, pid, kBase, n * kPage), MMU_OK);
  mmu_kstats_t s = Stats();
  EXPECT_EQ(s.item_counts[MMU_KC_TLB_INVAL], 1u);
  EXPECT_EQ(s.item_counts[MMU_KC_PTE_UPDATE], (uint64_t)n);
  EXPECT_EQ(s.item_counts[MMU_KC_FRAME_FREE], (uint64_t)n);
  EXPECT_EQ(s.syscall_cycles, Cost(MMU_KC_SYSCALL) + Cost(MMU_KC_TLB_INVAL) +
                                  n * (Cost(MMU_KC_PTE_UPDATE) + Cost(MMU_KC_FRAME_FREE)));
  EXPECT_EQ(mmu_kframes_used(k), 0u);
  uint64_t v;
  mmu_koutcome_t o;
  ASSERT_EQ(mmu_kload(k, pid, kBase + 7 * kPage, &v, 8, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
}
