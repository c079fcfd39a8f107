// Firmware: pluggable fault handlers, the fault log and cost accounting across the exception path.
#include <jansson.h>

#include "test_firmware_fixture.h"

using FirmwareHandler = FwTest;

namespace {
struct Counting {
  int calls = 0;
  std::vector<mmu_fault_kind_t> kinds;
};

mmu_kverdict_t CountAndDelegate(mmu_kernel_t *k, mmu_kfault_rec_t *rec, void *ctx) {
  auto *c = static_cast<Counting *>(ctx);
  c->calls++;
  c->kinds.push_back(rec->fault.kind);
  return mmu_kernel_default_handler(k, rec, nullptr);
}

// A handler of its own: maps one fixed frame read-only at any faulting address.
struct OwnFrame {
  uint64_t pa = 0;
};
mmu_kverdict_t MapOwnFrame(mmu_kernel_t *k, mmu_kfault_rec_t *rec, void *ctx) {
  auto *o = static_cast<OwnFrame *>(ctx);
  mmu_t *m = mmu_kernel_mmu(k);
  if (rec->fault.op == MMU_OP_WRITE) {
    rec->sig = MMU_SIG_SEGV;
    rec->si_code = MMU_SEGV_ACCERR;
    return MMU_KV_SIGNAL;
  }
  uint16_t asid;
  mmu_proc_asid(k, rec->pid, &asid);
  if (mmu_map(m, asid, rec->fault.va & ~0xfffull, o->pa, 4096, MMU_PERM_R | MMU_PERM_U,
              MMU_PAGE_4K) != MMU_OK)
    return MMU_KV_SIGNAL;
  mmu_kernel_charge(k, MMU_KC_PTE_UPDATE, 1);
  rec->kind = MMU_KF_CUSTOM;
  return MMU_KV_RETRY;
}

mmu_kverdict_t NeverFixes(mmu_kernel_t *, mmu_kfault_rec_t *, void *) {
  return MMU_KV_RETRY;
}

void Log(const mmu_kfault_rec_t *rec, void *ctx) {
  static_cast<std::vector<mmu_kfault_rec_t> *>(ctx)->push_back(*rec);
}
} // namespace

TEST_F(FirmwareHandler, ACustomHandlerSeesEveryFaultAndCanDelegate) {
  Counting c;
  ASSERT_EQ(mmu_kernel_set_handler(k, CountAndDelegate, &c), MMU_OK);
  MapAnon(pid, kBase, 2 * kPage);
  Store64(pid, kBase, 1);
  Store64(pid, kBase + kPage, 2);
  Store64(pid, kBase, 3); // no fault
  EXPECT_EQ(c.calls, 2);
  EXPECT_EQ(c.kinds[0], MMU_FAULT_NOT_PRESENT);
  EXPECT_EQ(Load64(pid, kBase + kPage), 2u);
  ASSERT_EQ(mmu_kernel_set_handler(k, nullptr, nullptr), MMU_OK); // back to the built-in
  MapAnon(pid, kBase + 4 * kPage, kPage);
  Store64(pid, kBase + 4 * kPage, 1);
  EXPECT_EQ(c.calls, 2);
}

TEST_F(FirmwareHandler, ACustomHandlerMapsItsOwnFrameAndPaysOnlyWhatItCharges) {
  OwnFrame own;
  ASSERT_EQ(mmu_frame_alloc(mmu, &own.pa), MMU_OK);
  const char msg[] = "from the custom handler";
  ASSERT_EQ(mmu_phys_write(mmu, own.pa, msg, sizeof msg), MMU_OK);
  ASSERT_EQ(mmu_kernel_set_handler(k, MapOwnFrame, &own), MMU_OK);
  char buf[sizeof msg];
  mmu_koutcome_t o = Load(pid, 0x5000000, buf, sizeof buf); // no VMA: the handler decides
  EXPECT_EQ(o.sig, MMU_SIG_NONE);
  EXPECT_STREQ(buf, msg);
  EXPECT_EQ(o.last.kind, MMU_KF_CUSTOM);
  EXPECT_EQ(o.last.kernel_cycles,
            Costs({MMU_KC_ENTRY, MMU_KC_DISPATCH, MMU_KC_PTE_UPDATE, MMU_KC_EXIT}));
  uint64_t v = 1;
  mmu_koutcome_t o2 = Store(pid, 0x5000000, &v, 8);
  EXPECT_EQ(o2.sig, MMU_SIG_SEGV);
  EXPECT_EQ(Stats().faults_by_kind[MMU_KF_CUSTOM], 1u);
}

TEST_F(FirmwareHandler, AHandlerThatFixesNothingIsReportedNotLoopedForever) {
  ASSERT_EQ(mmu_kernel_set_handler(k, NeverFixes, nullptr), MMU_OK);
  uint64_t v;
  mmu_koutcome_t o;
  EXPECT_EQ(mmu_kload(k, pid, kBase, &v, 8, &o), MMU_ERR_STATE);
}

TEST_F(FirmwareHandler, TheFaultLogGetsEveryRecordWithHardwareAndKernelCycles) {
  std::vector<mmu_kfault_rec_t> log;
  ASSERT_EQ(mmu_kernel_set_fault_log(k, Log, &log), MMU_OK);
  MapAnon(pid, kBase, 4 * kPage);
  uint64_t hw = 0, kern = 0;
  for (int i = 0; i < 4; i++) {
    mmu_koutcome_t o = Store64(pid, kBase + i * kPage, i);
    hw += o.hw_cycles;
    kern += o.kernel_cycles;
  }
  ASSERT_EQ(log.size(), 4u);
  uint64_t log_hw = 0, log_kern = 0;
  for (auto &r : log) {
    EXPECT_EQ(r.pid, pid);
    EXPECT_EQ(r.kind, MMU_KF_ANON);
    uint64_t sum = 0;
    for (int i = 0; i < MMU_KC_COUNT; i++)
      sum += r.items[i];
    EXPECT_EQ(sum, r.kernel_cycles);
    log_hw += r.hw.total;
    log_kern += r.kernel_cycles;
  }
  EXPECT_EQ(log_hw, hw); // every translation of these accesses belongs to a fault
  EXPECT_EQ(log_kern, kern);
  mmu_kstats_t s = Stats();
  EXPECT_EQ(s.hw_cycles, hw);
  EXPECT_EQ(s.fault_cycles, kern);
  EXPECT_EQ(s.kernel_cycles, s.fault_cycles + s.syscall_cycles);
  EXPECT_EQ(s.syscall_cycles, Cost(MMU_KC_SYSCALL));
  uint64_t items = 0;
  for (int i = 0; i < MMU_KC_COUNT; i++)
    items += s.item_cycles[i];
  EXPECT_EQ(items, s.kernel_cycles);
}

TEST_F(FirmwareHandler, StatisticsSerialiseToJson) {
  MapAnon(pid, kBase, kPage);
  Store64(pid, kBase, 1);
  mmu_kstats_t s = Stats();
  char *txt = mmu_kstats_to_json(&s);
  ASSERT_NE(txt, nullptr);
  json_error_t e;
  json_t *j = json_loads(txt, 0, &e);
  free(txt);
  ASSERT_NE(j, nullptr);
  EXPECT_EQ(json_integer_value(json_object_get(j, "faults")), 1);
  EXPECT_EQ(json_integer_value(json_object_get(json_object_get(j, "faults_by_kind"), "anon")), 1);
  json_t *zero = json_object_get(json_object_get(j, "kernel_items"), "zero_page");
  EXPECT_EQ(json_integer_value(json_object_get(zero, "cycles")),
            (json_int_t)Cost(MMU_KC_ZERO_PAGE));
  json_decref(j);
  ASSERT_EQ(mmu_kernel_stats_reset(k), MMU_OK);
  EXPECT_EQ(Stats().faults, 0u);
}
