// Firmware: file-backed mmap — page cache, shared writeback (msync/munmap), private COW,
// fault-around, SIGBUS beyond the end of the file.
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_firmware_fixture.h"

namespace {
constexpr int kFilePages = 40;
}

class FirmwareFile : public FwTest {
protected:
  std::string dir, path;
  int fd = -1;
  void Configure(mmu_config_t &, mmu_kernel_config_t &k) override {
    k.readaround_pages = 1; // one page per disk read unless a test asks for more
    k.fault_around_bytes = 0;
  }
  void SetUp() override {
    FwTest::SetUp();
    std::string tmpl = ::testing::TempDir() + "mmusim_fw_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    ASSERT_NE(mkdtemp(buf.data()), nullptr);
    dir = buf.data();
    path = dir + "/data.bin";
    std::vector<uint8_t> all;
    for (int i = 0; i < kFilePages; i++) {
      auto p = Pattern(500 + i);
      all.insert(all.end(), p.begin(), p.end());
    }
    WriteFile(all);
    ASSERT_EQ(mmu_kfile_open(k, path.c_str(), &fd), MMU_OK);
  }
  void TearDown() override {
    FwTest::TearDown();
    unlink(path.c_str());
    rmdir(dir.c_str());
  }
  void WriteFile(const std::vector<uint8_t> &d) {
    FILE *f = fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(fwrite(d.data(), 1, d.size(), f), d.size());
    fclose(f);
  }
  std::vector<uint8_t> DiskPage(int i) {
    std::vector<uint8_t> v(kPage);
    int h = open(path.c_str(), O_RDONLY);
    EXPECT_GE(h, 0);
    EXPECT_EQ(pread(h, v.data(), kPage, (off_t)(i * kPage)), (ssize_t)kPage);
    close(h);
    return v;
  }
  uint64_t MapFile(uint32_t p, uint64_t addr, int pages, uint32_t prot, uint32_t share,
                   uint64_t off = 0) {
    uint64_t a = 0;
    EXPECT_EQ(mmu_mmap(k, p, addr, pages * kPage, prot, share | MMU_MAP_FIXED, fd, off, &a),
              MMU_OK);
    return a;
  }
  std::vector<uint8_t> Page(uint32_t p, uint64_t va) {
    std::vector<uint8_t> v(kPage);
    EXPECT_EQ(Load(p, va, v.data(), v.size()).sig, MMU_SIG_NONE);
    return v;
  }
};

TEST_F(FirmwareFile, ReadFaultsThePageInFromDiskThenFromThePageCache) {
  MapFile(pid, kBase, 8, MMU_PROT_READ, MMU_MAP_PRIVATE, 4 * kPage);
  std::vector<uint8_t> v(kPage);
  mmu_koutcome_t o = Load(pid, kBase + kPage, v.data(), v.size());
  EXPECT_EQ(v, Pattern(500 + 5)); // file offset 4 pages + 1
  EXPECT_EQ(o.last.kind, MMU_KF_FILE_MAJOR);
  EXPECT_TRUE(o.last.major);
  EXPECT_EQ(o.last.counts[MMU_KC_FILE_READ], 1u);
  EXPECT_EQ(o.last.items[MMU_KC_FILE_READ], Cost(MMU_KC_FILE_READ));
  mmu_pte_fields_t f = Fields(pid, kBase + kPage);
  EXPECT_FALSE(f.perm & MMU_PERM_W);
  mmu_kframe_info_t fi = Frame(f.pa);
  EXPECT_TRUE(fi.page_cache);
  EXPECT_EQ(fi.refs, 2u); // the page cache and one mapping
  // A second process mapping the same file finds the page in the page cache.
  uint32_t other;
  ASSERT_EQ(mmu_proc_create(k, &other), MMU_OK);
  MapFile(other, kBase, 8, MMU_PROT_READ, MMU_MAP_PRIVATE, 4 * kPage);
  mmu_koutcome_t o2 = Load(other, kBase + kPage, v.data(), v.size());
  EXPECT_EQ(o2.last.kind, MMU_KF_FILE_MINOR);
  EXPECT_FALSE(o2.last.major);
  EXPECT_EQ(o2.last.counts[MMU_KC_FILE_READ], 0u);
  EXPECT_EQ(Fields(other, kBase + kPage).pa, f.pa);
  EXPECT_EQ(Frame(f.pa).refs, 3u);
  EXPECT_EQ(v, Pattern(505));
  mmu_kstats_t s = Stats();
  EXPECT_EQ(s.pagecache_hits, 1u);
  EXPECT_EQ(s.pagecache_misses, 1u);
  EXPECT_EQ(s.file_reads, 1u);
}

TEST_F(FirmwareFile, SharedWriteMarksDirtyAndMsyncWritesTheHostFile) {
  MapFile(pid, kBase, 4, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_SHARED);
  auto d = Pattern(77);
  mmu_koutcome_t o = Store(pid, kBase + 2 * kPage, d.data(), d.size());
  EXPECT_EQ(o.last.kind, MMU_KF_FILE_MAJOR);
  mmu_pte_fields_t f = Fields(pid, kBase + 2 * kPage);
  EXPECT_TRUE(f.perm & MMU_PERM_W);
  EXPECT_TRUE(Frame(f.pa).dirty);
  EXPECT_EQ(DiskPage(2), Pattern(502)); // not yet written back
  ASSERT_EQ(mmu_msync(k, pid, kBase, 4 * kPage), MMU_OK);
  EXPECT_EQ(DiskPage(2), d);
  EXPECT_EQ(DiskPage(1), Pattern(501));
  EXPECT_FALSE(Frame(f.pa).dirty);
  // Written back: write-protected again, so the next write notifies (and dirties) again.
  EXPECT_FALSE(Fields(pid, kBase + 2 * kPage).perm & MMU_PERM_W);
  mmu_koutcome_t o2 = Store64(pid, kBase + 2 * kPage, 9);
  EXPECT_EQ(o2.last.kind, MMU_KF_WRITE_NOTIFY);
  EXPECT_TRUE(Frame(f.pa).dirty);
  mmu_kstats_t s = Stats();
  EXPECT_EQ(s.file_writes, 1u);
  EXPECT_EQ(s.item_counts[MMU_KC_FILE_WRITE], 1u);
}

TEST_F(FirmwareFile, MunmapOfASharedMappingWritesDirtyPagesBack) {
  MapFile(pid, kBase, 4, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_SHARED);
  Store64(pid, kBase + 3 * kPage + 8, 0x1122334455667788ull);
  ASSERT_EQ(mmu_munmap(k, pid, kBase, 4 * kPage), MMU_OK);
  auto expect = Pattern(503);
  uint64_t v = 0x1122334455667788ull;
  memcpy(expect.data() + 8, &v, 8);
  EXPECT_EQ(DiskPage(3), expect);
}

TEST_F(FirmwareFile, SharedMappingsOfTwoProcessesSeeEachOthersWrites) {
  uint32_t other;
  ASSERT_EQ(mmu_proc_create(k, &other), MMU_OK);
  MapFile(pid, kBase, 4, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_SHARED);
  MapFile(other, kBase + 64 * kPage, 4, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_SHARED);
  Store64(pid, kBase, 0xabc);
  EXPECT_EQ(Load64(other, kBase + 64 * kPage), 0xabcu);
  EXPECT_EQ(Fields(pid, kBase).pa, Fields(other, kBase + 64 * kPage).pa);
}

TEST_F(FirmwareFile, PrivateWriteCopiesAndNeverChangesTheFile) {
  MapFile(pid, kBase, 4, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_PRIVATE);
  EXPECT_EQ(Page(pid, kBase + kPage), Pattern(501));
  uint64_t cache_pa = Fields(pid, kBase + kPage).pa;
  mmu_koutcome_t o = Store64(pid, kBase + kPage, 0xfeed);
  EXPECT_EQ(o.last.kind, MMU_KF_COW);
  EXPECT_EQ(o.last.counts[MMU_KC_COPY_PAGE], 1u);
  mmu_pte_fields_t f = Fields(pid, kBase + kPage);
  EXPECT_NE(f.pa, cache_pa);
  EXPECT_FALSE(Frame(f.pa).page_cache);
  EXPECT_EQ(Frame(cache_pa).refs, 1u); // only the page cache now
  EXPECT_FALSE(Frame(cache_pa).dirty);
  // A first write straight to an unmapped page also copies (do_cow_fault).
  EXPECT_EQ(Store64(pid, kBase + 2 * kPage, 1).last.kind, MMU_KF_COW);
  ASSERT_EQ(mmu_msync(k, pid, kBase, 4 * kPage), MMU_OK);
  ASSERT_EQ(mmu_munmap(k, pid, kBase, 4 * kPage), MMU_OK);
  for (int i = 0; i < 4; i++)
    EXPECT_EQ(DiskPage(i), Pattern(500 + i));
  EXPECT_EQ(Stats().file_writes, 0u);
}

TEST_F(FirmwareFile, AccessBeyondTheEndOfTheFileIsSigbus) {
  MapFile(pid, kBase, kFilePages + 2, MMU_PROT_READ, MMU_MAP_PRIVATE);
  mmu_koutcome_t o;
  uint64_t v;
  ASSERT_EQ(mmu_kload(k, pid, kBase + kFilePages * kPage, &v, 8, &o), MMU_OK);
  EXPECT_EQ(o.sig, MMU_SIG_BUS);
  EXPECT_EQ(o.si_code, MMU_BUS_ADRERR);
  EXPECT_EQ(Load64(pid, kBase + (kFilePages - 1) * kPage),
            Load64(pid, kBase + (kFilePages - 1) * kPage));
}

TEST_F(FirmwareFile, ClosingTheDescriptorKeepsTheMappingUsable) {
  MapFile(pid, kBase, 2, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_SHARED);
  ASSERT_EQ(mmu_kfile_close(k, fd), MMU_OK);
  EXPECT_EQ(mmu_kfile_close(k, fd), MMU_ERR_ARG);
  Store64(pid, kBase, 5);
  ASSERT_EQ(mmu_munmap(k, pid, kBase, 2 * kPage), MMU_OK);
  uint64_t v;
  memcpy(&v, DiskPage(0).data(), 8);
  EXPECT_EQ(v, 5u);
}

namespace {
// Runs the executable at path; its exit status, or -1 if it could not be started (ETXTBSY while
// some descriptor has it open for writing).
int RunExecutable(const std::string &path) {
  pid_t child;
  char *argv[] = {const_cast<char *>(path.c_str()), nullptr};
  if (posix_spawn(&child, path.c_str(), nullptr, nullptr, argv, environ) != 0) return -1;
  int st = 0;
  if (waitpid(child, &st, 0) != child) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
} // namespace

TEST_F(FirmwareFile, FilesOpenReadOnlyUntilASharedWritableMapping) {
  // An executable the kernel maps privately stays runnable: the host file is not opened for
  // writing. The first shared writable mapping reopens it read-write, which the host then
  // refuses to execute (ETXTBSY) until the firmware lets go of it.
  std::string exe = dir + "/true-copy";
  std::vector<uint8_t> bin;
  {
    FILE *f = fopen("/bin/true", "rb");
    ASSERT_NE(f, nullptr);
    int c;
    while ((c = fgetc(f)) != EOF)
      bin.push_back((uint8_t)c);
    fclose(f);
    FILE *o = fopen(exe.c_str(), "wb");
    ASSERT_NE(o, nullptr);
    ASSERT_EQ(fwrite(bin.data(), 1, bin.size(), o), bin.size());
    fclose(o);
    ASSERT_EQ(chmod(exe.c_str(), 0755), 0);
  }
  int efd = -1;
  ASSERT_EQ(mmu_kfile_open(k, exe.c_str(), &efd), MMU_OK);
  uint64_t a = 0;
  ASSERT_EQ(mmu_mmap(k, pid, kBase, kPage, MMU_PROT_READ | MMU_PROT_EXEC,
                     MMU_MAP_PRIVATE | MMU_MAP_FIXED, efd, 0, &a),
            MMU_OK);
  std::vector<uint8_t> head(16);
  ASSERT_EQ(Load(pid, kBase, head.data(), head.size()).sig, MMU_SIG_NONE);
  EXPECT_TRUE(std::equal(head.begin(), head.end(), bin.begin())); // the ELF header, read in
  EXPECT_EQ(RunExecutable(exe), 0);
  ASSERT_EQ(mmu_mmap(k, pid, kBase + 4 * kPage, kPage, MMU_PROT_READ | MMU_PROT_WRITE,
                     MMU_MAP_SHARED | MMU_MAP_FIXED, efd, 0, &a),
            MMU_OK);
  EXPECT_EQ(RunExecutable(exe), -1); // open for writing now
  ASSERT_EQ(mmu_munmap(k, pid, kBase, 8 * kPage), MMU_OK);
  ASSERT_EQ(mmu_kfile_close(k, efd), MMU_OK); // no mapping and no descriptor: released
  EXPECT_EQ(RunExecutable(exe), 0);
  unlink(exe.c_str());
}

TEST_F(FirmwareFile, SharedWritableMappingIsRefusedWhenTheHostWillNotOpenTheFileForWriting) {
  // This test program is running, so not even root may open it for writing (ETXTBSY).
  int rfd = -1;
  ASSERT_EQ(mmu_kfile_open(k, "/proc/self/exe", &rfd), MMU_OK);
  uint64_t a = 0;
  EXPECT_EQ(mmu_mmap(k, pid, kBase, kPage, MMU_PROT_READ | MMU_PROT_WRITE,
                     MMU_MAP_SHARED | MMU_MAP_FIXED, rfd, 0, &a),
            MMU_ERR_IO);
  ASSERT_EQ(
      mmu_mmap(k, pid, kBase, kPage, MMU_PROT_READ, MMU_MAP_SHARED | MMU_MAP_FIXED, rfd, 0, &a),
      MMU_OK);
  std::vector<uint8_t> head(4);
  ASSERT_EQ(Load(pid, kBase, head.data(), head.size()).sig, MMU_SIG_NONE);
  EXPECT_EQ(memcmp(head.data(),
                   "\x7f"
                   "ELF",
                   4),
            0);
  EXPECT_EQ(mmu_mprotect(k, pid, kBase, kPage, MMU_PROT_READ | MMU_PROT_WRITE), MMU_ERR_IO);
  EXPECT_EQ(mmu_kfile_close(k, rfd), MMU_OK);
}

TEST_F(FirmwareFile, AnUnlinkedFileCanStillBeMappedSharedWritable) {
  // Write-back goes to the open file, whatever its path names now (the CLI maps unlinked copies).
  ASSERT_EQ(unlink(path.c_str()), 0);
  uint64_t a = 0;
  ASSERT_EQ(mmu_mmap(k, pid, kBase, kPage, MMU_PROT_READ | MMU_PROT_WRITE,
                     MMU_MAP_SHARED | MMU_MAP_FIXED, fd, 0, &a),
            MMU_OK);
  Store64(pid, kBase, 42);
  EXPECT_EQ(mmu_munmap(k, pid, kBase, kPage), MMU_OK);
  WriteFile(std::vector<uint8_t>(kPage, 0)); // a new file at the path: not the mapped one
  uint64_t v = 1;
  memcpy(&v, DiskPage(0).data(), 8);
  EXPECT_EQ(v, 0u);
}

class FirmwareFileAround : public FirmwareFile {
  void Configure(mmu_config_t &, mmu_kernel_config_t &k) override {
    k.readaround_pages = 32;
    k.fault_around_bytes = 64 * 1024;
  }
};

TEST_F(FirmwareFileAround, FaultAroundMapsCachedNeighboursInTheWindow) {
  MapFile(pid, kBase, kFilePages, MMU_PROT_READ, MMU_MAP_PRIVATE);
  mmu_koutcome_t o;
  Load64(pid, kBase + 3 * kPage, &o);
  EXPECT_EQ(o.last.kind, MMU_KF_FILE_MAJOR);
  EXPECT_EQ(o.last.counts[MMU_KC_FILE_READ], 1u); // one request for the read-around window
  // The 64 KiB window [0, 16 pages) is mapped; page 16 is cached but outside the window.
  for (int i = 0; i < 16; i++) {
    EXPECT_TRUE(Pte(pid, kBase + i * kPage).present) << i;
    EXPECT_FALSE(Fields(pid, kBase + i * kPage).perm & MMU_PERM_W);
  }
  EXPECT_FALSE(Pte(pid, kBase + 16 * kPage).present);
  EXPECT_EQ(Stats().fault_around_mapped, 15u);
  // Neighbours need no fault of their own.
  mmu_koutcome_t o2;
  Load64(pid, kBase + 9 * kPage, &o2);
  EXPECT_EQ(o2.faults, 0u);
  std::vector<uint8_t> v(kPage);
  Load(pid, kBase + 9 * kPage, v.data(), v.size());
  EXPECT_EQ(v, Pattern(509));
  // Page 16 was read by the same request: a minor fault.
  mmu_koutcome_t o3;
  Load64(pid, kBase + 16 * kPage, &o3);
  EXPECT_EQ(o3.last.kind, MMU_KF_FILE_MINOR);
}

class FirmwareFileNoAround : public FirmwareFile {
  void Configure(mmu_config_t &, mmu_kernel_config_t &k) override {
    k.readaround_pages = 32;
    k.fault_around_bytes = 4096; // disabled
  }
};

TEST_F(FirmwareFileNoAround, WithoutFaultAroundOnlyTheFaultingPageIsMapped) {
  MapFile(pid, kBase, kFilePages, MMU_PROT_READ, MMU_MAP_PRIVATE);
  Load64(pid, kBase + 3 * kPage);
  EXPECT_FALSE(Pte(pid, kBase + 2 * kPage).present);
  EXPECT_FALSE(Pte(pid, kBase + 4 * kPage).present);
  EXPECT_EQ(Stats().fault_around_mapped, 0u);
}

class FirmwareFilePressure : public FirmwareFile {
  void Configure(mmu_config_t &, mmu_kernel_config_t &k) override {
    k.readaround_pages = 1;
    k.fault_around_bytes = 0;
    k.max_frames = 8;
    k.swap_slots = 0;
  }
};

TEST_F(FirmwareFilePressure, ReclaimWritesDirtySharedPagesToTheFileAndRereadsThem) {
  MapFile(pid, kBase, kFilePages, MMU_PROT_READ | MMU_PROT_WRITE, MMU_MAP_SHARED);
  for (int i = 0; i < kFilePages; i++)
    Store64(pid, kBase + i * kPage, 9000 + i);
  EXPECT_LE(mmu_kframes_used(k), 8u);
  EXPECT_GT(Stats().file_writes, 0u);
  for (int i = 0; i < kFilePages; i++)
    EXPECT_EQ(Load64(pid, kBase + i * kPage), 9000u + i);
  ASSERT_EQ(mmu_msync(k, pid, kBase, kFilePages * kPage), MMU_OK);
  for (int i = 0; i < kFilePages; i++) {
    auto expect = Pattern(500 + i);
    uint64_t v = 9000 + i;
    memcpy(expect.data(), &v, 8);
    EXPECT_EQ(DiskPage(i), expect) << i;
  }
}
