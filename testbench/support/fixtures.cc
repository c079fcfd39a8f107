// fixtures.cc — shared test helpers (see fixtures.h).
#include "support/fixtures.h"

namespace mmutest {

Mmu::Mmu(const mmu_config_t *cfg) {
  mmu_status_t s = mmu_create(cfg, &m_);
  if (s != MMU_OK) {
    ADD_FAILURE() << "mmu_create: " << mmu_strerror(s);
    return;
  }
  EXPECT_EQ(mmu_space_create(m_, 1), MMU_OK);
}

Mmu::~Mmu() {
  mmu_destroy(m_);
}

mmu_result_t Mmu::Translate(uint64_t va, mmu_op_t op, bool user, uint16_t asid) {
  mmu_access_t a{va, op, user, false, asid};
  mmu_result_t r{};
  EXPECT_EQ(mmu_translate(m_, &a, &r), MMU_OK);
  return r;
}

mmu_result_t Mmu::Probe(uint64_t va, mmu_op_t op, bool user, uint16_t asid) {
  mmu_access_t a{va, op, user, false, asid};
  mmu_result_t r{};
  EXPECT_EQ(mmu_probe(m_, &a, &r), MMU_OK);
  return r;
}

uint64_t Mmu::Read64(uint64_t pa) const {
  uint64_t v = 0;
  EXPECT_EQ(mmu_phys_read(m_, pa, &v, 8), MMU_OK);
  return v;
}

int Levels(mmu_format_t f) {
  switch (f) {
  case MMU_FMT_X86_64_5L:
    return 5;
  case MMU_FMT_SV39:
    return 3;
  default:
    return 4;
  }
}

HandTables::HandTables(Mmu &mmu, uint16_t asid, uint64_t next_table)
    : mmu_(mmu), asid_(asid), next_(next_table) {
  if (asid != 1) EXPECT_EQ(mmu_space_create(mmu, asid), MMU_OK);
  EXPECT_EQ(mmu_space_root(mmu, asid, &root_), MMU_OK);
  levels_ = Levels(mmu.cfg().format);
  x86_ = mmu.cfg().format == MMU_FMT_X86_64_4L || mmu.cfg().format == MMU_FMT_X86_64_5L;
  upper_ = x86_ ? (kP | kRW | kUS) : kV;
}

uint64_t HandTables::NewTable() {
  uint64_t t = next_;
  next_ += 4096;
  std::string zero(4096, '\0');
  EXPECT_EQ(mmu_phys_write(mmu_, t, zero.data(), zero.size()), MMU_OK);
  return t;
}

uint64_t HandTables::TableAddrOf(uint64_t e) const {
  return x86_ ? (e & 0x000ffffffffff000ull) : ((e >> 10) & ((1ull << 44) - 1)) << 12;
}

uint64_t HandTables::MakeTableEntry(uint64_t table) const {
  return x86_ ? (table | upper_) : (((table >> 12) << 10) | upper_);
}

static uint64_t Index(uint64_t va, int level) {
  return (va >> (12 + 9 * level)) & 511;
}

uint64_t HandTables::EntryAddr(uint64_t va, int level) const {
  uint64_t table = root_;
  for (int l = levels_ - 1; l > level; l--)
    table = TableAddrOf(mmu_.Read64(table + 8 * Index(va, l)));
  return table + 8 * Index(va, level);
}

void HandTables::SetEntry(uint64_t va, int level, uint64_t value) {
  uint64_t a = EntryAddr(va, level);
  EXPECT_EQ(mmu_phys_write(mmu_, a, &value, 8), MMU_OK);
}

uint64_t HandTables::Map(uint64_t va, uint64_t pa, int level, uint64_t leaf_bits) {
  uint64_t table = root_;
  for (int l = levels_ - 1; l > level; l--) {
    uint64_t a = table + 8 * Index(va, l), e = mmu_.Read64(a);
    if (e == 0) {
      uint64_t t = NewTable();
      e = MakeTableEntry(t);
      EXPECT_EQ(mmu_phys_write(mmu_, a, &e, 8), MMU_OK);
    }
    table = TableAddrOf(e);
  }
  uint64_t leaf;
  if (x86_)
    leaf = pa | leaf_bits | (level > 0 ? kPS : 0);
  else
    leaf = ((pa >> 12) << 10) | leaf_bits;
  uint64_t a = table + 8 * Index(va, level);
  EXPECT_EQ(mmu_phys_write(mmu_, a, &leaf, 8), MMU_OK);
  return a;
}

} // namespace mmutest
