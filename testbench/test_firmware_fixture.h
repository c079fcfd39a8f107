// test_firmware_fixture.h — shared set-up for the firmware (kernel) tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "mmusim.h"

class FwTest : public ::testing::Test {
protected:
  mmu_t *mmu = nullptr;
  mmu_kernel_t *k = nullptr;
  mmu_kernel_config_t kc{};
  uint32_t pid = 0;

  // Small physical memory keeps the tests fast; the kernel's own limits come from kc.
  virtual void Configure(mmu_config_t &, mmu_kernel_config_t &) {}

  void SetUp() override {
    mmu_config_t c;
    mmu_config_default(&c);
    c.phys_bytes = 256ull << 20;
    mmu_kernel_config_default(&kc);
    Configure(c, kc);
    ASSERT_EQ(mmu_create(&c, &mmu), MMU_OK);
    ASSERT_EQ(mmu_kernel_create(mmu, &kc, &k), MMU_OK);
    ASSERT_EQ(mmu_proc_create(k, &pid), MMU_OK);
  }
  void TearDown() override {
    mmu_destroy(mmu);
  } // destroys the kernel too

  uint64_t Cost(mmu_kcost_item_t i) const {
    return mmu_kcost_cycles(&kc.cost, i);
  }
  uint64_t Costs(std::initializer_list<mmu_kcost_item_t> items) const {
    uint64_t s = 0;
    for (auto i : items)
      s += Cost(i);
    return s;
  }

  uint64_t MapAnon(uint32_t p, uint64_t addr, uint64_t len,
                   uint32_t prot = MMU_PROT_READ | MMU_PROT_WRITE, uint32_t extra = 0) {
    uint64_t out = 0;
    EXPECT_EQ(mmu_mmap(k, p, addr, len, prot,
                       MMU_MAP_PRIVATE | MMU_MAP_ANON | MMU_MAP_FIXED | extra, -1, 0, &out),
              MMU_OK);
    return out;
  }

  mmu_koutcome_t Store(uint32_t p, uint64_t va, const void *buf, size_t len) {
    mmu_koutcome_t o;
    EXPECT_EQ(mmu_kstore(k, p, va, buf, len, &o), MMU_OK);
    return o;
  }
  mmu_koutcome_t Load(uint32_t p, uint64_t va, void *buf, size_t len) {
    mmu_koutcome_t o;
    EXPECT_EQ(mmu_kload(k, p, va, buf, len, &o), MMU_OK);
    return o;
  }
  mmu_koutcome_t Store64(uint32_t p, uint64_t va, uint64_t v) {
    return Store(p, va, &v, 8);
  }
  uint64_t Load64(uint32_t p, uint64_t va, mmu_koutcome_t *o = nullptr) {
    uint64_t v = 0;
    mmu_koutcome_t t = Load(p, va, &v, 8);
    EXPECT_EQ(t.sig, MMU_SIG_NONE) << "load at " << std::hex << va;
    if (o) *o = t;
    return v;
  }

  mmu_pte_ref_t Pte(uint32_t p, uint64_t va) {
    uint16_t asid;
    EXPECT_EQ(mmu_proc_asid(k, p, &asid), MMU_OK);
    mmu_pte_ref_t r{};
    EXPECT_EQ(mmu_pte_lookup(mmu, asid, va, &r), MMU_OK);
    return r;
  }
  mmu_pte_fields_t Fields(uint32_t p, uint64_t va) {
    mmu_pte_ref_t r = Pte(p, va);
    mmu_pte_fields_t f{};
    EXPECT_EQ(mmu_pte_decode(mmu, r.pte, r.level, &f), MMU_OK);
    return f;
  }
  mmu_kframe_info_t Frame(uint64_t pa) {
    mmu_kframe_info_t i{};
    EXPECT_EQ(mmu_kframe_info(k, pa, &i), MMU_OK);
    return i;
  }
  mmu_kstats_t Stats() {
    mmu_kstats_t s;
    EXPECT_EQ(mmu_kernel_stats(k, &s), MMU_OK);
    return s;
  }
  // Fills a page-sized buffer with bytes derived from seed.
  static std::vector<uint8_t> Pattern(uint64_t seed, size_t n = 4096) {
    std::vector<uint8_t> v(n);
    uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
    for (auto &b : v) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      b = (uint8_t)x;
    }
    return v;
  }
};

constexpr uint64_t kPage = 4096;
constexpr uint64_t kBase = 0x10000000ull;
