// Firmware: frame contents kept line by line (only written lines are stored), copies of partly
// written frames for copy-on-write, and the kernel's remembered leaf page tables when the page
// tables change behind its back.
#include <random>

#include "test_firmware_fixture.h"

using FirmwareFrames = FwTest;

// Random writes, zeroings and reads of model memory, across line and frame boundaries, against a
// plain byte array: every byte reads back as written, everything else as zero.
TEST_F(FirmwareFrames, PartlyWrittenFramesReadBackExactly) {
  constexpr size_t kFrames = 4;
  uint64_t pa[kFrames];
  for (auto &p : pa)
    ASSERT_EQ(mmu_frame_alloc(mmu, &p), MMU_OK);
  // The allocator hands out frames top down: make the four frames one contiguous range.
  uint64_t base = pa[kFrames - 1];
  for (size_t i = 0; i < kFrames; i++)
    ASSERT_EQ(pa[i], base + (kFrames - 1 - i) * kPage);
  std::vector<uint8_t> ref(kFrames * kPage, 0), got(kFrames * kPage);
  std::mt19937_64 rng(7);
  for (int step = 0; step < 3000; step++) {
    size_t off = rng() % ref.size(), len = 1 + rng() % (rng() % 4 ? 80 : 5000);
    if (len > ref.size() - off) len = ref.size() - off;
    switch (rng() % 3) {
      case 0: {
        auto bytes = Pattern(rng(), len);
        ASSERT_EQ(mmu_phys_write(mmu, base + off, bytes.data(), len), MMU_OK);
        std::memcpy(&ref[off], bytes.data(), len);
        break;
      }
      case 1:
        ASSERT_EQ(mmu_phys_zero(mmu, base + off, len), MMU_OK);
        std::memset(&ref[off], 0, len);
        break;
      default:
        ASSERT_EQ(mmu_phys_read(mmu, base + off, got.data(), len), MMU_OK);
        ASSERT_EQ(std::memcmp(got.data(), &ref[off], len), 0) << "step " << step;
    }
  }
  ASSERT_EQ(mmu_phys_read(mmu, base, got.data(), got.size()), MMU_OK);
  EXPECT_EQ(got, ref);
  for (auto p : pa)
    ASSERT_EQ(mmu_frame_free(mmu, p), MMU_OK);
}

// A frame written in a few places is copied on a COW fault: the copy holds exactly those bytes
// (zero elsewhere), and the two copies then change independently.
TEST_F(FirmwareFrames, CopyOnWriteOfAPartlyWrittenFrameIsExact) {
  MapAnon(pid, kBase, 2 * kPage);
  Store64(pid, kBase + 8, 0x1111);
  Store64(pid, kBase + 4000, 0x2222);
  Store64(pid, kBase + kPage - 8, 0x3333); // the page's last line
  uint32_t child;
  ASSERT_EQ(mmu_proc_fork(k, pid, &child), MMU_OK);
  mmu_koutcome_t o = Store64(child, kBase + 16, 0x4444);
  EXPECT_EQ(o.last.kind, MMU_KF_COW);
  std::vector<uint8_t> p(kPage), c(kPage), want(kPage, 0);
  Load(pid, kBase, p.data(), kPage);
  Load(child, kBase, c.data(), kPage);
  auto put = [&](size_t off, uint64_t v) { std::memcpy(&want[off], &v, 8); };
  put(8, 0x1111);
  put(4000, 0x2222);
  put(kPage - 8, 0x3333);
  EXPECT_EQ(p, want);
  put(16, 0x4444);
  EXPECT_EQ(c, want);
  // The second page was never written: its COW copy reads as zero.
  EXPECT_EQ(Load64(pid, kBase + kPage + 64), 0u);
  ASSERT_EQ(mmu_proc_exit(k, child), MMU_OK);
  ASSERT_EQ(mmu_proc_fork(k, pid, &child), MMU_OK);
  EXPECT_EQ(Store64(child, kBase + kPage, 5).last.kind, MMU_KF_COW);
  EXPECT_EQ(Load64(child, kBase + kPage), 5u);
  EXPECT_EQ(Load64(child, kBase + kPage + 8), 0u);
  EXPECT_EQ(Load64(pid, kBase + kPage), 0u);
}

// The kernel remembers the leaf table of the region it edited last. When the page tables
// change underneath (here the API removes the only mapping, which frees the leaf table, and
// the frame may come back as anything), the next fault must find the tables as they are.
TEST_F(FirmwareFrames, AFreedLeafTableIsNotUsedAgain) {
  MapAnon(pid, kBase, 4 * kPage);
  Store64(pid, kBase, 1);             // creates the leaf table
  Store64(pid, kBase + 2 * kPage, 3); // finds it: remembered
  uint16_t asid;
  ASSERT_EQ(mmu_proc_asid(k, pid, &asid), MMU_OK);
  ASSERT_EQ(mmu_unmap(mmu, asid, kBase, kPage), MMU_OK);
  ASSERT_EQ(mmu_unmap(mmu, asid, kBase + 2 * kPage, kPage), MMU_OK); // leaf table empty: freed
  mmu_invalidate(mmu, MMU_INVAL_ASID, asid, 0);
  EXPECT_NE(Pte(pid, kBase + kPage).level, 0); // no leaf table any more
  mmu_koutcome_t o = Store64(pid, kBase + kPage, 2);
  EXPECT_EQ(o.sig, MMU_SIG_NONE);
  EXPECT_EQ(o.faults, 1u);
  EXPECT_EQ(o.last.kind, MMU_KF_ANON);
  EXPECT_EQ(Load64(pid, kBase + kPage), 2u);
  EXPECT_EQ(Pte(pid, kBase + kPage).level, 0);
}
