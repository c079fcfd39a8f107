// Directed tests of the Verilated mmu_walker: page sizes, every fault kind, A/D update, PWC.
#include <gtest/gtest.h>

#include "Vwalker_l4.h"
#include "Vwalker_l5.h"
#include "Vwalker_nopwc.h"
#include "walker_harness.h"

using namespace rtlwalk;

namespace {

const Params kL4{4, 46, true};
const Params kL5{5, 52, true};
const Params kNoPwc{4, 39, false};

// A walker under test plus the reference walker; run() checks them against each other.
template <class M> struct Dut {
  explicit Dut(Params p, uint64_t seed = 1) : p(p), b(seed), ref(p), pt(b.mem, p) {
    root = pt.new_table();
  }
  Result run(Request r) {
    if (!r.root) r.root = root;
    Mem expect_mem = b.mem;
    const Result want = ref.walk(expect_mem, r);
    const Result got = b.walk(r);
    EXPECT_EQ(b.protocol_error, "");
    EXPECT_TRUE(got.same_fields(want))
        << req_str(r) << "\n rtl: " << got.str() << "\n ref: " << want.str();
    EXPECT_TRUE(expect_mem == b.mem) << "memory after A/D update differs";
    EXPECT_EQ(got.refs, got.ops.size());
    return got;
  }
  void flush() {
    b.flush();
    ref.flush();
  }
  Params p;
  Bench<M> b;
  RefWalker ref;
  PageTables pt;
  uint64_t root;
};

constexpr uint64_t kAll = kP | kRw | kUs | kA | kD;

Request rq(uint64_t va, unsigned op = kRead, bool user = false) {
  Request r;
  r.va = va;
  r.op = op;
  r.user = user;
  return r;
}

// ---- page sizes
// ----------------------------------------------------------------------------------
TEST(RtlWalker, Walk4K_L4) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x00007f1234567abcull;
  const uint64_t leaf = d.pt.map(d.root, va, 0, 0x12345000, kAll);
  const Result r = d.run(rq(va, kRead, true));
  EXPECT_EQ(r.fault, kNone);
  EXPECT_EQ(r.pa, 0x12345abcull);
  EXPECT_EQ(r.size, 0u);
  EXPECT_EQ(r.level, 0u);
  EXPECT_EQ(r.pte, d.b.mem[leaf]);
  EXPECT_EQ(r.perm, 3u); // user, writable, executable
  EXPECT_EQ(r.refs, 4u);
  EXPECT_EQ(r.error_code, 0u);
}

TEST(RtlWalker, Walk2M_L4) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0xffff8000123fedcbull; // kernel half
  d.pt.map(d.root, va, 1, 0x3fe00000, kAll | kNxBit | (1ull << 12) /* PAT */);
  const Result r = d.run(rq(va));
  EXPECT_EQ(r.fault, kNone);
  EXPECT_EQ(r.pa, 0x3fe00000ull | (va & 0x1fffff));
  EXPECT_EQ(r.size, 1u);
  EXPECT_EQ(r.level, 1u);
  EXPECT_EQ(r.perm, 7u);
  EXPECT_EQ(r.refs, 3u);
}

TEST(RtlWalker, Walk1G_L4) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x0000004087654321ull;
  d.pt.map(d.root, va, 2, 0x1c0000000ull, kP | kA); // supervisor, read-only
  const Result r = d.run(rq(va));
  EXPECT_EQ(r.fault, kNone);
  EXPECT_EQ(r.pa, 0x1c0000000ull | (va & 0x3fffffff));
  EXPECT_EQ(r.size, 2u);
  EXPECT_EQ(r.level, 2u);
  EXPECT_EQ(r.perm, 0u);
  EXPECT_EQ(r.refs, 2u);
}

TEST(RtlWalker, Walk4K_L5) {
  Dut<Vwalker_l5> d(kL5);
  const uint64_t va = 0x00ff123456789123ull;         // needs 57 bits
  d.pt.map(d.root, va, 0, 0xf000000001000ull, kAll); // PA above 46 bits: legal with 52
  const Result r = d.run(rq(va, kWriteOp, true));
  EXPECT_EQ(r.fault, kNone);
  EXPECT_EQ(r.pa, 0xf000000001123ull);
  EXPECT_EQ(r.level, 0u);
  EXPECT_EQ(r.refs, 5u);
}

TEST(RtlWalker, Walk2M_L5) {
  Dut<Vwalker_l5> d(kL5);
  const uint64_t va = 0xff00000000312345ull;
  d.pt.map(d.root, va, 1, 0x40000000, kAll);
  const Result r = d.run(rq(va, kExec));
  EXPECT_EQ(r.fault, kNone);
  EXPECT_EQ(r.pa, 0x40000000ull | (va & 0x1fffff));
  EXPECT_EQ(r.size, 1u);
  EXPECT_EQ(r.refs, 4u);
}

TEST(RtlWalker, Walk1G_L5) {
  Dut<Vwalker_l5> d(kL5);
  const uint64_t va = 0x0001234540000010ull;
  d.pt.map(d.root, va, 2, 0x80000000, kAll);
  const Result r = d.run(rq(va));
  EXPECT_EQ(r.fault, kNone);
  EXPECT_EQ(r.pa, 0x80000010ull);
  EXPECT_EQ(r.size, 2u);
  EXPECT_EQ(r.refs, 3u);
}

// ---- structural faults
// ---------------------------------------------------------------------------
TEST(RtlWalker, NonCanonical) {
  Dut<Vwalker_l4> d(kL4);
  Result r = d.run(rq(0x0000800000000000ull, kWriteOp, true));
  EXPECT_EQ(r.fault, kNonCanonical);
  EXPECT_EQ(r.level, kLevelNone);
  EXPECT_EQ(r.pte, 0u);
  EXPECT_EQ(r.error_code, 0u);
  EXPECT_EQ(r.refs, 0u);
  EXPECT_TRUE(r.ops.empty());
  r = d.run(rq(0xfffe000000000000ull | (1ull << 47) /* bit 48 clear */));
  EXPECT_EQ(r.fault, kNonCanonical);

  Dut<Vwalker_l5> d5(kL5);
  EXPECT_EQ(d5.run(rq(0x0000800000000000ull)).fault, kNotPresent); // canonical with 57 bits
  EXPECT_EQ(d5.run(rq(0x0100000000000000ull)).fault, kNonCanonical);
}

TEST(RtlWalker, NotPresent) {
  Dut<Vwalker_l4> d(kL4);
  Result r = d.run(rq(0x1000, kWriteOp, true)); // empty root table
  EXPECT_EQ(r.fault, kNotPresent);
  EXPECT_EQ(r.level, 3u);
  EXPECT_EQ(r.pte, 0u);
  EXPECT_EQ(r.error_code, 0x6u); // W | U, P clear
  EXPECT_EQ(r.refs, 1u);

  const uint64_t va = 0x40201000;
  d.pt.map(d.root, va, 0, 0x5000, kAll);
  const uint64_t a1 = d.pt.pte_addr(d.root, va, 1);
  d.b.mem[a1] &= ~kP; // everything else left in place
  r = d.run(rq(va));
  EXPECT_EQ(r.fault, kNotPresent);
  EXPECT_EQ(r.level, 1u);
  EXPECT_EQ(r.pte, d.b.mem[a1]);
  EXPECT_EQ(r.error_code, 0u);
}

TEST(RtlWalker, ReservedAddressBits) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x7000123000;
  d.pt.map(d.root, va, 0, 0x9000, kAll);
  const uint64_t a2 = d.pt.pte_addr(d.root, va, 2);
  d.b.mem[a2] |= 1ull << 50; // above MAXPHYADDR 46
  Result r = d.run(rq(va));
  EXPECT_EQ(r.fault, kRsvd);
  EXPECT_EQ(r.level, 2u);
  EXPECT_EQ(r.error_code, 0x9u); // P | RSVD
  d.b.mem[a2] &= ~(1ull << 50);
  d.b.mem[a2] |= 1ull << 55; // ignored bit
  EXPECT_EQ(d.run(rq(va)).fault, kNone);

  // With MAXPHYADDR 52 bit 50 is an address bit.
  Dut<Vwalker_l5> d5(kL5);
  d5.pt.map(d5.root, va, 0, 0x4000000000000ull, kAll);
  r = d5.run(rq(va));
  EXPECT_EQ(r.fault, kNone);
  EXPECT_EQ(r.pa, 0x4000000000000ull);
}

TEST(RtlWalker, ReservedNxWithoutNxe) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x200000;
  d.pt.map(d.root, va, 0, 0x9000, kAll | kNxBit);
  Request q = rq(va, kExec, true);
  q.nxe = false;
  Result r = d.run(q);
  EXPECT_EQ(r.fault, kRsvd);
  EXPECT_EQ(r.level, 0u);
  EXPECT_EQ(r.error_code, 0xdu); // P | U | RSVD, no I without NXE/SMEP
  q.nxe = true;
  r = d.run(q);
  EXPECT_EQ(r.fault, kNx);
  EXPECT_EQ(r.error_code, 0x15u); // P | U | I
}

TEST(RtlWalker, ReservedPsAtLevel3) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x8000000000ull; // PML4 index 1
  d.b.mem[PageTables::entry_addr(d.root, va, 3)] = 0x40000000 | kAll | kPs;
  Result r = d.run(rq(va));
  EXPECT_EQ(r.fault, kRsvd);
  EXPECT_EQ(r.level, 3u);

  Dut<Vwalker_l5> d5(kL5);
  d5.b.mem[PageTables::entry_addr(d5.root, va, 4)] = d5.pt.new_table() | kAll;
  d5.b.mem[d5.pt.pte_addr(d5.root, va, 3)] = 0x40000000 | kAll | kPs;
  r = d5.run(rq(va));
  EXPECT_EQ(r.fault, kRsvd);
  EXPECT_EQ(r.level, 3u);
}

TEST(RtlWalker, Misaligned) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va2m = 0x40000000 + 0x600000;
  d.pt.map(d.root, va2m, 1, 0x600000 | (1ull << 13), kAll);
  Result r = d.run(rq(va2m, kWriteOp));
  EXPECT_EQ(r.fault, kMisaligned);
  EXPECT_EQ(r.level, 1u);
  EXPECT_EQ(r.error_code, 0xbu); // P | W | RSVD

  const uint64_t va1g = 0x0000008040000000ull;
  d.pt.map(d.root, va1g, 2, 0x40000000 | (1ull << 21), kAll);
  r = d.run(rq(va1g));
  EXPECT_EQ(r.fault, kMisaligned);
  EXPECT_EQ(r.level, 2u);
  // Bit 12 is PAT: not a misalignment.
  d.pt.map(d.root, va1g, 2, 0x40000000 | (1ull << 12), kAll);
  r = d.run(rq(va1g));
  EXPECT_EQ(r.fault, kNone);
  EXPECT_EQ(r.pa, 0x40000000ull);
}

// ---- permission faults
// ---------------------------------------------------------------------------
TEST(RtlWalker, UserAccessToSupervisorPage) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x1234000;
  d.pt.map(d.root, va, 0, 0x7000, kP | kRw | kA | kD); // leaf U/S = 0
  Result r = d.run(rq(va, kRead, true));
  EXPECT_EQ(r.fault, kUser);
  EXPECT_EQ(r.level, 0u);
  EXPECT_EQ(r.error_code, 0x5u);
  EXPECT_EQ(d.run(rq(va)).fault, kNone); // supervisor is fine

  // U/S = 0 in an upper level only.
  const uint64_t vb = 0x0000100000000000ull;
  d.pt.map(d.root, vb, 1, 0x200000, kAll, kP | kRw | kA);
  EXPECT_EQ(d.run(rq(vb, kRead, true)).fault, kUser);
}

TEST(RtlWalker, WriteToReadOnly) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x5555000;
  d.pt.map(d.root, va, 0, 0x7000, kP | kUs | kA);
  Result r = d.run(rq(va, kWriteOp, true));
  EXPECT_EQ(r.fault, kWrite);
  EXPECT_EQ(r.error_code, 0x7u);
  // Supervisor: only with CR0.WP.
  r = d.run(rq(va, kWriteOp));
  EXPECT_EQ(r.fault, kWrite);
  EXPECT_EQ(r.error_code, 0x3u);
  Request q = rq(va, kWriteOp);
  q.wp = false;
  r = d.run(q);
  EXPECT_EQ(r.fault, kNone);
  EXPECT_EQ(r.perm, 2u); // user, read-only
}

TEST(RtlWalker, ExecuteNx) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x600000;
  d.pt.map(d.root, va, 1, 0x600000, kAll, kP | kRw | kUs | kA | kNxBit); // NX in upper levels
  Result r = d.run(rq(va, kExec));
  EXPECT_EQ(r.fault, kNx);
  EXPECT_EQ(r.level, 1u);
  EXPECT_EQ(r.error_code, 0x11u);
  r = d.run(rq(va, kRead, true));
  EXPECT_EQ(r.fault, kNone);
  EXPECT_EQ(r.perm, 7u);
}

TEST(RtlWalker, Smep) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x400000;
  d.pt.map(d.root, va, 0, 0x7000, kAll);
  Request q = rq(va, kExec);
  q.smep = true;
  q.nxe = false;
  Result r = d.run(q);
  EXPECT_EQ(r.fault, kSmep);
  EXPECT_EQ(r.error_code, 0x11u); // I set because of SMEP
  q.smep = false;
  EXPECT_EQ(d.run(q).fault, kNone);
}

TEST(RtlWalker, Smap) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x400000;
  d.pt.map(d.root, va, 0, 0x7000, kAll);
  Request q = rq(va, kWriteOp);
  q.smap = true;
  Result r = d.run(q);
  EXPECT_EQ(r.fault, kSmap);
  EXPECT_EQ(r.error_code, 0x3u);
  q.ac = true; // RFLAGS.AC allows explicit accesses
  EXPECT_EQ(d.run(q).fault, kNone);
  q.implicit = true; // but not implicit ones
  EXPECT_EQ(d.run(q).fault, kSmap);
  q.op = kExec; // instruction fetches are SMEP's business
  EXPECT_EQ(d.run(q).fault, kNone);
}

TEST(RtlWalker, ProtectionKeys) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x400000;
  d.pt.map(d.root, va, 0, 0x7000, kAll | (5ull << 59)); // key 5
  Request q = rq(va, kRead, true);
  q.pke = true;
  q.pkru = 1u << 10; // AD5
  Result r = d.run(q);
  EXPECT_EQ(r.fault, kPkey);
  EXPECT_EQ(r.error_code, 0x25u);
  q.op = kExec; // keys do not apply to fetches
  EXPECT_EQ(d.run(q).fault, kNone);
  q.op = kWriteOp;
  q.pkru = 1u << 11; // WD5
  r = d.run(q);
  EXPECT_EQ(r.fault, kPkey);
  EXPECT_EQ(r.error_code, 0x27u);
  q.op = kRead;
  EXPECT_EQ(d.run(q).fault, kNone);
  q.pke = false;
  q.op = kWriteOp;
  EXPECT_EQ(d.run(q).fault, kNone);
  // Supervisor write to a user page: WD only with CR0.WP.
  q = rq(va, kWriteOp);
  q.pke = true;
  q.pkru = 1u << 11;
  EXPECT_EQ(d.run(q).fault, kPkey);
  q.wp = false;
  EXPECT_EQ(d.run(q).fault, kNone);
  q.pkru = 3u << 10;
  EXPECT_EQ(d.run(q).fault, kPkey); // AD5 applies regardless of WP
}

// SDM 4.7: the PK flag is set whenever PKRU denies the data access to a user page, whichever
// rights violation is reported (the C model's mmu_fault_make / mmu_pk_denies do the same).
TEST(RtlWalker, PkFlagOnOtherRightsFaults) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x400000;
  d.pt.map(d.root, va, 0, 0x7000, (kAll & ~kRw) | (5ull << 59)); // read-only, key 5
  Request q = rq(va, kWriteOp, true);
  q.pke = true;
  q.pkru = 1u << 11; // WD5
  Result r = d.run(q);
  EXPECT_EQ(r.fault, kWrite);
  EXPECT_EQ(r.error_code, 0x27u); // P | W | U | PK
  q.pkru = 0;
  EXPECT_EQ(d.run(q).error_code, 0x7u);
  q = rq(va, kRead); // supervisor read of a user page with SMAP: SMAP fault, AD5 denies too
  q.smap = true;
  q.pke = true;
  q.pkru = 1u << 10;
  r = d.run(q);
  EXPECT_EQ(r.fault, kSmap);
  EXPECT_EQ(r.error_code, 0x21u); // P | PK
  q.op = kWriteOp;                // supervisor write, WD5 only counts with CR0.WP
  q.pkru = 1u << 11;
  q.wp = false;
  EXPECT_EQ(d.run(q).error_code, 0x3u);
  q.wp = true;
  EXPECT_EQ(d.run(q).error_code, 0x23u);
  q = rq(va, kExec, true); // fetches are never denied by keys
  q.pke = true;
  q.pkru = ~0u;
  q.nxe = true;
  d.pt.map(d.root, va + 0x1000, 0, 0x8000, kAll | kNxBit | (5ull << 59));
  q.va = va + 0x1000;
  r = d.run(q);
  EXPECT_EQ(r.fault, kNx);
  EXPECT_EQ(r.error_code, 0x15u);
}

// ---- A/D update
// ----------------------------------------------------------------------------------
TEST(RtlWalker, AccessedDirtyWrittenTopDown) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x12345678000ull;
  d.pt.map(d.root, va, 0, 0x7000, kP | kRw | kUs, kP | kRw | kUs); // no A, no D
  uint64_t addr[4], val[4];
  for (unsigned l = 0; l < 4; ++l)
    addr[l] = d.pt.pte_addr(d.root, va, l), val[l] = d.b.mem[addr[l]];
  Result r = d.run(rq(va, kWriteOp, true));
  ASSERT_EQ(r.fault, kNone);
  ASSERT_EQ(r.ops.size(), 8u);
  EXPECT_EQ(r.refs, 8u);
  for (unsigned i = 0; i < 4; ++i) {
    const unsigned l = 3 - i;
    EXPECT_FALSE(r.ops[i].we);
    EXPECT_EQ(r.ops[i].addr, addr[l]);
    EXPECT_TRUE(r.ops[4 + i].we);
    EXPECT_EQ(r.ops[4 + i].addr, addr[l]);
    const uint64_t want = val[l] | kA | (l == 0 ? kD : 0);
    EXPECT_EQ(r.ops[4 + i].wdata, want);
    EXPECT_EQ(d.b.mem[addr[l]], want);
  }
  // Nothing left to update.
  EXPECT_EQ(d.run(rq(va, kWriteOp, true)).refs, 1u); // PWC hit, A and D set
  d.flush();
  EXPECT_EQ(d.run(rq(va, kWriteOp, true)).refs, 4u);
}

TEST(RtlWalker, DirtyOnlyOnWriteLeaf) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x40000000ull;
  const uint64_t leaf = d.pt.map(d.root, va, 1, 0x200000, kP | kRw); // 2M, A=0 D=0
  Result r = d.run(rq(va));
  ASSERT_EQ(r.fault, kNone);
  EXPECT_EQ(r.refs, 4u); // 3 reads + leaf A
  EXPECT_EQ(d.b.mem[leaf] & (kA | kD), kA);
  r = d.run(rq(va, kWriteOp));
  EXPECT_EQ(r.refs, 2u); // PWC hit at level 2: 1 read + leaf D
  EXPECT_EQ(d.b.mem[leaf] & (kA | kD), kA | kD);
}

TEST(RtlWalker, FaultsWriteNothing) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x40000000ull;
  d.pt.map(d.root, va, 0, 0x7000, kP | kUs, kP | kRw | kUs);
  const Mem before = d.b.mem;
  const Result r = d.run(rq(va, kWriteOp, true));
  EXPECT_EQ(r.fault, kWrite);
  EXPECT_EQ(r.refs, 4u);
  EXPECT_TRUE(before == d.b.mem);
}

// ---- page-walk cache
// -----------------------------------------------------------------------------
TEST(RtlWalker, PwcHitSavesReads) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x7f0040201000ull;
  d.pt.map(d.root, va, 0, 0x1000, kAll);
  d.pt.map(d.root, va + 0x1000, 0, 0x2000, kAll);          // same 2M region
  d.pt.map(d.root, va + 0x200000, 0, 0x3000, kAll);        // same 1G region
  d.pt.map(d.root, va + 0x40000000, 0, 0x4000, kAll);      // same 512G region
  d.pt.map(d.root, va + 0x8000000000ull, 0, 0x5000, kAll); // other PML4 entry
  EXPECT_EQ(d.run(rq(va)).refs, 4u);
  EXPECT_EQ(d.run(rq(va)).refs, 1u);
  EXPECT_EQ(d.run(rq(va + 0x1000)).refs, 1u);
  EXPECT_EQ(d.run(rq(va + 0x200000)).refs, 2u);
  EXPECT_EQ(d.run(rq(va + 0x40000000)).refs, 3u);
  EXPECT_EQ(d.run(rq(va + 0x8000000000ull)).refs, 4u);
  // Entries were overwritten by the last walk: the first VA now hits nowhere below level 3.
  EXPECT_EQ(d.run(rq(va)).refs, 4u);
  // Another root never hits.
  const uint64_t root2 = d.pt.new_table();
  d.pt.map(root2, va, 0, 0x6000, kAll);
  Request q = rq(va);
  q.root = root2;
  Result r = d.run(q);
  EXPECT_EQ(r.refs, 4u);
  EXPECT_EQ(r.pa, 0x6000u);
  EXPECT_EQ(d.run(rq(va)).refs, 4u);
  EXPECT_EQ(d.run(rq(va)).refs, 1u);
}

TEST(RtlWalker, PwcFlush) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x40201000ull;
  d.pt.map(d.root, va, 0, 0x1000, kAll);
  EXPECT_EQ(d.run(rq(va)).refs, 4u);
  EXPECT_EQ(d.run(rq(va)).refs, 1u);
  d.flush();
  EXPECT_EQ(d.run(rq(va)).refs, 4u);
  Request q = rq(va);
  q.flush = true; // flush in the accept cycle: the request sees an empty cache
  EXPECT_EQ(d.run(q).refs, 4u);
  EXPECT_EQ(d.run(rq(va)).refs, 1u);
  d.b.reset(); // reset clears it too
  d.ref.flush();
  EXPECT_EQ(d.run(rq(va)).refs, 4u);
}

TEST(RtlWalker, PwcStaleEntryIsUsedAndSkipsAd) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x40201000ull;
  d.pt.map(d.root, va, 0, 0x1000, kAll);
  EXPECT_EQ(d.run(rq(va)).refs, 4u);
  // Clear A and P in the upper levels: the cached levels are neither re-read nor updated.
  for (unsigned l = 1; l < 4; ++l)
    d.b.mem[d.pt.pte_addr(d.root, va, l)] &= ~kA;
  const uint64_t leaf = d.pt.pte_addr(d.root, va, 0);
  d.b.mem[leaf] &= ~kA;
  Result r = d.run(rq(va));
  EXPECT_EQ(r.fault, kNone);
  ASSERT_EQ(r.refs, 2u);
  EXPECT_EQ(r.ops[1].addr, leaf);
  d.b.mem[d.pt.pte_addr(d.root, va, 3)] &= ~kP;
  EXPECT_EQ(d.run(rq(va)).fault, kNone);
  d.flush();
  EXPECT_EQ(d.run(rq(va)).fault, kNotPresent);
}

TEST(RtlWalker, PwcKeepsRightsOfCachedLevels) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x40201000ull;
  d.pt.map(d.root, va, 0, 0x1000, kAll, kP | kUs | kA | kNxBit); // read-only, NX above
  d.run(rq(va));
  Result r = d.run(rq(va, kWriteOp, true));
  EXPECT_EQ(r.refs, 1u);
  EXPECT_EQ(r.fault, kWrite);
  r = d.run(rq(va, kExec, true));
  EXPECT_EQ(r.fault, kNx);
}

TEST(RtlWalker, PwcDisabled) {
  Dut<Vwalker_nopwc> d(kNoPwc);
  const uint64_t va = 0x40201000ull;
  d.pt.map(d.root, va, 0, 0x1000, kAll);
  EXPECT_EQ(d.run(rq(va)).refs, 4u);
  EXPECT_EQ(d.run(rq(va)).refs, 4u);
  // 39-bit MAXPHYADDR: bit 40 is reserved.
  d.b.mem[d.pt.pte_addr(d.root, va, 0)] |= 1ull << 40;
  EXPECT_EQ(d.run(rq(va)).fault, kRsvd);
}

TEST(RtlWalker, PwcL5DeepestHitWins) {
  Dut<Vwalker_l5> d(kL5);
  const uint64_t va = 0x00ff123456789000ull;
  d.pt.map(d.root, va, 0, 0x1000, kAll);
  d.pt.map(d.root, va ^ (1ull << 21), 0, 0x2000, kAll);
  EXPECT_EQ(d.run(rq(va)).refs, 5u);
  EXPECT_EQ(d.run(rq(va ^ (1ull << 21))).refs, 2u); // hit at level 2
  EXPECT_EQ(d.run(rq(va ^ (1ull << 21))).refs, 1u); // hit at level 1 (refilled)
  EXPECT_EQ(d.run(rq(va)).refs, 2u);
}

// ---- handshakes
// ----------------------------------------------------------------------------------
TEST(RtlWalker, BackpressureAndLatency) {
  Dut<Vwalker_l4> d(kL4, 7);
  d.b.timing = Timing{3, 9, 0.3, 0.25};
  const uint64_t va = 0x12345678000ull;
  d.pt.map(d.root, va, 0, 0x7000, kP | kRw | kUs, kP | kRw | kUs);
  const Result r = d.run(rq(va, kWriteOp, true));
  EXPECT_EQ(r.fault, kNone);
  EXPECT_EQ(r.refs, 8u);
  EXPECT_GT(r.cycles, 8u * 3u);
  const Result r2 = d.run(rq(0xffff000000000000ull));
  EXPECT_EQ(r2.fault, kNonCanonical);
}

TEST(RtlWalker, MinimumLatencyCycleCount) {
  Dut<Vwalker_l4> d(kL4);
  const uint64_t va = 0x12345678000ull;
  d.pt.map(d.root, va, 0, 0x7000, kAll);
  // Per read: StReadPte (handshake) + StWaitPte (response after 1 cycle); then StUpdateAd x4
  // (nothing to write, one cycle each) and StRsp.
  EXPECT_EQ(d.run(rq(va)).cycles, 4u * 2u + 4u + 1u);
  EXPECT_EQ(d.run(rq(0xffff000000000000ull)).cycles, 1u); // straight to StRsp
}

} // namespace
