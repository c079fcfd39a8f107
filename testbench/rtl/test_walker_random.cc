// Random walks: seeded random page tables (mixed sizes, faults, aliasing, stale PWC entries) and
// random control bits; the Verilated mmu_walker and the reference walker must agree on every
// result field, every memory reference and the memory left after the A/D updates.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "Vwalker_l4.h"
#include "Vwalker_l5.h"
#include "Vwalker_nopwc.h"
#include "walker_harness.h"

using namespace rtlwalk;

namespace {

class Scenario {
public:
  Scenario(Params p, std::mt19937_64 &rng) : p_(p), rng_(rng) {
    roots_.push_back(new_frame() << 12);
    roots_.push_back(new_frame() << 12);
    tables_.insert(roots_.begin(), roots_.end());
    const unsigned nva = 8 + rnd(24);
    for (unsigned i = 0; i < nva; ++i)
      vas_.push_back(gen_va());
    for (uint64_t root : roots_)
      for (uint64_t va : vas_)
        populate(root, va);
  }

  Mem mem;

  Request gen_request() {
    Request r;
    if (pct(92)) {
      r.va = vas_[rnd(vas_.size())];
      if (pct(40)) r.va ^= rng_() & 0xfff;         // other byte, same page
      if (pct(10)) r.va ^= (rng_() & 0x1ff) << 12; // neighbour 4K page
      if (pct(3)) r.va ^= 1ull << (p_.va_bits() - 1 + rnd(64 - p_.va_bits() + 1));
    } else {
      r.va = canon(rng_() & mask_bits(p_.va_bits()), p_.va_bits());
      if (pct(20)) r.va = rng_();
    }
    r.root = roots_[pct(85) ? 0 : 1] | (pct(10) ? (rng_() & 0xfff) : 0); // low bits ignored
    r.op = pct(3) ? 3 : rnd(3);
    r.user = pct(50);
    r.wp = pct(70);
    r.nxe = pct(85);
    r.smep = pct(30);
    r.smap = pct(40);
    r.ac = pct(30);
    r.implicit = pct(20);
    r.pke = pct(50);
    r.pkru = pct(50) ? static_cast<uint32_t>(rng_() & rng_() & rng_()) : 0;
    r.flush = pct(2);
    return r;
  }

  // Changes a random populated entry (same change in both memories).
  void mutate(Mem &a, Mem &b) {
    if (entries_.empty()) return;
    const uint64_t addr = entries_[rnd(entries_.size())];
    static const uint64_t kBits[] = {kP, kRw, kUs, kA, kD, kPs, kNxBit, 1ull << 13, 1ull << 60};
    const uint64_t v = mem_read(a, addr) ^ kBits[rnd(sizeof kBits / sizeof kBits[0])];
    a[addr] = v;
    b[addr] = v;
  }

private:
  unsigned rnd(size_t n) {
    return static_cast<unsigned>(rng_() % n);
  }
  bool pct(unsigned p) {
    return rnd(100) < p;
  }

  uint64_t new_frame() {
    for (;;) {
      const uint64_t f = 1 + (rng_() & mask_bits(p_.pa_bits - 12 - 1));
      if (frames_.insert(f).second) return f;
    }
  }

  // VAs share prefixes often so that walks share tables and the PWC gets hits.
  uint64_t gen_va() {
    uint64_t va = rng_() & 0xfff;
    for (unsigned l = 0; l < p_.levels; ++l) {
      const uint64_t idx = pct(60) ? rnd(3) : (pct(30) ? 511 : rnd(512));
      va |= idx << (12 + 9 * l);
    }
    return canon(va, p_.va_bits());
  }

  uint64_t random_flags() {
    uint64_t f = kP;
    if (pct(85)) f |= kRw;
    if (pct(80)) f |= kUs;
    if (pct(50)) f |= kA;
    if (pct(50)) f |= kD;
    if (pct(8)) f |= kNxBit;
    f |= rng_() & (kPwt | kPcd | kG | (7ull << 9) | (0x7full << 52) | (0xfull << 59));
    if (p_.pa_bits < 52 && pct(3)) f |= 1ull << (p_.pa_bits + rnd(52 - p_.pa_bits));
    return f;
  }

  uint64_t gen_entry(int lvl, bool *is_table) {
    *is_table = false;
    if (pct(3)) return rng_() & ~kP; // not present, junk elsewhere
    uint64_t f = random_flags();
    const bool leaf = lvl == 0 || (lvl <= 2 && pct(25)) || (lvl >= 3 && pct(2));
    if (!leaf) {
      *is_table = true;
      uint64_t frame;
      if (pct(6) && !tables_.empty()) { // alias an existing table (possibly an ancestor)
        auto it = tables_.begin();
        std::advance(it, rnd(tables_.size()));
        frame = *it >> 12;
      } else {
        frame = new_frame();
        tables_.insert(frame << 12);
      }
      return (frame << 12) | f;
    }
    if (lvl == 0) return (new_frame() << 12) | f;
    const unsigned shift = 12 + 9 * lvl;
    uint64_t pa = rng_() & mask_bits(p_.pa_bits) & ~mask_bits(shift);
    if (pct(50)) pa |= 1ull << 12;                                // PAT
    if (lvl <= 2 && pct(4)) pa |= 1ull << (13 + rnd(shift - 13)); // misaligned
    return pa | f | kPs;
  }

  void populate(uint64_t root, uint64_t va) {
    uint64_t table = root;
    for (int l = static_cast<int>(p_.levels) - 1; l >= 0; --l) {
      const uint64_t a = PageTables::entry_addr(table, va, l);
      uint64_t e;
      auto it = mem.find(a);
      if (it != mem.end()) {
        e = it->second;
      } else {
        bool is_table;
        e = gen_entry(l, &is_table);
        mem[a] = e;
        entries_.push_back(a);
      }
      if (!(e & kP) || l == 0 || (e & kPs)) return;
      table = e & mask_bits(p_.pa_bits) & ~0xfffull;
    }
  }

  Params p_;
  std::mt19937_64 &rng_;
  std::vector<uint64_t> roots_, vas_, entries_;
  std::set<uint64_t> frames_, tables_;
};

uint64_t env_u64(const char *name, uint64_t dflt) {
  const char *s = std::getenv(name);
  return s && *s ? std::strtoull(s, nullptr, 0) : dflt;
}

template <class M>
void random_walks(Params p, uint64_t seed, unsigned walks, unsigned per_scenario) {
  seed = env_u64("RTL_RANDOM_SEED", seed);
  std::mt19937_64 rng(seed);
  Bench<M> bench(seed);
  RefWalker ref(p);
  unsigned done = 0, faults = 0, hits_seen = 0, ad_writes = 0;
  std::vector<unsigned> kinds(11, 0), sizes(3, 0);
  while (done < walks) {
    Scenario sc(p, rng);
    bench.mem = sc.mem;
    Mem ref_mem = sc.mem;
    bench.timing.lat_min = 1 + static_cast<unsigned>(rng() % 3);
    bench.timing.lat_max = bench.timing.lat_min + static_cast<unsigned>(rng() % 4);
    bench.timing.mem_ready_p = (rng() % 2) ? 1.0 : 0.6;
    bench.timing.rsp_ready_p = (rng() % 2) ? 1.0 : 0.7;
    bench.flush();
    ref.flush();
    for (unsigned i = 0; i < per_scenario && done < walks; ++i, ++done) {
      if (rng() % 100 < 4) sc.mutate(bench.mem, ref_mem);
      if (rng() % 100 < 1) {
        bench.flush();
        ref.flush();
      }
      const Request r = sc.gen_request();
      const Result want = ref.walk(ref_mem, r);
      const Result got = bench.walk(r);
      ASSERT_EQ(bench.protocol_error, "") << "walk " << done << " seed " << seed;
      ASSERT_TRUE(got.same_fields(want))
          << "walk " << done << " seed " << seed << "\n req: " << req_str(r)
          << "\n rtl: " << got.str() << "\n ref: " << want.str();
      ASSERT_EQ(got.refs, got.ops.size());
      faults += got.fault != kNone;
      kinds[got.fault]++;
      if (got.fault == kNone) sizes[got.size]++;
      // A walk that started below the root table was shortened by the PWC.
      if (!got.ops.empty() &&
          got.ops[0].addr != PageTables::entry_addr(r.root & ~0xfffull, r.va, p.levels - 1))
        hits_seen++;
      for (const auto &o : got.ops)
        ad_writes += o.we;
    }
    ASSERT_TRUE(bench.mem == ref_mem) << "memory differs after scenario, seed " << seed;
  }
  // The generator must actually reach the interesting cases.
  for (unsigned k = 0; k <= kPkey; ++k)
    EXPECT_GT(kinds[k], 0u) << "fault kind " << k << " never seen";
  EXPECT_GT(ad_writes, walks / 20);
  for (unsigned z = 0; z < 3; ++z)
    EXPECT_GT(sizes[z], walks / 100) << "page size " << z;
  if (p.pwc_en) {
    EXPECT_GT(hits_seen, walks / 10);
  } else {
    EXPECT_EQ(hits_seen, 0u);
  }
  std::printf(
      "%u walks, %u faults, %u PWC-shortened, %u A/D writes, %llu cycles\nby fault kind:", walks,
      faults, hits_seen, ad_writes, static_cast<unsigned long long>(bench.cycle_count()));
  for (unsigned k = 0; k <= kPkey; ++k)
    std::printf(" %u", kinds[k]);
  std::printf("\nsuccesses by page size: %u %u %u\n", sizes[0], sizes[1], sizes[2]);
}

TEST(RtlWalkerRandom, L4Pwc100k) {
  random_walks<Vwalker_l4>(Params{4, 46, true}, 0x5eed0001, env_u64("RTL_RANDOM_WALKS", 100000),
                           400);
}

TEST(RtlWalkerRandom, L5Pwc25k) {
  random_walks<Vwalker_l5>(Params{5, 52, true}, 0x5eed0002, 25000, 400);
}

TEST(RtlWalkerRandom, L4NoPwc25k) {
  random_walks<Vwalker_nopwc>(Params{4, 39, false}, 0x5eed0003, 25000, 400);
}

} // namespace
