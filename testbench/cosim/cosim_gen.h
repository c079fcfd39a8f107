// Random x86 address spaces for the co-simulation tests, built through the public C API so that
// the same scenario can be replayed on several mmu_t (the SystemC bench keeps two: one serves
// the RTL's memory port, the other runs the C walker).
//
// A scenario: a few ASIDs, each with regions of mixed page sizes (4K/2M/1G), random rights,
// global bits and protection keys; then random corruptions of PTEs at every level (P, R/W, U/S,
// A, D, PS, NX, misaligning bits, reserved address bits, address bits beyond physical memory).
#pragma once

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "mmusim.h"

namespace cosim {

constexpr uint64_t kP = 1ull << 0, kRw = 1ull << 1, kUs = 1ull << 2, kA = 1ull << 5, kD = 1ull << 6,
                   kPs = 1ull << 7, kG = 1ull << 8, kNx = 1ull << 63;

// The configuration the RTL walker needs (see mmu_rtl_attach): pa_bits 46, one PWC entry per
// upper level. tlbs=false disables every TLB array so that each translation walks.
inline mmu_config_t rtl_config(mmu_format_t fmt, bool tlbs = true, uint64_t phys = 4ull << 30) {
  mmu_config_t c;
  mmu_config_default(&c);
  c.format = fmt;
  c.pa_bits = 46;
  c.phys_bytes = phys;
  for (int i = 0; i < MMU_PWC_LEVELS; ++i)
    c.pwc[i] = mmu_pwc_config_t{1, 1, 2};
  if (!tlbs) {
    for (mmu_tlb_config_t *t : {&c.itlb, &c.dtlb, &c.stlb})
      for (auto &a : t->size)
        a = mmu_array_config_t{0, 0};
  }
  return c;
}

inline int fmt_levels(mmu_format_t f) {
  return f == MMU_FMT_X86_64_5L ? 5 : 4;
}
inline unsigned fmt_va_bits(mmu_format_t f) {
  return 12 + 9 * fmt_levels(f);
}
inline uint64_t canon(uint64_t va, unsigned bits) {
  return static_cast<uint64_t>(static_cast<int64_t>(va << (64 - bits)) >> (64 - bits));
}

// Address of the entry translating va at level (following present non-leaf entries), or 0.
inline uint64_t pte_addr_at(mmu_t *m, uint16_t asid, uint64_t va, int level, int levels) {
  uint64_t table = 0;
  if (mmu_space_root(m, asid, &table)) return 0;
  for (int l = levels - 1;; --l) {
    const uint64_t a = table + 8 * ((va >> (12 + 9 * l)) & 511);
    if (l == level) return a;
    uint64_t pte = 0;
    if (mmu_phys_read(m, a, &pte, 8) || !(pte & kP) || (pte & kPs)) return 0;
    table = pte & ((1ull << 46) - 1) & ~0xfffull;
  }
}

struct Region {
  uint16_t asid;
  uint64_t va, pa, len;
  uint32_t perm;
  mmu_page_size_t size;
};

struct Corruption {
  uint16_t asid;
  uint64_t va;
  int level;
  uint64_t bits; // XORed into the PTE
};

class Scenario {
public:
  Scenario(mmu_format_t fmt, uint64_t seed, unsigned asids = 3, unsigned regions = 40)
      : fmt_(fmt), levels_(fmt_levels(fmt)), rng_(seed) {
    for (unsigned a = 1; a <= asids; ++a)
      asids_.push_back(static_cast<uint16_t>(a));
    uint64_t next_pa = 1ull << 30; // 1 GiB up: data frames (tables are allocated from the top)
    for (uint16_t asid : asids_) {
      for (unsigned i = 0; i < regions; ++i) {
        Region r;
        r.asid = asid;
        const unsigned k = rnd(100);
        r.size = k < 65 ? MMU_PAGE_4K : (k < 93 ? MMU_PAGE_2M : MMU_PAGE_1G);
        const uint64_t bytes = mmu_page_bytes(r.size);
        r.len = bytes * (r.size == MMU_PAGE_1G ? 1 : 1 + rnd(4));
        r.va = gen_va() & ~(bytes - 1);
        r.pa = r.size == MMU_PAGE_1G ? (1 + rnd(2)) << 30 : (next_pa + bytes - 1) & ~(bytes - 1);
        if (r.size != MMU_PAGE_1G) next_pa = r.pa + r.len;
        if (next_pa > (3ull << 30)) next_pa = 1ull << 30; // reuse frames: aliasing is fine
        r.perm = MMU_PERM_R;
        if (pct(75)) r.perm |= MMU_PERM_W;
        if (pct(60)) r.perm |= MMU_PERM_X;
        if (pct(70)) r.perm |= MMU_PERM_U;
        if (pct(10)) r.perm |= MMU_PERM_G;
        if (pct(30)) r.perm |= MMU_PERM_PKEY(rnd(16));
        regions_.push_back(r);
      }
    }
    static const uint64_t kBits[] = {kP,         kRw,        kUs,        kA,
                                     kD,         kPs,        kNx,        1ull << 13,
                                     1ull << 20, 1ull << 47, 1ull << 44, 0xfull << 59};
    for (unsigned i = 0; i < regions * asids / 6; ++i) {
      const Region &r = regions_[rnd(regions_.size())];
      corrupt_.push_back(Corruption{r.asid, r.va + (rng_() % r.len & ~0xfffull),
                                    static_cast<int>(rnd(levels_)),
                                    kBits[rnd(sizeof kBits / sizeof kBits[0])]});
    }
  }

  // Creates the address spaces and applies the mappings and corruptions to m.
  void build(mmu_t *m) const {
    for (uint16_t a : asids_)
      mmu_space_create(m, a);
    for (const Region &r : regions_) {
      mmu_status_t s = mmu_map(m, r.asid, r.va, r.pa, r.len, r.perm, r.size);
      (void)s; // MMU_ERR_OVERLAP: that region is skipped, in every replica alike
    }
    for (const Corruption &c : corrupt_)
      apply(m, c);
  }

  void apply(mmu_t *m, const Corruption &c) const {
    const uint64_t a = pte_addr_at(m, c.asid, c.va, c.level, levels_);
    if (!a) return;
    uint64_t v = 0;
    if (mmu_phys_read(m, a, &v, 8)) return;
    v ^= c.bits;
    mmu_phys_write(m, a, &v, 8);
  }

  // A random PTE change (applied by the caller to every replica, without invalidation).
  Corruption random_corruption(std::mt19937_64 &g) const {
    const Region &r = regions_[g() % regions_.size()];
    static const uint64_t kBits[] = {kP,  kRw,        kUs,        kA | kD,     kA, kD,
                                     kNx, 1ull << 13, 1ull << 40, 0xfull << 59}; // 1<<40: bus error
    return Corruption{r.asid, r.va + (g() % r.len & ~0xfffull), static_cast<int>(g() % levels_),
                      kBits[g() % (sizeof kBits / sizeof kBits[0])]};
  }

  mmu_access_t random_access(std::mt19937_64 &g) const {
    mmu_access_t a{};
    const unsigned k = g() % 100;
    if (k < 90) {
      const Region &r = regions_[g() % regions_.size()];
      a.va = r.va + g() % r.len;
      a.asid = pct(g, 85) ? r.asid : asids_[g() % asids_.size()];
    } else {
      a.va = canon(g() & ((1ull << fmt_va_bits(fmt_)) - 1), fmt_va_bits(fmt_));
      if (k >= 97) a.va ^= 1ull << (fmt_va_bits(fmt_) + g() % (64 - fmt_va_bits(fmt_)));
      a.asid = asids_[g() % asids_.size()];
    }
    a.op = static_cast<mmu_op_t>(g() % 3);
    a.user = pct(g, 50);
    a.implicit = pct(g, 15);
    return a;
  }

  static mmu_ctrl_t random_ctrl(std::mt19937_64 &g) {
    mmu_ctrl_t c{};
    c.wp = pct(g, 70);
    c.nxe = pct(g, 85);
    c.smep = pct(g, 40);
    c.smap = pct(g, 40);
    c.ac = pct(g, 30);
    c.pke = pct(g, 50);
    c.pkru = pct(g, 60) ? static_cast<uint32_t>(g() & g() & g()) : 0;
    c.svadu = true;
    return c;
  }

  const std::vector<uint16_t> &asids() const {
    return asids_;
  }
  const std::vector<Region> &regions() const {
    return regions_;
  }
  mmu_format_t format() const {
    return fmt_;
  }

private:
  static bool pct(std::mt19937_64 &g, unsigned p) {
    return g() % 100 < p;
  }
  unsigned rnd(size_t n) {
    return static_cast<unsigned>(rng_() % n);
  }
  bool pct(unsigned p) {
    return rnd(100) < p;
  }
  // VAs share upper-level prefixes so that walks share tables and the PWC hits.
  uint64_t gen_va() {
    uint64_t va = 0;
    for (int l = 0; l < levels_; ++l) {
      const uint64_t idx = pct(60) ? rnd(3) : (pct(30) ? 511 : rnd(512));
      va |= idx << (12 + 9 * l);
    }
    return canon(va, fmt_va_bits(fmt_));
  }

  mmu_format_t fmt_;
  int levels_;
  std::mt19937_64 rng_;
  std::vector<uint16_t> asids_;
  std::vector<Region> regions_;
  std::vector<Corruption> corrupt_;
};

// Writes a small valgrind-lackey trace: a loop fetching code, walking a stack, striding through
// two arrays and touching a hash table (a few hundred pages over several 2M/1G regions).
inline bool write_lackey_trace(const std::string &path, unsigned records, uint64_t seed) {
  FILE *f = std::fopen(path.c_str(), "w");
  if (!f) return false;
  std::mt19937_64 g(seed);
  std::fprintf(f, "==4242== Lackey, an example Valgrind tool\n");
  const uint64_t code = 0x400000, stack = 0x7ffc0000f000ull, arr = 0x7f3a12000000ull,
                 heap = 0x55d0c0000000ull;
  uint64_t pc = code, sp = stack;
  for (unsigned i = 0; i < records; ++i) {
    pc += 4 + g() % 8;
    if (g() % 50 == 0) pc = code + (g() % 0x60000);
    std::fprintf(f, "I  %08llx,%u\n", (unsigned long long)pc, 3 + static_cast<unsigned>(g() % 5));
    switch (g() % 6) {
    case 0:
      std::fprintf(f, " S %llx,8\n", (unsigned long long)(sp -= 8));
      break;
    case 1:
      std::fprintf(f, " L %llx,8\n", (unsigned long long)(sp += 8));
      break;
    case 2:
      std::fprintf(f, " L %llx,8\n", (unsigned long long)(arr + 8ull * i * 97 % (64ull << 20)));
      break;
    case 3:
      std::fprintf(f, " M %llx,4\n",
                   (unsigned long long)(arr + (32ull << 20) + 4096ull * (i % 700)));
      break;
    case 4:
      std::fprintf(f, " L %llx,8\n", (unsigned long long)(heap + (g() % (8ull << 20) & ~7ull)));
      break;
    default:
      break;
    }
  }
  return std::fclose(f) == 0;
}

} // namespace cosim
