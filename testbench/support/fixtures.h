// fixtures.h — shared test helpers: an MMU owner, and page tables written by hand into model
// memory (independent of the code under test's page-table builder).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

extern "C" {
#include "mmusim.h"
}

namespace mmutest {

// x86 PTE bits, written out here from the Intel SDM rather than taken from the model.
constexpr uint64_t kP = 1ull << 0, kRW = 1ull << 1, kUS = 1ull << 2, kA = 1ull << 5, kD = 1ull << 6,
                   kPS = 1ull << 7, kG = 1ull << 8, kNX = 1ull << 63;
// RISC-V PTE bits from the privileged spec.
constexpr uint64_t kV = 1, kR = 2, kW = 4, kX = 8, kU = 16, kRvG = 32, kRvA = 64, kRvD = 128;

// Owns an MMU built from a configuration (defaults unless given).
class Mmu {
public:
  explicit Mmu(const mmu_config_t *cfg = nullptr);
  ~Mmu();
  Mmu(const Mmu &) = delete;
  Mmu &operator=(const Mmu &) = delete;
  mmu_t *get() const {
    return m_;
  }
  operator mmu_t *() const {
    return m_;
  }
  const mmu_config_t &cfg() const {
    return *mmu_config(m_);
  }

  mmu_result_t Translate(uint64_t va, mmu_op_t op = MMU_OP_READ, bool user = true,
                         uint16_t asid = 1);
  mmu_result_t Probe(uint64_t va, mmu_op_t op = MMU_OP_READ, bool user = true, uint16_t asid = 1);
  uint64_t Read64(uint64_t pa) const;

private:
  mmu_t *m_ = nullptr;
};

// Builds page tables by writing raw PTEs into model physical memory. Table frames come from a
// bump pointer at `next_table` upwards (below the model's allocator, which works top-down).
class HandTables {
public:
  HandTables(Mmu &mmu, uint16_t asid, uint64_t next_table = 0x10000000ull);
  // Maps the page containing va at `level` (0 = 4 KiB) with the given leaf bits; intermediate
  // entries get `upper` bits (x86 default P|RW|US, RISC-V V).
  uint64_t Map(uint64_t va, uint64_t pa, int level, uint64_t leaf_bits);
  void SetUpper(uint64_t bits) {
    upper_ = bits;
  }
  // Physical address of the entry at `level` on va's path (tables must exist down to it).
  uint64_t EntryAddr(uint64_t va, int level) const;
  uint64_t Entry(uint64_t va, int level) const {
    return mmu_.Read64(EntryAddr(va, level));
  }
  void SetEntry(uint64_t va, int level, uint64_t value);
  uint64_t root() const {
    return root_;
  }

private:
  uint64_t NewTable();
  uint64_t TableAddrOf(uint64_t entry) const;
  uint64_t MakeTableEntry(uint64_t table) const;
  Mmu &mmu_;
  uint16_t asid_;
  uint64_t root_, next_, upper_;
  int levels_;
  bool x86_;
};

int Levels(mmu_format_t f);

} // namespace mmutest
