// test_firmware_uaccess.cc — the kernel touching user memory: SMAP, STAC, and uaccess faults.
#include "test_firmware_fixture.h"

namespace {

using FirmwareUaccess = FwTest;

TEST_F(FirmwareUaccess, KernelReadOfUserMemoryWithSmapAndAcClearIsAnOops) {
  uint64_t a = MapAnon(pid, 0x10000000, 4096);
  Store64(pid, a, 0x1122334455667788ull);
  uint64_t v = 0;
  mmu_koutcome_t o;
  ASSERT_EQ(mmu_kuaccess(k, pid, a, MMU_OP_READ, &v, nullptr, 8, false, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_OOPS);
  EXPECT_EQ(o.last.fault.kind, MMU_FAULT_SMAP);
  EXPECT_EQ(o.last.fault.error_code, MMU_PFEC_P); // present, read, supervisor
  EXPECT_FALSE(o.last.fault.user);
  EXPECT_EQ(o.bytes_done, 0u);
  EXPECT_EQ(v, 0u); // nothing was read
}

TEST_F(FirmwareUaccess, CopyFromUserWithStacReadsTheBytes) {
  uint64_t a = MapAnon(pid, 0x10000000, 4096);
  Store64(pid, a + 8, 0xfeedfacecafebeefull);
  uint64_t v = 0;
  mmu_koutcome_t o;
  ASSERT_EQ(mmu_kuaccess(k, pid, a + 8, MMU_OP_READ, &v, nullptr, 8, true, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_NONE);
  EXPECT_EQ(v, 0xfeedfacecafebeefull);
  mmu_ctrl_t c;
  mmu_get_ctrl(mmu, &c);
  EXPECT_FALSE(c.ac); // CLAC after the access
}

TEST_F(FirmwareUaccess, CopyToUserDemandPagesAnUntouchedPage) {
  uint64_t a = MapAnon(pid, 0x10000000, 4096);
  const uint64_t v = 0x0102030405060708ull;
  mmu_koutcome_t o;
  ASSERT_EQ(mmu_kuaccess(k, pid, a, MMU_OP_WRITE, nullptr, &v, 8, true, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_NONE);
  EXPECT_EQ(o.faults, 1u);
  EXPECT_EQ(o.last.kind, MMU_KF_ANON);
  EXPECT_EQ(Load64(pid, a), v); // the user sees what the kernel wrote
}

TEST_F(FirmwareUaccess, CopyToUserBreaksCopyOnWriteAndLeavesTheParentAlone) {
  uint64_t a = MapAnon(pid, 0x10000000, 4096);
  Store64(pid, a, 1);
  uint32_t child;
  ASSERT_EQ(mmu_proc_fork(k, pid, &child), MMU_OK);
  const uint64_t v = 2;
  mmu_koutcome_t o;
  ASSERT_EQ(mmu_kuaccess(k, child, a, MMU_OP_WRITE, nullptr, &v, 8, true, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_NONE);
  EXPECT_EQ(o.last.fault.kind, MMU_FAULT_WRITE); // CR0.WP: the kernel honours read-only PTEs
  EXPECT_EQ(o.last.kind, MMU_KF_COW);
  EXPECT_EQ(Load64(child, a), 2u);
  EXPECT_EQ(Load64(pid, a), 1u);
}

TEST_F(FirmwareUaccess, UaccessToAnUnmappedAddressIsReportedNotFatal) {
  uint64_t v = 0;
  mmu_koutcome_t o;
  ASSERT_EQ(mmu_kuaccess(k, pid, 0x20000000, MMU_OP_READ, &v, nullptr, 8, true, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_SEGV);
  EXPECT_EQ(o.si_code, MMU_SEGV_MAPERR);
  EXPECT_EQ(o.last.fault.error_code, 0u); // not present, read, supervisor
}

TEST_F(FirmwareUaccess, FetchesAndBadArgumentsAreRefused) {
  mmu_koutcome_t o;
  uint64_t v;
  EXPECT_EQ(mmu_kuaccess(k, pid, 0x1000, MMU_OP_EXEC, &v, nullptr, 8, true, &o), MMU_ERR_ARG);
  EXPECT_EQ(mmu_kuaccess(k, pid, 0x1000, MMU_OP_READ, &v, nullptr, 0, true, &o), MMU_ERR_ARG);
  EXPECT_EQ(mmu_kuaccess(nullptr, pid, 0x1000, MMU_OP_READ, &v, nullptr, 8, true, &o),
            MMU_ERR_NULL);
  EXPECT_EQ(mmu_kuaccess(k, 999, 0x1000, MMU_OP_READ, &v, nullptr, 8, true, &o), MMU_ERR_ARG);
}

} // namespace
