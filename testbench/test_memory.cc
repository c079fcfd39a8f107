// test_memory.cc — sparse physical memory, frame allocator, and the PTE-load latency model.
#include "support/fixtures.h"

extern "C" {
#include "memory.h"
}

#include <algorithm>
#include <list>
#include <random>
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

// Reference: per set a list in recency order (front = most recently used), at most ways lines;
// a miss fills every level above the one that hits, evicting the back when the set is full.
struct RefCache {
  struct Level {
    uint32_t sets, ways, latency;
    std::vector<std::list<uint64_t>> set;
  };
  std::vector<Level> lv;
  uint32_t dram;
  RefCache(const mmu_cache_config_t *c, uint32_t dram_latency) : dram(dram_latency) {
    for (int i = 0; i < MMU_CACHE_LEVELS && c[i].size_bytes; i++) {
      uint32_t sets = c[i].size_bytes / (64 * c[i].ways);
      lv.push_back({sets, c[i].ways, c[i].latency, std::vector<std::list<uint64_t>>(sets)});
    }
  }
  uint32_t access(uint64_t pa, int *level) {
    uint64_t line = pa / 64;
    size_t hit = lv.size();
    for (size_t i = 0; i < lv.size(); i++) {
      auto &s = lv[i].set[line % lv[i].sets];
      auto it = std::find(s.begin(), s.end(), line);
      if (it != s.end()) {
        s.erase(it);
        s.push_front(line);
        hit = i;
        break;
      }
    }
    for (size_t i = 0; i < hit; i++) {
      auto &s = lv[i].set[line % lv[i].sets];
      if (s.size() == lv[i].ways) s.pop_back();
      s.push_front(line);
    }
    *level = hit < lv.size() ? int(hit) : MMU_CACHE_LEVELS;
    return hit < lv.size() ? lv[hit].latency : dram;
  }
};

// Exact LRU with invalid ways filled first, for every shape the configuration allows: one way,
// odd ways, more than 16 ways (several vectors per set), 64 ways, sets that are not powers of
// two, a disabled level; random lines that crowd a few sets, then a flush.
TEST(Memory, LatencyModelIsExactLruForEveryShape) {
  const mmu_cache_config_t shapes[][MMU_CACHE_LEVELS] = {
      {{64 * 3 * 5, 3, 2}, {64 * 17 * 7, 17, 9}, {64 * 64 * 3, 64, 30}},
      {{64 * 1 * 6, 1, 1}, {64 * 33 * 2, 33, 7}, {64 * 16 * 12, 16, 40}},
      {{64 * 2 * 1, 2, 3}, {64 * 8 * 3, 8, 5}, {0, 0, 0}},
      {{64 * 48, 48, 4}, {64 * 12 * 10, 12, 11}, {64 * 1 * 1000, 1, 50}},
  };
  for (const auto &cfg : shapes) {
    mmu_mem_t *m = nullptr;
    ASSERT_EQ(mmu_mem_create(1ull << 30, cfg, 300, &m), MMU_OK);
    RefCache ref(cfg, 300);
    std::mt19937_64 rng(7);
    uint64_t pa = 0;
    for (int round = 0; round < 2; round++) {
      for (int n = 0; n < 60000; n++) {
        // Lines from a pool about twice the largest level, strided so that they share sets;
        // one access in four to the line of the access before, as is the first after the flush.
        if ((n || !round) && rng() % 4)
          pa = (rng() % 400) * 64 * 7 + (rng() % 3) * 64 + (rng() & 63);
        int want_lvl, got_lvl;
        uint32_t want = ref.access(pa, &want_lvl);
        ASSERT_EQ(mmu_mem_timed_access(m, pa, &got_lvl), want) << "access " << n;
        ASSERT_EQ(got_lvl, want_lvl) << "access " << n;
      }
      mmu_mem_cache_flush(m);
      for (auto &l : ref.lv)
        for (auto &s : l.set)
          s.clear();
    }
    mmu_mem_destroy(m);
  }
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
