// test_memory.cc — sparse physical memory, frame allocator, and the PTE-load latency model.
#include "support/fixtures.h"

extern "C" {
#include "memory.h"
}

#include <vector>

namespace {

struct Mem {
  Mem(uint64_t bytes = 1ull << 30) {
    mmu_config_t c;
    mmu_config_default(&c);
    cfg = c;
    EXPECT_EQ(mmu_mem_create(bytes, c.cache, c.dram_latency, &m), MMU_OK);
  }
  ~Mem() {
    mmu_mem_destroy(m);
  }
  mmu_mem_t *m = nullptr;
  mmu_config_t cfg;
};

TEST(Memory, UntouchedMemoryReadsAsZeroAndWritesRoundTripAcrossFrames) {
  Mem mem;
  std::vector<uint8_t> in(10000), out(10000, 0xff);
  for (size_t i = 0; i < in.size(); i++)
    in[i] = uint8_t(i * 7 + 3);
  EXPECT_EQ(mmu_mem_read(mem.m, 0x123456, out.data(), out.size()), MMU_OK);
  for (uint8_t b : out)
    ASSERT_EQ(b, 0);
  EXPECT_EQ(mmu_mem_write(mem.m, 0x123ff0, in.data(), in.size()), MMU_OK);
  EXPECT_EQ(mmu_mem_read(mem.m, 0x123ff0, out.data(), out.size()), MMU_OK);
  EXPECT_EQ(in, out);
}

TEST(Memory, AccessesBeyondPhysicalMemoryAreRefused) {
  Mem mem(1 << 20);
  uint8_t b[16] = {};
  EXPECT_EQ(mmu_mem_write(mem.m, (1 << 20) - 8, b, 16), MMU_ERR_RANGE);
  EXPECT_EQ(mmu_mem_read(mem.m, ~0ull - 4, b, 16), MMU_ERR_RANGE);
  uint64_t v;
  EXPECT_FALSE(mmu_mem_read64(mem.m, 1 << 20, &v));
}

TEST(Memory, FrameAllocatorHandsOutEveryFrameOnceThenRunsOut) {
  Mem mem(64 << 10); // 16 frames
  std::vector<uint64_t> got;
  uint64_t pa;
  while (mmu_mem_frame_alloc(mem.m, &pa) == MMU_OK)
    got.push_back(pa);
  EXPECT_EQ(got.size(), 16u);
  std::sort(got.begin(), got.end());
  for (size_t i = 0; i < got.size(); i++)
    EXPECT_EQ(got[i], i * 4096);
  EXPECT_EQ(mmu_mem_frame_alloc(mem.m, &pa), MMU_ERR_NO_FRAME);
  EXPECT_EQ(mmu_mem_frame_free(mem.m, 0x3000), MMU_OK);
  EXPECT_EQ(mmu_mem_frame_free(mem.m, 0x3000), MMU_ERR_STATE); // double free
  EXPECT_EQ(mmu_mem_frame_alloc(mem.m, &pa), MMU_OK);
  EXPECT_EQ(pa, 0x3000u);
}

TEST(Memory, FreedFrameReadsAsZeroAgain) {
  Mem mem;
  uint64_t pa;
  ASSERT_EQ(mmu_mem_frame_alloc(mem.m, &pa), MMU_OK);
  ASSERT_TRUE(mmu_mem_write64(mem.m, pa + 8, 0xdeadbeef));
  ASSERT_EQ(mmu_mem_frame_free(mem.m, pa), MMU_OK);
  uint64_t v = 1;
  ASSERT_TRUE(mmu_mem_read64(mem.m, pa + 8, &v));
  EXPECT_EQ(v, 0u);
}

TEST(Memory, LatencyModelHitsTheLevelThatHoldsTheLine) {
  Mem mem;
  int lvl;
  EXPECT_EQ(mmu_mem_timed_access(mem.m, 0x1000, &lvl), mem.cfg.dram_latency);
  EXPECT_EQ(lvl, MMU_CACHE_LEVELS);
  EXPECT_EQ(mmu_mem_timed_access(mem.m, 0x1038, &lvl), mem.cfg.cache[0].latency); // same line
  EXPECT_EQ(lvl, 0);
  EXPECT_EQ(mmu_mem_timed_access(mem.m, 0x1040, &lvl), mem.cfg.dram_latency); // next line
}

TEST(Memory, LineEvictedFromL1IsFoundInL2) {
  Mem mem;
  const uint32_t sets = mem.cfg.cache[0].size_bytes / (64 * mem.cfg.cache[0].ways);
  const uint64_t stride = uint64_t(sets) * 64; // same L1 set every time
  mmu_mem_timed_access(mem.m, 0, nullptr);
  for (uint32_t i = 1; i <= mem.cfg.cache[0].ways; i++)
    mmu_mem_timed_access(mem.m, i * stride, nullptr); // ways more lines: line 0 leaves L1
  int lvl;
  EXPECT_EQ(mmu_mem_timed_access(mem.m, 0, &lvl), mem.cfg.cache[1].latency);
  EXPECT_EQ(lvl, 1);
}

TEST(Memory, HostBookkeepingStaysSmallPerFrame) {
  Mem mem(16ull << 30);
  size_t frames = 0;
  size_t meta = mmu_mem_host_bytes(mem.m, &frames);
  // Directory plus two bitmaps for 4 M frames: well under 1 byte per frame.
  EXPECT_LT(meta, (16ull << 30) / 4096);
  EXPECT_EQ(frames, 0u);
}

} // namespace
