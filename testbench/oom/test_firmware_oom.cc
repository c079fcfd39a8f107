// Firmware: host allocation failures. This program is linked with --wrap for the C allocator, so
// that the n-th allocation the library makes after arming fails; a fault that meets one must
// leave the processes' mappings consistent (no PTE left pointing at a frame the kernel freed).
#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

#include "mmusim.h"

namespace {
long g_fail_in = -1; // allocations until the failing one; -1: none fails
bool g_fired = false;

bool Fail() {
  if (g_fail_in < 0 || --g_fail_in > 0) return false;
  g_fail_in = -1;
  g_fired = true;
  return true;
}
} // namespace

extern "C" {
void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t a, size_t n);
void *__wrap_malloc(size_t n) {
  return Fail() ? nullptr : __real_malloc(n);
}
void *__wrap_calloc(size_t m, size_t n) {
  return Fail() ? nullptr : __real_calloc(m, n);
}
void *__wrap_realloc(void *p, size_t n) {
  return Fail() ? nullptr : __real_realloc(p, n);
}
void *__wrap_aligned_alloc(size_t a, size_t n) {
  return Fail() ? nullptr : __real_aligned_alloc(a, n);
}
}

namespace {
constexpr uint64_t kPage = 4096;
constexpr uint64_t kBase = 0x10000000ull;

struct Kernel {
  mmu_t *mmu = nullptr;
  mmu_kernel_t *k = nullptr;
  uint32_t pid = 0;
  Kernel() {
    mmu_config_t c;
    mmu_config_default(&c);
    c.phys_bytes = 64ull << 20;
    mmu_kernel_config_t kc;
    mmu_kernel_config_default(&kc);
    EXPECT_EQ(mmu_create(&c, &mmu), MMU_OK);
    EXPECT_EQ(mmu_kernel_create(mmu, &kc, &k), MMU_OK);
    EXPECT_EQ(mmu_proc_create(k, &pid), MMU_OK);
  }
  ~Kernel() {
    mmu_destroy(mmu);
  }
  uint64_t MapAnon(uint64_t len) {
    uint64_t va = 0;
    EXPECT_EQ(mmu_mmap(k, pid, kBase, len, MMU_PROT_READ | MMU_PROT_WRITE,
                       MMU_MAP_PRIVATE | MMU_MAP_ANON | MMU_MAP_FIXED, -1, 0, &va),
              MMU_OK);
    return va;
  }
  bool Pte(uint32_t p, uint64_t va, mmu_pte_fields_t *f) {
    uint16_t asid;
    mmu_pte_ref_t r{};
    if (mmu_proc_asid(k, p, &asid) || mmu_pte_lookup(mmu, asid, va, &r)) return false;
    return mmu_pte_decode(mmu, r.pte, r.level, f) == MMU_OK && f->present;
  }
  // Every present PTE of the processes at va maps a frame the kernel holds, and that frame's
  // mapping count is the number of those PTEs.
  void ExpectConsistent(const std::vector<uint32_t> &procs, uint64_t va) {
    for (uint32_t p : procs) {
      mmu_pte_fields_t f{};
      if (!Pte(p, va, &f)) continue;
      uint32_t n = 0;
      for (uint32_t q : procs) {
        mmu_pte_fields_t g{};
        n += Pte(q, va, &g) && g.pa == f.pa;
      }
      mmu_kframe_info_t fi{};
      ASSERT_EQ(mmu_kframe_info(k, f.pa, &fi), MMU_OK);
      EXPECT_TRUE(fi.managed) << "pid " << p << " maps a freed frame at " << std::hex << va;
      EXPECT_EQ(fi.mappings, n) << "pid " << p << " va " << std::hex << va;
    }
  }
};

// The store of one byte, with the n-th allocation failing; whether one failed.
bool StoreFailing(Kernel &kn, uint32_t p, uint64_t va, uint8_t byte, long n, mmu_koutcome_t *o) {
  g_fired = false;
  g_fail_in = n;
  mmu_status_t s = mmu_kstore(kn.k, p, va, &byte, 1, o);
  g_fail_in = -1;
  EXPECT_TRUE(s == MMU_OK || s == MMU_ERR_NOMEM) << mmu_strerror(s);
  return g_fired;
}
} // namespace

TEST(FirmwareHostOom, AFailedFirstTouchLeavesNoPteToAFreedFrame) {
  bool fired = true;
  for (long n = 1; fired; n++) {
    Kernel kn;
    // No page touched yet, so that the fault needs new bookkeeping regions and tables too.
    uint64_t va = kn.MapAnon(64 * kPage);
    mmu_koutcome_t o{};
    fired = StoreFailing(kn, kn.pid, va + 5 * kPage, 0x5a, n, &o);
    kn.ExpectConsistent({kn.pid}, va + 5 * kPage);
    uint8_t b = 0;
    if (!fired) { // every allocation succeeded: the store took effect
      EXPECT_EQ(o.sig, MMU_SIG_NONE);
      ASSERT_EQ(mmu_kload(kn.k, kn.pid, va + 5 * kPage, &b, 1, &o), MMU_OK);
      EXPECT_EQ(b, 0x5a);
    }
    ASSERT_EQ(mmu_munmap(kn.k, kn.pid, va, 64 * kPage), MMU_OK);
    EXPECT_EQ(mmu_kframes_used(kn.k), 0u) << "allocation " << n;
  }
}

TEST(FirmwareHostOom, AFailedCopyOnWriteLeavesTheParentsBytesAndFrame) {
  bool fired = true;
  for (long n = 1; fired; n++) {
    Kernel kn;
    uint64_t va = kn.MapAnon(4 * kPage);
    std::vector<uint8_t> pat(kPage);
    for (size_t i = 0; i < kPage; i++)
      pat[i] = (uint8_t)(i * 7 + 3);
    mmu_koutcome_t o{};
    ASSERT_EQ(mmu_kstore(kn.k, kn.pid, va + kPage, pat.data(), kPage, &o), MMU_OK);
    uint32_t child = 0;
    ASSERT_EQ(mmu_proc_fork(kn.k, kn.pid, &child), MMU_OK);
    fired = StoreFailing(kn, child, va + kPage + 100, 0xee, n, &o);
    kn.ExpectConsistent({kn.pid, child}, va + kPage);
    std::vector<uint8_t> got(kPage);
    ASSERT_EQ(mmu_kload(kn.k, kn.pid, va + kPage, got.data(), kPage, &o), MMU_OK);
    EXPECT_EQ(got, pat) << "the parent's bytes changed, allocation " << n;
    std::vector<uint8_t> mine(kPage);
    ASSERT_EQ(mmu_kload(kn.k, child, va + kPage, mine.data(), kPage, &o), MMU_OK);
    std::vector<uint8_t> stored = pat;
    stored[100] = 0xee;
    if (!fired)
      EXPECT_EQ(mine, stored);
    else // the store happened or it did not; never anything else
      EXPECT_TRUE(mine == pat || mine == stored) << "the child's bytes, allocation " << n;
    ASSERT_EQ(mmu_proc_exit(kn.k, child), MMU_OK);
    ASSERT_EQ(mmu_kload(kn.k, kn.pid, va + kPage, got.data(), kPage, &o), MMU_OK);
    EXPECT_EQ(got, pat) << "after the child's exit, allocation " << n;
    ASSERT_EQ(mmu_munmap(kn.k, kn.pid, va, 4 * kPage), MMU_OK);
    EXPECT_EQ(mmu_kframes_used(kn.k), 0u) << "allocation " << n;
  }
}
