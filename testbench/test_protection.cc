// test_protection.cc — protection controls of real MMUs (issue 6), checked exhaustively.
//
// Every vector (PTE bits at the leaf and one upper level x control bits x access x privilege) is
// decided by an oracle written here from the manuals, not from the model:
//   x86-64: Intel SDM vol. 3, 4.6 "Access rights" (R/W and U/S ANDed over the walk, XD ORed;
//           CR0.WP, CR4.SMEP, CR4.SMAP with RFLAGS.AC, implicit supervisor accesses), 4.6.2
//           "Protection keys" (PKRU AD/WD, user-mode addresses only, WD binds supervisor writes
//           only with CR0.WP=1), 4.7 "Page-fault exceptions" (error code P, W/R, U/S, RSVD, I/D,
//           PK), 4.8 (A set on every entry used, D on the leaf of a write), 4.10.2 (the TLB caches
//           the combined rights, so a hit decides as the walk would).
//   RISC-V: privileged spec 4.3.1 (PTE format: W without R reserved, non-leaf A/D/U reserved)
//           and 4.3.2 "Virtual address translation process" (steps 3-8: V, reserved encodings,
//           pointer at the last level, U/SUM/MXR, misaligned superpages, A/D either updated by
//           hardware (Svadu) or a page fault (Svade)); scause 12/13/15.
// The model's result (fault kind, level, error code / cause; on success the PA and the A/D bits
// written back) must match, once through a fresh walk and once through a TLB hit after a
// different, permitted access primed the TLB.
#include "support/fixtures.h"

#include <chrono>
#include <cstdio>
#include <sstream>
#include <vector>

using namespace mmutest;

namespace {

// ---------------------------------------------------------------------------------------------
// Vector plumbing
// ---------------------------------------------------------------------------------------------

struct Access {
  mmu_op_t op;
  bool user;
  bool implicit;
};

const char *OpName(mmu_op_t op) {
  return op == MMU_OP_READ ? "read" : op == MMU_OP_WRITE ? "write" : "fetch";
}

std::string AccessName(const Access &a) {
  std::string s = a.user ? "user " : a.implicit ? "implicit-supervisor " : "supervisor ";
  return s + OpName(a.op);
}

// The page-walk path of one VA: entry value per level (index = level), as the oracle sees it.
struct Path {
  int levels = 0;
  uint64_t e[MMU_MAX_LEVELS] = {};
};

struct Outcome {
  mmu_fault_kind_t kind = MMU_FAULT_NONE;
  int level = -1;
  uint32_t ec = 0, cause = 0;
  uint64_t pa = 0;
  Path mem; // page-table entries after the access (A/D written back on success)
};

// ---------------------------------------------------------------------------------------------
// x86-64 oracle (Intel SDM vol. 3, 4.6, 4.6.2, 4.7, 4.8)
// ---------------------------------------------------------------------------------------------

constexpr uint64_t kX86Addr = 0x000ffffffffff000ull;

Outcome OracleX86(const Path &p, const mmu_ctrl_t &c, const Access &a, uint64_t va) {
  Outcome o;
  o.mem = p;
  const bool wr = a.op == MMU_OP_WRITE, ex = a.op == MMU_OP_EXEC;
  // 4.7: the error code describes the access, not the rights found.
  uint32_t ec = (wr ? MMU_PFEC_W : 0) | (a.user ? MMU_PFEC_U : 0) |
                (ex && (c.nxe || c.smep) ? MMU_PFEC_I : 0);
  bool rw = true, us = true, xd = false;
  int leaf = -1;
  for (int l = p.levels - 1; l >= 0; l--) {
    const uint64_t e = p.e[l];
    if (!(e & kP)) { // not present: reserved bits are not checked, P clear in the error code
      o.kind = MMU_FAULT_NOT_PRESENT, o.level = l, o.ec = ec;
      return o;
    }
    // XD is a reserved bit unless EFER.NXE=1; PS is reserved in PML4E/PML5E.
    if (((e & kNX) && !c.nxe) || ((e & kPS) && l >= 3)) {
      o.kind = MMU_FAULT_RSVD, o.level = l, o.ec = ec | MMU_PFEC_P | MMU_PFEC_RSVD;
      return o;
    }
    rw = rw && (e & kRW);
    us = us && (e & kUS);
    xd = xd || (e & kNX);
    if (l == 0 || (e & kPS)) {
      leaf = l;
      break;
    }
  }
  const uint64_t le = p.e[leaf];
  // 4.6: a "user-mode address" has U/S=1 at every level.
  const bool user_addr = us;
  const bool data = !ex;
  // 4.6.2: protection keys apply to data accesses to user-mode addresses, user or supervisor.
  const unsigned key = unsigned((le >> 59) & 15);
  const bool pk_ad = (c.pkru >> (2 * key)) & 1, pk_wd = (c.pkru >> (2 * key + 1)) & 1;
  const bool pk_viol = c.pke && user_addr && data && (pk_ad || (wr && pk_wd && (a.user || c.wp)));
  mmu_fault_kind_t kind = MMU_FAULT_NONE;
  if (a.user) {
    if (!user_addr)
      kind = MMU_FAULT_USER;
    else if (wr && !rw) // user writes honour R/W whatever CR0.WP says
      kind = MMU_FAULT_WRITE;
    else if (ex && c.nxe && xd)
      kind = MMU_FAULT_NX;
    else if (pk_viol)
      kind = MMU_FAULT_PKEY;
  } else {
    if (user_addr && ex && c.smep)
      kind = MMU_FAULT_SMEP;
    else if (user_addr && data && c.smap && (a.implicit || !c.ac))
      kind = MMU_FAULT_SMAP;
    else if (wr && !rw && c.wp)
      kind = MMU_FAULT_WRITE;
    else if (ex && c.nxe && xd)
      kind = MMU_FAULT_NX;
    else if (pk_viol)
      kind = MMU_FAULT_PKEY;
  }
  if (kind != MMU_FAULT_NONE) {
    // PK reports that PKRU disallows the access, whichever violation the model names first.
    o.kind = kind, o.level = leaf, o.ec = ec | MMU_PFEC_P | (pk_viol ? MMU_PFEC_PK : 0);
    return o;
  }
  // 4.8: A is set in every entry used; D in the leaf on a write.
  for (int l = p.levels - 1; l >= leaf; l--)
    o.mem.e[l] |= kA;
  if (wr) o.mem.e[leaf] |= kD;
  const uint64_t size = 1ull << (12 + 9 * leaf);
  o.pa = (le & kX86Addr & ~(size - 1)) | (va & (size - 1));
  o.level = leaf;
  return o;
}

// ---------------------------------------------------------------------------------------------
// RISC-V oracle (privileged spec 4.3.1, 4.3.2)
// ---------------------------------------------------------------------------------------------

uint64_t RvPa(uint64_t e) {
  return ((e >> 10) & ((1ull << 44) - 1)) << 12;
}

Outcome OracleRv(const Path &p, const mmu_ctrl_t &c, const Access &a, uint64_t va) {
  Outcome o;
  o.mem = p;
  const bool rd = a.op == MMU_OP_READ, wr = a.op == MMU_OP_WRITE, ex = a.op == MMU_OP_EXEC;
  // Every page fault reports the original access type.
  const uint32_t cause = ex   ? MMU_CAUSE_FETCH_PAGE_FAULT
                         : wr ? MMU_CAUSE_STORE_PAGE_FAULT
                              : MMU_CAUSE_LOAD_PAGE_FAULT;
  auto fault = [&](mmu_fault_kind_t k, int l) {
    o.kind = k, o.level = l, o.cause = cause;
    return o;
  };
  for (int l = p.levels - 1; l >= 0; l--) {
    const uint64_t e = p.e[l];
    const bool v = e & kV, r = e & kR, w = e & kW, x = e & kX, u = e & kU;
    // Step 3: V=0, or W without R, or reserved bits (63..54 without Svpbmt/Svnapot).
    if (!v) return fault(MMU_FAULT_NOT_PRESENT, l);
    if ((w && !r) || (e >> 54)) return fault(MMU_FAULT_RSVD, l);
    if (!r && !x) {                                                // step 4: a pointer
      if (e & (kRvA | kRvD | kU)) return fault(MMU_FAULT_RSVD, l); // 4.3.1: reserved in non-leaves
      if (l == 0) return fault(MMU_FAULT_RSVD, l);                 // i < 0
      continue;
    }
    // Step 6 (the model checks it before the rights, step 5; both are page faults).
    if (l > 0 && (RvPa(e) & ((1ull << (12 + 9 * l)) - 1))) return fault(MMU_FAULT_MISALIGNED, l);
    // Step 5: U, SUM, MXR.
    if (a.user && !u) return fault(MMU_FAULT_USER, l);
    if (!a.user && u) {
      if (ex) return fault(MMU_FAULT_SMEP, l); // S-mode never executes U pages, SUM or not
      if (!c.sum) return fault(MMU_FAULT_SMAP, l);
    }
    if (rd && !(r || (c.mxr && x))) return fault(MMU_FAULT_READ, l);
    if (wr && !w) return fault(MMU_FAULT_WRITE, l);
    if (ex && !x) return fault(MMU_FAULT_NX, l);
    // Step 7: A clear, or D clear on a store.
    if (!(e & kRvA) || (wr && !(e & kRvD))) {
      if (!c.svadu) return fault(MMU_FAULT_AD, l);
      o.mem.e[l] |= kRvA | (wr ? kRvD : 0);
    }
    const uint64_t size = 1ull << (12 + 9 * l);
    o.pa = (RvPa(e) & ~(size - 1)) | (va & (size - 1));
    o.level = l;
    return o;
  }
  return o; // unreachable: level 0 is always a leaf or a fault
}

// ---------------------------------------------------------------------------------------------
// A bench: one MMU per format, a fixed page-table path whose entries each vector rewrites.
// The level-0 table sits at a 2 MiB-aligned frame so the level-1 entry that points to it is
// also a well-formed (aligned) superpage leaf when its leaf bits say so.
// ---------------------------------------------------------------------------------------------

constexpr uint64_t kLeafTable = 0x10000000ull; // 2 MiB aligned
constexpr uint64_t kFrame4K = 0x02468000ull;   // the 4 KiB page's frame

bool IsX86(mmu_format_t f) {
  return f == MMU_FMT_X86_64_4L || f == MMU_FMT_X86_64_5L;
}

uint64_t VaFor(mmu_format_t f) {
  switch (f) {
  case MMU_FMT_X86_64_5L:
    return 0x00ab123456789abcull; // uses VA bits above 47
  case MMU_FMT_SV39:
    return 0x0000003f12345abcull;
  default:
    return 0x00007f1234567abcull;
  }
}

mmu_config_t SmallConfig(mmu_format_t f) {
  mmu_config_t c;
  mmu_config_default(&c);
  c.format = f;
  // Small TLBs and page-walk caches keep MMU_INVAL_ALL cheap between a million vectors.
  c.itlb = mmu_tlb_config_t{{{1, 4}, {1, 4}, {0, 0}}, 1, MMU_REPL_LRU};
  c.dtlb = mmu_tlb_config_t{{{1, 4}, {1, 4}, {0, 0}}, 1, MMU_REPL_LRU};
  c.stlb = mmu_tlb_config_t{{{1, 4}, {1, 4}, {1, 2}}, 9, MMU_REPL_LRU};
  for (auto &p : c.pwc)
    p = mmu_pwc_config_t{2, 2, 2};
  return c;
}

class Bench {
public:
  explicit Bench(mmu_format_t f)
      : fmt_(f), cfg_(SmallConfig(f)), m_(&cfg_),
        t_(m_, 1, kLeafTable - 0x1000ull * (Levels(f) - 2)), va_(VaFor(f)) {
    levels_ = Levels(f);
    x86_ = IsX86(f);
    t_.Map(va_, kFrame4K, 0, x86_ ? (kP | kRW | kUS) : (kV | kR | kW | kU));
    for (int l = 0; l < levels_; l++) {
      addr_[l] = t_.EntryAddr(va_, l);
      base_[l] = t_.Entry(va_, l);
    }
    EXPECT_EQ(addr_[0] & ~0xfffull, kLeafTable) << "the leaf table must be 2 MiB aligned";
    mmu_get_ctrl(m_, &ctrl_);
  }

  mmu_format_t fmt() const {
    return fmt_;
  }
  int levels() const {
    return levels_;
  }
  uint64_t va() const {
    return va_;
  }
  // The pointer entry at `level` as HandTables built it (x86 P|RW|US, RISC-V V; A clear).
  uint64_t Pointer(int level) const {
    return base_[level];
  }
  mmu_t *mmu() {
    return m_.get();
  }

  void SetCtrl(const mmu_ctrl_t &c) {
    ctrl_ = c;
    mmu_set_ctrl(m_, &c);
  }
  const mmu_ctrl_t &ctrl() const {
    return ctrl_;
  }

  void Load(const Path &p) {
    for (int l = 0; l < p.levels; l++)
      mmu_phys_write(m_, addr_[l], &p.e[l], 8);
    mmu_invalidate(m_, MMU_INVAL_ALL, 1, 0);
  }
  Path Store() const {
    Path p;
    p.levels = levels_;
    for (int l = 0; l < levels_; l++)
      mmu_phys_read(m_, addr_[l], &p.e[l], 8);
    return p;
  }
  mmu_result_t Do(const Access &a) {
    mmu_access_t acc{va_, a.op, a.user, a.implicit, 1};
    mmu_result_t r{};
    if (mmu_translate(m_, &acc, &r) != MMU_OK) r.fault.kind = MMU_FAULT_KIND_COUNT;
    return r;
  }
  Outcome Oracle(const Path &p, const Access &a) const {
    return x86_ ? OracleX86(p, ctrl_, a, va_) : OracleRv(p, ctrl_, a, va_);
  }

private:
  mmu_format_t fmt_;
  mmu_config_t cfg_;
  Mmu m_;
  HandTables t_;
  uint64_t va_;
  int levels_;
  bool x86_;
  uint64_t addr_[MMU_MAX_LEVELS] = {}, base_[MMU_MAX_LEVELS] = {};
  mmu_ctrl_t ctrl_{};
};

std::string Hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%#llx", (unsigned long long)v);
  return b;
}

std::string CtrlName(const mmu_ctrl_t &c, bool x86) {
  std::ostringstream s;
  if (x86)
    s << "WP=" << c.wp << " SMEP=" << c.smep << " SMAP=" << c.smap << " AC=" << c.ac
      << " NXE=" << c.nxe << " PKE=" << c.pke << " PKRU=" << Hex(c.pkru);
  else
    s << "MXR=" << c.mxr << " SUM=" << c.sum << " SVADU=" << c.svadu;
  return s.str();
}

std::string PathName(const Path &p) {
  std::ostringstream s;
  for (int l = p.levels - 1; l >= 0; l--)
    s << " L" << l << "=" << Hex(p.e[l]);
  return s.str();
}

std::string OutcomeName(const Outcome &o) {
  std::ostringstream s;
  s << mmu_fault_kind_name(o.kind) << " level=" << o.level << " ec=" << Hex(o.ec)
    << " cause=" << o.cause;
  if (o.kind == MMU_FAULT_NONE) s << " pa=" << Hex(o.pa);
  s << " mem:" << PathName(o.mem);
  return s.str();
}

bool Same(const Outcome &a, const Outcome &b) {
  if (a.kind != b.kind || a.ec != b.ec || a.cause != b.cause) return false;
  if (a.kind != MMU_FAULT_NONE && a.level != b.level) return false; // where the walk stopped
  if (a.kind == MMU_FAULT_NONE && a.pa != b.pa) return false;
  for (int l = 0; l < a.mem.levels; l++)
    if (a.mem.e[l] != b.mem.e[l]) return false;
  return true;
}

Outcome FromModel(const mmu_result_t &r, const Path &after) {
  Outcome o;
  o.kind = r.fault.kind;
  o.level = r.fault.level;
  o.ec = r.fault.error_code;
  o.cause = r.fault.cause;
  o.pa = r.pa;
  o.mem = after;
  return o;
}

// Runs vectors and counts them; reports the first mismatches in full.
class Checker {
public:
  explicit Checker(Bench &b) : b_(b) {}

  // Every privilege/access pair the architecture has: x86 also has implicit supervisor data
  // accesses (SMAP ignores AC for them).
  static std::vector<Access> Accesses(bool x86) {
    std::vector<Access> v;
    for (mmu_op_t op : {MMU_OP_READ, MMU_OP_WRITE, MMU_OP_EXEC}) {
      v.push_back({op, true, false});
      v.push_back({op, false, false});
      if (x86 && op != MMU_OP_EXEC) v.push_back({op, false, true});
    }
    return v;
  }

  void Run(const Path &p, const Access &a) {
    vectors_++;
    // 1. A fresh walk.
    Outcome want = b_.Oracle(p, a);
    b_.Load(p);
    mmu_result_t r = b_.Do(a);
    Check(p, a, nullptr, want, FromModel(r, b_.Store()), r, false);

    // 2. A TLB hit: prime with a different access the oracle permits (same privilege first,
    // non-writes first so D stays as the vector set it), then the access under test.
    const Access *prime = nullptr;
    for (int pass = 0; pass < 2 && !prime; pass++) {
      for (const Access &c : primes_) {
        if ((c.user == a.user) != (pass == 0)) continue;
        if (c.op == a.op && c.user == a.user && c.implicit == a.implicit) continue;
        if (b_.Oracle(p, c).kind == MMU_FAULT_NONE) {
          prime = &c;
          break;
        }
      }
    }
    if (!prime) return;
    tlb_vectors_++;
    b_.Load(p);
    Outcome after_prime = b_.Oracle(p, *prime);
    mmu_result_t pr = b_.Do(*prime);
    if (pr.fault.kind != MMU_FAULT_NONE) {
      Check(p, *prime, nullptr, after_prime, FromModel(pr, b_.Store()), pr, false);
      return;
    }
    Path state1 = after_prime.mem;
    Outcome want2 = b_.Oracle(state1, a);
    mmu_result_t r2 = b_.Do(a);
    Check(p, a, prime, want2, FromModel(r2, b_.Store()), r2, true);
  }

  uint64_t vectors() const {
    return vectors_;
  }
  uint64_t tlb_vectors() const {
    return tlb_vectors_;
  }
  uint64_t mismatches() const {
    return mismatches_;
  }

private:
  void Check(const Path &p, const Access &a, const Access *prime, const Outcome &want,
             const Outcome &got, const mmu_result_t &r, bool tlb) {
    bool ok = Same(want, got);
    // A TLB-replayed access must really hit (a write through a clean entry may re-walk to set D).
    if (ok && tlb && got.kind == MMU_FAULT_NONE && r.where == MMU_HIT_WALK &&
        !(a.op == MMU_OP_WRITE))
      ok = false;
    if (ok) return;
    if (++mismatches_ > 25) return;
    ADD_FAILURE() << mmu_format_t(b_.fmt()) << " " << (tlb ? "TLB hit" : "walk") << ": "
                  << AccessName(a) << (prime ? " after " + AccessName(*prime) : std::string())
                  << " | " << CtrlName(b_.ctrl(), IsX86(b_.fmt())) << " | PTEs" << PathName(p)
                  << "\n  oracle: " << OutcomeName(want) << "\n  model:  " << OutcomeName(got)
                  << " where=" << r.where;
  }

  Bench &b_;
  uint64_t vectors_ = 0, tlb_vectors_ = 0, mismatches_ = 0;
  // Candidate priming accesses: reads, then fetches, then writes, per privilege.
  const std::vector<Access> primes_ = {{MMU_OP_READ, true, false},  {MMU_OP_EXEC, true, false},
                                       {MMU_OP_WRITE, true, false}, {MMU_OP_READ, false, false},
                                       {MMU_OP_EXEC, false, false}, {MMU_OP_WRITE, false, false}};
};

// ---------------------------------------------------------------------------------------------
// Exhaustive x86-64
// ---------------------------------------------------------------------------------------------

// PKRU patterns over the two keys used (0 and 9): across the four patterns each key sees
// (AD,WD) = 00, 10, 01, 11; every other key has AD=WD=1 so a wrong key index shows.
constexpr unsigned kKeyA = 0, kKeyB = 9;
uint32_t PkruPattern(int i) {
  static const unsigned a[4] = {0, 1, 2, 3}, b[4] = {3, 2, 1, 0};
  uint32_t v = 0xffffffffu;
  v &= ~(3u << (2 * kKeyA)) & ~(3u << (2 * kKeyB));
  return v | (a[i] << (2 * kKeyA)) | (b[i] << (2 * kKeyB));
}

// Upper-level bits varied: P, R/W, U/S, A, XD (5 bits). Leaf bits: P, R/W, U/S, A, D, XD (6)
// and the key (2 values).
uint64_t UpperBits(unsigned i) {
  return (i & 1 ? kP : 0) | (i & 2 ? kRW : 0) | (i & 4 ? kUS : 0) | (i & 8 ? kA : 0) |
         (i & 16 ? kNX : 0);
}
uint64_t LeafBits(unsigned i) {
  return (i & 1 ? kP : 0) | (i & 2 ? kRW : 0) | (i & 4 ? kUS : 0) | (i & 8 ? kA : 0) |
         (i & 16 ? kD : 0) | (i & 32 ? kNX : 0) | (uint64_t(i & 64 ? kKeyB : kKeyA) << 59);
}

uint64_t RunX86(Bench &b, Checker &ck, int leaf_level) {
  const auto accesses = Checker::Accesses(true);
  const uint64_t pt = b.Pointer(1) & kX86Addr; // == kLeafTable
  for (unsigned cb = 0; cb < 32; cb++) {
    for (int pk = 0; pk < 5; pk++) { // PKE=0 (PKRU all ones, must be ignored), PKE=1 x 4
      mmu_ctrl_t c{};
      c.wp = cb & 1, c.smep = cb & 2, c.smap = cb & 4, c.ac = cb & 8, c.nxe = cb & 16;
      c.pke = pk > 0;
      c.pkru = pk ? PkruPattern(pk - 1) : 0xffffffffu;
      c.svadu = true;
      b.SetCtrl(c);
      {
        for (unsigned up = 0; up < 32; up++) {
          for (unsigned lf = 0; lf < 128; lf++) {
            Path p;
            p.levels = b.levels();
            for (int l = 0; l < p.levels; l++)
              p.e[l] = b.Pointer(l);
            if (leaf_level == 0) {
              p.e[1] = pt | UpperBits(up);
              p.e[0] = kFrame4K | LeafBits(lf);
            } else {
              // A 2 MiB leaf (PS=1) whose frame is the aligned kLeafTable; the PTE below it is a
              // valid 4 KiB leaf that must never be reached.
              p.e[2] = (b.Pointer(2) & kX86Addr) | UpperBits(up);
              p.e[1] = kLeafTable | kPS | LeafBits(lf);
              p.e[0] = kFrame4K | kP | kRW | kUS | kA | kD;
            }
            for (const Access &a : accesses)
              ck.Run(p, a);
          }
        }
      }
    }
  }
  return ck.vectors();
}

// ---------------------------------------------------------------------------------------------
// Exhaustive RISC-V
// ---------------------------------------------------------------------------------------------

uint64_t RvBits(unsigned i) { // V, R, W, X, U, A, D
  return (i & 1 ? kV : 0) | (i & 2 ? kR : 0) | (i & 4 ? kW : 0) | (i & 8 ? kX : 0) |
         (i & 16 ? kU : 0) | (i & 32 ? kRvA : 0) | (i & 64 ? kRvD : 0);
}

uint64_t RunRv(Bench &b, Checker &ck) {
  const auto accesses = Checker::Accesses(false);
  const uint64_t ppn_table = (kLeafTable >> 12) << 10;                 // aligned
  const uint64_t ppn_misaligned = ((kLeafTable + 0x1000) >> 12) << 10; // ppn[0] != 0
  for (unsigned cb = 0; cb < 8; cb++) {
    mmu_ctrl_t c{};
    c.mxr = cb & 1, c.sum = cb & 2, c.svadu = cb & 4;
    // x86-only controls set hostile: the RISC-V rules must ignore them.
    c.wp = c.smep = c.smap = c.nxe = c.pke = true;
    c.pkru = 0xffffffffu;
    b.SetCtrl(c);
    // The level-1 entry: all 128 combinations of V,R,W,X,U,A,D. As a pointer (R=X=0) it points
    // to the leaf table and every leaf combination is tried below it; as a leaf it is a 2 MiB
    // superpage, aligned or misaligned.
    for (unsigned up = 0; up < 128; up++) {
      const uint64_t ub = RvBits(up);
      const bool pointer = !(ub & (kR | kX));
      for (int mis = 0; mis < (pointer ? 1 : 2); mis++) {
        for (unsigned lf = 0; lf < (pointer ? 128u : 1u); lf++) {
          Path p;
          p.levels = b.levels();
          for (int l = 0; l < p.levels; l++)
            p.e[l] = b.Pointer(l);
          p.e[1] = (mis ? ppn_misaligned : ppn_table) | ub;
          // Under a superpage the level-0 entry is a valid leaf that must never be reached.
          p.e[0] = ((kFrame4K >> 12) << 10) |
                   (pointer ? RvBits(lf) : (kV | kR | kW | kX | kU | kRvA | kRvD));
          for (const Access &a : accesses)
            ck.Run(p, a);
        }
      }
    }
  }
  return ck.vectors();
}

// ---------------------------------------------------------------------------------------------

struct FmtParam {
  mmu_format_t fmt;
  int leaf_level; // x86: 0 = 4 KiB leaf under a varied PDE, 1 = 2 MiB leaf under a varied PDPTE
  const char *name;
};

class ProtectionExhaustive : public ::testing::TestWithParam<FmtParam> {};

TEST_P(ProtectionExhaustive, EveryPteControlAccessCombinationMatchesTheManualsOracle) {
  Bench b(GetParam().fmt);
  Checker ck(b);
  auto t0 = std::chrono::steady_clock::now();
  uint64_t n = IsX86(b.fmt()) ? RunX86(b, ck, GetParam().leaf_level) : RunRv(b, ck);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(ck.mismatches(), 0u) << "vectors that disagree with the oracle";
  std::printf(
      "[ protection ] %s: %llu vectors (each a fresh walk), %llu also replayed as TLB hits, "
      "%llu mismatches, %.2f s\n",
      GetParam().name, (unsigned long long)n, (unsigned long long)ck.tlb_vectors(),
      (unsigned long long)ck.mismatches(), s);
  RecordProperty("vectors", std::to_string(n));
}

INSTANTIATE_TEST_SUITE_P(Formats, ProtectionExhaustive,
                         ::testing::Values(FmtParam{MMU_FMT_X86_64_4L, 0, "x86_64_4L_4KiB"},
                                           FmtParam{MMU_FMT_X86_64_4L, 1, "x86_64_4L_2MiB"},
                                           FmtParam{MMU_FMT_X86_64_5L, 0, "x86_64_5L_4KiB"},
                                           FmtParam{MMU_FMT_X86_64_5L, 1, "x86_64_5L_2MiB"},
                                           FmtParam{MMU_FMT_SV39, 0, "Sv39"},
                                           FmtParam{MMU_FMT_SV48, 0, "Sv48"}),
                         [](const auto &info) { return std::string(info.param.name); });

} // namespace

// ---------------------------------------------------------------------------------------------
// Directed tests, named after the behaviour they show.
// ---------------------------------------------------------------------------------------------

namespace {

mmu_config_t Cfg(mmu_format_t f) {
  mmu_config_t c;
  mmu_config_default(&c);
  c.format = f;
  return c;
}

void SetCtrl(Mmu &m, void (*fn)(mmu_ctrl_t &)) {
  mmu_ctrl_t c;
  ASSERT_EQ(mmu_get_ctrl(m, &c), MMU_OK);
  fn(c);
  ASSERT_EQ(mmu_set_ctrl(m, &c), MMU_OK);
}

mmu_result_t Implicit(Mmu &m, uint64_t va, mmu_op_t op) {
  mmu_access_t a{va, op, false, true, 1};
  mmu_result_t r{};
  EXPECT_EQ(mmu_translate(m, &a, &r), MMU_OK);
  return r;
}

constexpr uint64_t kUserPage = 0x00007ffd00000000ull, kStack = 0x00007ffffffde000ull;

TEST(Protection, ABufferOverflowThatJumpsToTheStackFaultsWithNxErrorCodePUI) {
  mmu_config_t c = Cfg(MMU_FMT_X86_64_4L);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(kStack, 0x6000, 0, kP | kRW | kUS | kNX);
  EXPECT_EQ(m.Translate(kStack + 0x100, MMU_OP_WRITE).fault.kind, MMU_FAULT_NONE); // the overflow
  mmu_result_t r = m.Translate(kStack + 0x140, MMU_OP_EXEC); // ret into the stack (a TLB hit)
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NX);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P | MMU_PFEC_U | MMU_PFEC_I);
  EXPECT_EQ(r.fault.level, 0);
}

TEST(Protection, AKernelThatReadsUserMemoryWithSmapOnAndAcClearFaults) {
  mmu_config_t c = Cfg(MMU_FMT_X86_64_4L);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(kUserPage, 0x7000, 0, kP | kRW | kUS);
  SetCtrl(m, [](mmu_ctrl_t &k) { k.smap = true, k.ac = false; });
  mmu_result_t r = m.Translate(kUserPage, MMU_OP_READ, /*user=*/false);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_SMAP);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P); // a supervisor read: no W, no U
  EXPECT_EQ(m.Translate(kUserPage, MMU_OP_READ, true).fault.kind, MMU_FAULT_NONE);
}

TEST(Protection, StacLetsTheKernelReadUserMemoryButAnImplicitAccessStillFaults) {
  mmu_config_t c = Cfg(MMU_FMT_X86_64_4L);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(kUserPage, 0x7000, 0, kP | kRW | kUS);
  SetCtrl(m, [](mmu_ctrl_t &k) { k.smap = true, k.ac = true; }); // STAC
  mmu_result_t r = m.Translate(kUserPage + 8, MMU_OP_READ, false);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(r.pa, 0x7008u);
  // E.g. a descriptor-table load: implicit supervisor accesses ignore AC; now a TLB hit.
  mmu_result_t imp = Implicit(m, kUserPage + 8, MMU_OP_READ);
  EXPECT_EQ(imp.fault.kind, MMU_FAULT_SMAP);
  EXPECT_EQ(imp.fault.error_code, MMU_PFEC_P);
  EXPECT_EQ(Implicit(m, kUserPage, MMU_OP_WRITE).fault.error_code, MMU_PFEC_P | MMU_PFEC_W);
}

TEST(Protection, WithCr0WpClearTheKernelWritesReadOnlyPages) {
  mmu_config_t c = Cfg(MMU_FMT_X86_64_4L);
  Mmu m(&c);
  HandTables t(m, 1);
  const uint64_t kva = 0xffff800000200000ull;
  t.Map(kva, 0x8000, 0, kP); // supervisor, read-only
  mmu_result_t r = m.Translate(kva, MMU_OP_WRITE, false);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_WRITE);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P | MMU_PFEC_W);
  SetCtrl(m, [](mmu_ctrl_t &k) { k.wp = false; });
  r = m.Translate(kva, MMU_OP_WRITE, false);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
  EXPECT_TRUE(t.Entry(kva, 0) & kD);
  // User writes honour R/W whatever WP says.
  t.Map(kUserPage, 0x9000, 0, kP | kUS);
  EXPECT_EQ(m.Translate(kUserPage, MMU_OP_WRITE, true).fault.kind, MMU_FAULT_WRITE);
}

TEST(Protection, NxSetWhileEferNxeIsClearIsAReservedBitFaultWithRsvdInTheErrorCode) {
  mmu_config_t c = Cfg(MMU_FMT_X86_64_4L);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(kUserPage, 0x7000, 0, kP | kRW | kUS | kNX);
  SetCtrl(m, [](mmu_ctrl_t &k) { k.nxe = false, k.smep = false; });
  mmu_result_t r = m.Translate(kUserPage, MMU_OP_READ, true);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_RSVD);
  EXPECT_EQ(r.fault.level, 0);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P | MMU_PFEC_U | MMU_PFEC_RSVD);
  // A fetch reports no I/D flag: neither EFER.NXE nor CR4.SMEP is set.
  EXPECT_EQ(m.Translate(kUserPage, MMU_OP_EXEC, true).fault.error_code,
            MMU_PFEC_P | MMU_PFEC_U | MMU_PFEC_RSVD);
  // With NXE set the same PTE is simply no-execute.
  SetCtrl(m, [](mmu_ctrl_t &k) { k.nxe = true; });
  EXPECT_EQ(m.Translate(kUserPage, MMU_OP_READ, true).fault.kind, MMU_FAULT_NONE);
}

TEST(Protection, PkruWriteDisableStopsAUserWriteButNotARead) {
  mmu_config_t c = Cfg(MMU_FMT_X86_64_4L);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(kUserPage, 0x7000, 0, kP | kRW | kUS | (3ull << 59));              // key 3
  SetCtrl(m, [](mmu_ctrl_t &k) { k.pke = true, k.pkru = 2u << (2 * 3); }); // WD3
  EXPECT_EQ(m.Translate(kUserPage, MMU_OP_READ, true).fault.kind, MMU_FAULT_NONE);
  mmu_result_t r = m.Translate(kUserPage, MMU_OP_WRITE, true); // a TLB hit after the read
  EXPECT_EQ(r.fault.kind, MMU_FAULT_PKEY);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P | MMU_PFEC_W | MMU_PFEC_U | MMU_PFEC_PK);
  // Fetches ignore protection keys.
  EXPECT_EQ(m.Translate(kUserPage, MMU_OP_EXEC, true).fault.kind, MMU_FAULT_NONE);
}

TEST(Protection, PkFlagIsReportedEvenWhenAnotherViolationNamesTheFault) {
  // SDM 4.7: PK describes PKRU's verdict on the access; a write to a read-only page whose key is
  // access-disabled reports both W and PK (the model names the WRITE violation first).
  mmu_config_t c = Cfg(MMU_FMT_X86_64_4L);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(kUserPage, 0x7000, 0, kP | kUS | (5ull << 59));
  SetCtrl(m, [](mmu_ctrl_t &k) { k.pke = true, k.pkru = 1u << (2 * 5); }); // AD5
  mmu_result_t r = m.Translate(kUserPage, MMU_OP_WRITE, true);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_WRITE);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P | MMU_PFEC_W | MMU_PFEC_U | MMU_PFEC_PK);
  // The kernel reading it with SMAP on: SMAP names the fault, PK is set too.
  r = m.Translate(kUserPage, MMU_OP_READ, false);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_SMAP);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P | MMU_PFEC_PK);
}

TEST(Protection, FiveLevelPagingCombinesRightsOverAllFiveLevels) {
  mmu_config_t c = Cfg(MMU_FMT_X86_64_5L);
  Mmu m(&c);
  HandTables t(m, 1);
  const uint64_t va = 0x00ab000000001000ull;
  t.Map(va, 0x7000, 0, kP | kRW | kUS);
  t.SetEntry(va, 4, t.Entry(va, 4) & ~kUS); // PML5E: supervisor
  mmu_result_t r = m.Translate(va, MMU_OP_READ, true);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_USER);
  EXPECT_EQ(r.fault.error_code, MMU_PFEC_P | MMU_PFEC_U);
  // The kernel's translation caches the combined (supervisor) rights: a user hit still faults.
  EXPECT_EQ(m.Translate(va, MMU_OP_READ, false).fault.kind, MMU_FAULT_NONE);
  r = m.Translate(va, MMU_OP_READ, true);
  EXPECT_NE(r.where, MMU_HIT_NONE);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_USER);
}

// ---- RISC-V ----

TEST(ProtectionRiscv, MxrLetsSModeLoadFromAnExecuteOnlyPage) {
  mmu_config_t c = Cfg(MMU_FMT_SV39);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x10000, 0x7000, 0, kV | kX | kRvA); // execute-only, supervisor
  mmu_result_t r = m.Translate(0x10000, MMU_OP_READ, false);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_READ);
  EXPECT_EQ(r.fault.cause, MMU_CAUSE_LOAD_PAGE_FAULT);
  SetCtrl(m, [](mmu_ctrl_t &k) { k.mxr = true; });
  r = m.Translate(0x10010, MMU_OP_READ, false);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(r.pa, 0x7010u);
  // MXR makes it readable, not writable.
  EXPECT_EQ(m.Translate(0x10010, MMU_OP_WRITE, false).fault.cause, MMU_CAUSE_STORE_PAGE_FAULT);
}

TEST(ProtectionRiscv, SumLetsSModeAccessUPagesButNeverExecuteThem) {
  mmu_config_t c = Cfg(MMU_FMT_SV39);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x20000, 0x8000, 0, kV | kR | kW | kX | kU | kRvA | kRvD);
  mmu_result_t r = m.Translate(0x20000, MMU_OP_READ, false);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_SMAP);
  EXPECT_EQ(r.fault.cause, MMU_CAUSE_LOAD_PAGE_FAULT);
  SetCtrl(m, [](mmu_ctrl_t &k) { k.sum = true; });
  EXPECT_EQ(m.Translate(0x20000, MMU_OP_READ, false).fault.kind, MMU_FAULT_NONE);
  EXPECT_EQ(m.Translate(0x20000, MMU_OP_WRITE, false).fault.kind, MMU_FAULT_NONE);
  r = m.Translate(0x20000, MMU_OP_EXEC, false);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_SMEP);
  EXPECT_EQ(r.fault.cause, MMU_CAUSE_FETCH_PAGE_FAULT);
  // U-mode executes it.
  EXPECT_EQ(m.Translate(0x20000, MMU_OP_EXEC, true).fault.kind, MMU_FAULT_NONE);
}

TEST(ProtectionRiscv, WithoutSvaduAStoreToACleanPageFaultsAfterALoadCachedIt) {
  mmu_config_t c = Cfg(MMU_FMT_SV48);
  Mmu m(&c);
  HandTables t(m, 1);
  t.Map(0x30000, 0x9000, 0, kV | kR | kW | kU | kRvA);
  SetCtrl(m, [](mmu_ctrl_t &k) { k.svadu = false; });
  EXPECT_EQ(m.Translate(0x30000, MMU_OP_READ, true).fault.kind, MMU_FAULT_NONE);
  mmu_result_t r = m.Translate(0x30000, MMU_OP_WRITE, true);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_AD);
  EXPECT_EQ(r.fault.cause, MMU_CAUSE_STORE_PAGE_FAULT);
  EXPECT_FALSE(t.Entry(0x30000, 0) & kRvD);
  SetCtrl(m, [](mmu_ctrl_t &k) { k.svadu = true; });
  EXPECT_EQ(m.Translate(0x30000, MMU_OP_WRITE, true).fault.kind, MMU_FAULT_NONE);
  EXPECT_TRUE(t.Entry(0x30000, 0) & kRvD);
}

} // namespace
