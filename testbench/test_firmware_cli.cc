// The `mmusim` command-line tool: replay through MMU + firmware, outputs, and its errors.
#include <jansson.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "test_firmware_fixture.h"

namespace {

std::string CliPath() {
  return std::string(MMUSIM_BINARY_DIR) + "/mmusim";
}

std::string TracemapsPath() {
  return std::string(MMUSIM_BINARY_DIR) + "/mmusim-tracemaps";
}

struct CliRun {
  int status;
  std::string out; // stdout and stderr
};

// stderr goes with stdout, or to the file err when one is named.
CliRun RunCli(const std::string &args, const std::string &err = "") {
  std::string cmd = CliPath() + " " + args + (err.empty() ? " 2>&1" : " 2>'" + err + "'");
  CliRun r{-1, ""};
  FILE *p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

class FirmwareCli : public ::testing::Test {
protected:
  std::string dir;
  void SetUp() override {
    if (access(CliPath().c_str(), X_OK) != 0) GTEST_SKIP() << "mmusim CLI not built";
    std::string tmpl = ::testing::TempDir() + "mmusim_cli_XXXXXX";
    std::vector<char> b(tmpl.begin(), tmpl.end());
    b.push_back('\0');
    ASSERT_NE(mkdtemp(b.data()), nullptr);
    dir = b.data();
  }
  void TearDown() override {
    if (!dir.empty()) (void)!system(("rm -rf '" + dir + "'").c_str());
  }
  std::string Write(const std::string &name, const std::string &text) {
    std::string p = dir + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  // Runs the CLI with --json and parses the report (nullptr, with a failure, if it did not).
  json_t *RunJson(const std::string &args) {
    // Warnings (a maps line declared anonymous) go to stderr, apart from the JSON.
    std::string err = dir + "/stderr.txt";
    CliRun r = RunCli("--json " + args, err);
    std::ifstream f(err);
    std::string msg((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(r.status, 0) << msg;
    json_error_t e;
    json_t *j = json_loads(r.out.c_str(), 0, &e);
    EXPECT_NE(j, nullptr) << r.out << msg;
    return j;
  }
};

json_int_t Field(json_t *j, std::initializer_list<const char *> path) {
  for (const char *k : path)
    j = json_object_get(j, k);
  EXPECT_TRUE(json_is_integer(j));
  return json_integer_value(j);
}

} // namespace

TEST_F(FirmwareCli, HelpListsEveryOption) {
  CliRun r = RunCli("--help");
  EXPECT_EQ(r.status, 0);
  for (const char *opt :
       {"--config", "--kernel-config", "--format", "--vma", "--max-frames", "--maps", "--maps-prot",
        "--unmapped", "--swap-slots", "--limit", "--json", "--csv", "--output", "--progress",
        "--no-progress", "--costs", "--version", "--help"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
}

TEST_F(FirmwareCli, ReplaysATextTraceWithTheDefaultVmaAsJson) {
  std::string t = Write("t.txt", "# three pages, one touched twice\n"
                                 "W 0x400000 8\nR 0x400010 8\nW 0x401000 8\nR 0x402ff8 16\n");
  CliRun r = RunCli("--json " + t);
  ASSERT_EQ(r.status, 0) << r.out;
  json_error_t e;
  json_t *j = json_loads(r.out.c_str(), 0, &e);
  ASSERT_NE(j, nullptr) << r.out;
  EXPECT_EQ(json_integer_value(json_object_get(j, "records")), 4);
  json_t *k = json_object_get(j, "kernel");
  // The last record straddles into a fourth page: four lazy-allocation faults.
  EXPECT_EQ(json_integer_value(json_object_get(json_object_get(k, "faults_by_kind"), "anon")), 4);
  EXPECT_EQ(json_integer_value(json_object_get(k, "signals")), 0);
  mmu_kernel_config_t kc;
  mmu_kernel_config_default(&kc);
  uint64_t per_fault = 0;
  for (auto i : {MMU_KC_ENTRY, MMU_KC_DISPATCH, MMU_KC_VMA_LOOKUP, MMU_KC_FRAME_ALLOC,
                 MMU_KC_ZERO_PAGE, MMU_KC_PTE_UPDATE, MMU_KC_EXIT})
    per_fault += mmu_kcost_cycles(&kc.cost, i);
  EXPECT_EQ(json_integer_value(json_object_get(j, "kernel_cycles")), (json_int_t)(4 * per_fault));
  EXPECT_GT(json_integer_value(json_object_get(j, "hw_cycles")), 0);
  json_decref(j);
}

TEST_F(FirmwareCli, DeclaredVmasMakeOtherAccessesSegfault) {
  std::string t = Write("t.txt", "R 0x400000\nW 0x400000\nR 0x900000\nX 0x400000\n");
  CliRun r = RunCli("--csv --vma 0x400000-0x500000:r " + t);
  ASSERT_EQ(r.status, 0) << r.out;
  // Header + one row; signals column = 3 (write to r, no VMA at 0x900000, exec of non-x).
  auto nl = r.out.find('\n');
  std::string header = r.out.substr(0, nl), row = r.out.substr(nl + 1);
  EXPECT_EQ(header.rfind("records,accesses,translations,faults,major_faults,signals", 0), 0u);
  EXPECT_EQ(row.rfind("4,4,", 0), 0u) << row;
  std::vector<std::string> cells;
  size_t a = 0;
  for (size_t b; (b = row.find_first_of(",\n", a)) != std::string::npos; a = b + 1)
    cells.push_back(row.substr(a, b - a));
  ASSERT_GT(cells.size(), 6u);
  EXPECT_EQ(cells[5], "3");
}

TEST_F(FirmwareCli, ReplaysALackeyTraceAndHonoursTheFrameLimit) {
  std::string t = Write("l.txt", "==1== Lackey\nI  04000000,3\n L 1ffefff000,8\n S 1ffeffe000,8\n"
                                 " M 1ffefff008,4\n L 05000000,8\n L 05001000,8\n L 05002000,8\n");
  std::string kcfg = Write("k.json", "{\"swap_slots\": 16, \"cost\": {\"clock_ghz\": 2.0}}");
  CliRun r = RunCli("--json --max-frames 2 -k " + kcfg + " " + t);
  ASSERT_EQ(r.status, 0) << r.out;
  json_error_t e;
  json_t *j = json_loads(r.out.c_str(), 0, &e);
  ASSERT_NE(j, nullptr) << r.out;
  json_t *k = json_object_get(j, "kernel");
  EXPECT_EQ(json_integer_value(json_object_get(j, "records")), 8); // M = load + store
  EXPECT_LE(json_integer_value(json_object_get(k, "frames_peak")), 2);
  EXPECT_GT(json_integer_value(json_object_get(k, "swap_outs")), 0);
  json_decref(j);
}

TEST_F(FirmwareCli, AMalformedTraceLineIsNamedByFileAndLine) {
  std::string t = Write("bad.txt", "R 0x1000\n\nW zz\n");
  CliRun r = RunCli(t);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find(t + ":3:"), std::string::npos) << r.out;
}

TEST_F(FirmwareCli, BadFilesAndOptionsGiveClearErrors) {
  CliRun r = RunCli(dir + "/missing.txt");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("cannot open trace"), std::string::npos) << r.out;
  std::string t = Write("t.txt", "R 0x400000\n");
  std::string badcfg = Write("c.json", "{\"dtlb\": 5}");
  r = RunCli("-c " + badcfg + " " + t);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("c.json"), std::string::npos) << r.out;
  std::string badk = Write("k.json", "{\"max_frame\": 5}");
  r = RunCli("-k " + badk + " " + t);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("unknown field max_frame"), std::string::npos) << r.out;
  r = RunCli("--frobnicate " + t);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("--frobnicate"), std::string::npos) << r.out;
  r = RunCli("--vma 0x5000-0x1000 " + t);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("--vma"), std::string::npos) << r.out;
  r = RunCli("--format elf " + t);
  EXPECT_EQ(r.status, 2);
  r = RunCli("");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("no trace file"), std::string::npos) << r.out;
}

TEST_F(FirmwareCli, OutputFileAndCostTable) {
  std::string t = Write("t.txt", "R 0x400000\n");
  std::string out = dir + "/report.txt";
  CliRun r = RunCli("-o " + out + " " + t);
  ASSERT_EQ(r.status, 0) << r.out;
  std::ifstream f(out);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("kernel/hardware"), std::string::npos);
  r = RunCli("--costs");
  EXPECT_EQ(r.status, 0);
  for (int i = 0; i < MMU_KC_COUNT; i++)
    EXPECT_NE(r.out.find(mmu_kcost_name((mmu_kcost_item_t)i)), std::string::npos);
}

TEST_F(FirmwareCli, VmaFileSyntaxAndItsErrors) {
  std::string data = Write("data.bin", std::string(3 * 4096, 'd'));
  std::string t = Write("t.txt", "R 0x10000000\nR 0x10001000\n");
  // PATH, @OFFSET and ,shared / ,private are all accepted.
  // The files are mapped as copies in a temporary directory, removed before the replay.
  std::string tmp = dir + "/tmp";
  ASSERT_EQ(mkdir(tmp.c_str(), 0700), 0);
  const char *was = getenv("TMPDIR");
  std::string old = was ? was : "";
  setenv("TMPDIR", tmp.c_str(), 1);
  for (std::string kind : {"file=" + data, "file=" + data + "@0x1000", "file=" + data + ",shared",
                           "file=" + data + "@4096,private"}) {
    CliRun r = RunCli("--vma 0x10000000-0x10002000:r:" + kind + " " + t);
    EXPECT_EQ(r.status, 0) << kind << "\n" << r.out;
    EXPECT_NE(r.out.find("1 file-backed"), std::string::npos) << r.out;
    r = RunCli("--vma 0x10000000-0x10002000:rw:" + kind + " " + t);
    EXPECT_EQ(r.status, 0) << r.out;
  }
  if (was)
    setenv("TMPDIR", old.c_str(), 1);
  else
    unsetenv("TMPDIR");
  EXPECT_EQ(rmdir(tmp.c_str()), 0) << "a copy was left in " << tmp;
  struct {
    std::string arg, says;
  } bad[] = {
      {"0x10000000-0x10002000:r:file=" + dir + "/missing", "No such file"},
      {"0x10000000-0x10002000:r:file=" + dir, "not a regular file"},
      {"0x10000000-0x10002000:r:file=" + data + "@12", "multiple of 4096"},
      {"0x10000000-0x10002000:r:file=" + data + "@zz", "OFFSET 'zz' is not a number"},
      {"0x10000000-0x10002000:r:file=", "needs a PATH"},
      {"0x10000000-0x10002000:r:files", "KIND is anon, stack or file="},
  };
  for (const auto &b : bad) {
    CliRun r = RunCli("--vma '" + b.arg + "' " + t);
    EXPECT_EQ(r.status, 2) << b.arg;
    EXPECT_NE(r.out.find("--vma '" + b.arg + "'"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(b.says), std::string::npos) << r.out;
  }
}

// Reads of every page of a file VMA: with fault-around, one fault per aligned window (the
// first miss reads the whole file into the page cache, so the rest of each window is mapped
// by fault-around); without it, one fault per page. A write to a private page is a COW fault.
TEST_F(FirmwareCli, FileVmaReplayWithAndWithoutFaultAround) {
  const uint64_t pages = 40, base = 0x10000000, window = 65536, per = window / 4096;
  std::string data = Write("data.bin", std::string(pages * 4096, 'x'));
  std::string trace;
  for (uint64_t i = 0; i < pages; i++) {
    char line[64];
    snprintf(line, sizeof line, "R %#llx 8\n", (unsigned long long)(base + i * 4096 + 8));
    trace += line;
  }
  trace += "W 0x10000010 8\n"; // private: copy-on-write
  std::string t = Write("t.txt", trace);
  std::string ra = std::to_string(2 * pages); // read-around covers the whole file
  std::string fa = Write("fa.json", "{\"fault_around_bytes\": " + std::to_string(window) +
                                        ", \"readaround_pages\": " + ra + "}");
  std::string nofa =
      Write("nofa.json", "{\"fault_around_bytes\": 4096, \"readaround_pages\": " + ra + "}");
  char vma[128];
  snprintf(vma, sizeof vma, "--vma %#llx-%#llx:r:file=", (unsigned long long)base,
           (unsigned long long)(base + pages * 4096));
  json_t *j = RunJson("-k " + fa + " " + vma + data + "@0 " + t);
  ASSERT_NE(j, nullptr);
  // A read-only VMA: the write is a SIGSEGV, not a COW fault.
  uint64_t windows = (pages + per - 1) / per;
  EXPECT_EQ(Field(j, {"kernel", "faults"}), (json_int_t)(windows + 1));
  EXPECT_EQ(Field(j, {"kernel", "signals"}), 1);
  EXPECT_EQ(Field(j, {"kernel", "fault_around_mapped"}), (json_int_t)(pages - windows));
  EXPECT_EQ(Field(j, {"kernel", "faults_by_kind", "file_major"}), 1);
  EXPECT_EQ(Field(j, {"kernel", "faults_by_kind", "file_minor"}), (json_int_t)(windows - 1));
  EXPECT_EQ(Field(j, {"address_space", "file"}), 1);
  json_decref(j);
  snprintf(vma, sizeof vma, "--vma %#llx-%#llx:rw:file=", (unsigned long long)base,
           (unsigned long long)(base + pages * 4096));
  j = RunJson("-k " + nofa + " " + vma + data + " " + t);
  ASSERT_NE(j, nullptr);
  EXPECT_EQ(Field(j, {"kernel", "faults"}), (json_int_t)(pages + 1));
  EXPECT_EQ(Field(j, {"kernel", "fault_around_mapped"}), 0);
  EXPECT_EQ(Field(j, {"kernel", "faults_by_kind", "cow"}), 1);
  EXPECT_EQ(Field(j, {"kernel", "signals"}), 0);
  json_decref(j);
}

TEST_F(FirmwareCli, MapsFileDeclaresOneVmaPerLine) {
  std::string data = Write("lib.so", std::string(8 * 4096, 'l'));
  std::string text;
  for (std::string line :
       {"# written by hand", "10000000-10002000 r--p 00000000 fe:00 1234  @",
        "10002000-10004000 r-xp 00002000 fe:00 1234  @", "10004000-10005000 rw-p 00000000 00:00 0 ",
        "", "20000000-20021000 rw-p 00000000 00:00 0          [heap]",
        "30000000-30001000 rw-s 00000000 fe:00 99   /gone (deleted)",
        "7ffff7fc1000-7ffff7fc3000 r-xp 00000000 00:00 0  [vdso]",
        "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0  [stack]",
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]"})
    text += (!line.empty() && line.back() == '@' ? line.substr(0, line.size() - 1) + data : line) +
            "\n";
  std::string maps = Write("m.maps", text);
  // Reads of the first two file pages, the anonymous page, the heap, the stack, and two
  // pages that no line covers (one gap VMA between the file and the heap).
  std::string t = Write("t.txt", "R 0x10000000\nX 0x10002000\nW 0x10004000\nW 0x20000000\n"
                                 "W 0x7fffffffe000\nR 0x18000000\nR 0x18001000\n");
  std::string nofa = Write("nofa.json", "{\"fault_around_bytes\": 4096}");
  json_t *j = RunJson("-k " + nofa + " --maps " + maps + " " + t);
  ASSERT_NE(j, nullptr);
  EXPECT_EQ(Field(j, {"address_space", "maps_lines"}), 8);
  EXPECT_EQ(Field(j, {"address_space", "maps_skipped"}), 1);      // [vsyscall]
  EXPECT_EQ(Field(j, {"address_space", "maps_file_as_anon"}), 1); // (deleted)
  EXPECT_EQ(Field(j, {"address_space", "declared"}), 7);
  EXPECT_EQ(Field(j, {"address_space", "file"}), 2);
  EXPECT_EQ(Field(j, {"address_space", "gap_faults"}), 2);
  EXPECT_EQ(Field(j, {"kernel", "faults"}), 7);
  EXPECT_EQ(Field(j, {"kernel", "signals"}), 0);
  EXPECT_EQ(Field(j, {"kernel", "faults_by_kind", "file_major"}) +
                Field(j, {"kernel", "faults_by_kind", "file_minor"}),
            2);
  json_decref(j);
  // Without the gaps, the two uncovered reads are SIGSEGV; with the permissions as read, the
  // write to the r--p file page would be one too (here the file pages are only read).
  j = RunJson("-k " + nofa + " --unmapped segv --maps-prot exit --maps " + maps + " " + t);
  ASSERT_NE(j, nullptr);
  EXPECT_EQ(Field(j, {"kernel", "signals"}), 2);
  EXPECT_EQ(Field(j, {"address_space", "gaps"}), 0);
  json_decref(j);
  std::string w = Write("w.txt", "W 0x10000000\n");
  j = RunJson("--maps-prot exit --maps " + maps + " " + w);
  ASSERT_NE(j, nullptr);
  EXPECT_EQ(Field(j, {"kernel", "signals"}), 1);
  json_decref(j);
  j = RunJson("--maps " + maps + " " + w); // widened: a COW fault, as before RELRO's mprotect
  ASSERT_NE(j, nullptr);
  EXPECT_EQ(Field(j, {"kernel", "signals"}), 0);
  EXPECT_EQ(Field(j, {"kernel", "faults_by_kind", "cow"}), 1);
  json_decref(j);
}

TEST_F(FirmwareCli, MalformedMapsLinesAreNamedByFileAndLine) {
  std::string t = Write("t.txt", "R 0x10000000\n");
  struct {
    std::string line, says;
  } bad[] = {
      {"10000000 r--p 00000000 fe:00 1", "expected START-END PERMS OFFSET DEV INODE"},
      {"10002000-10000000 r--p 00000000 fe:00 1", "START < END"},
      {"10000800-10002000 r--p 00000000 fe:00 1", "multiples of 4096"},
      {"10000000-10002000 rwzp 00000000 fe:00 1", "PERMS is 4 characters"},
      {"10000000-10002000 r--p 0000xyz0 fe:00 1", "OFFSET is a hexadecimal number"},
      {"10000000-10002000 r--p 00000000", "expected DEV and INODE"},
      {"10000000-10002000 r--p 00000000 fe:00 1\n10001000-10003000 r--p 0 fe:00 1",
       "not above the line before"},
  };
  for (const auto &b : bad) {
    std::string maps =
        Write("bad.maps", "00400000-00401000 r--p 00000000 00:00 0\n" + b.line + "\n");
    CliRun r = RunCli("--maps " + maps + " " + t);
    EXPECT_EQ(r.status, 1) << b.line;
    std::string where = maps + (b.says == "not above the line before" ? ":3:" : ":2:");
    EXPECT_NE(r.out.find(where), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(b.says), std::string::npos) << r.out;
  }
  CliRun r = RunCli("--maps " + dir + "/none.maps " + t);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("--maps: cannot open"), std::string::npos) << r.out;
  r = RunCli("--unmapped maybe " + t);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("--unmapped"), std::string::npos) << r.out;
  r = RunCli("--maps-prot rwx " + t);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("--maps-prot"), std::string::npos) << r.out;
}

// A real maps file (this test's own, and one saved by mmusim-tracemaps at a command's exit)
// is read without errors, every line declared except [vsyscall].
TEST_F(FirmwareCli, RealMapsFilesAreAccepted) {
  std::string own = dir + "/self.maps";
  ASSERT_EQ(system(("cat /proc/self/maps > '" + own + "'").c_str()), 0);
  std::string t = Write("t.txt", "R 0x10000\n");
  json_t *j = RunJson("--maps " + own + " " + t);
  ASSERT_NE(j, nullptr);
  EXPECT_GT(Field(j, {"address_space", "file"}), 0);
  EXPECT_EQ(Field(j, {"address_space", "declared"}),
            Field(j, {"address_space", "maps_lines"}) -
                Field(j, {"address_space", "maps_skipped"}));
  json_decref(j);
  if (access(TracemapsPath().c_str(), X_OK) != 0) GTEST_SKIP() << "mmusim-tracemaps not built";
  EXPECT_EQ(WEXITSTATUS(system((TracemapsPath() + " /bin/true 2>/dev/null").c_str())), 2);
  std::string saved = dir + "/sh.maps";
  std::string cmd = TracemapsPath() + " -o " + saved + " /bin/sh -c 'exit 3' 2>&1";
  int st = system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(st));
  if (WEXITSTATUS(st) == 1 || WEXITSTATUS(st) == 127) GTEST_SKIP() << "ptrace not permitted";
  EXPECT_EQ(WEXITSTATUS(st), 3); // the command's own status
  std::ifstream f(saved);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("[stack]"), std::string::npos) << text;
  j = RunJson("--maps " + saved + " " + t);
  ASSERT_NE(j, nullptr);
  // Every file line is file-backed, /bin/sh's too although it is running: the CLI maps copies.
  EXPECT_GT(Field(j, {"address_space", "file"}), 0);
  EXPECT_EQ(Field(j, {"address_space", "maps_file_as_anon"}), 0);
  json_decref(j);
}

// The documented real-trace path (docs/fidelity.md, section 2) end to end: a real program traced
// under valgrind lackey inside mmusim-tracemaps, replayed with its maps, against the minor
// faults the host kernel reports for the same program run natively.
TEST_F(FirmwareCli, RealProgramTraceReplaysNearTheHostsFaultCount) {
  if (access(TracemapsPath().c_str(), X_OK) != 0) GTEST_SKIP() << "mmusim-tracemaps not built";
  if (system("valgrind --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "valgrind not installed";
  const char *prog = "/bin/true";
  // The host's minor faults: the fewest of three native runs (getrusage of the waited child).
  long host = -1;
  for (int i = 0; i < 3; i++) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      execl(prog, prog, (char *)nullptr);
      _exit(127);
    }
    int st;
    struct rusage ru;
    ASSERT_EQ(wait4(pid, &st, 0, &ru), pid);
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (host < 0 || ru.ru_minflt < host) host = ru.ru_minflt;
  }
  ASSERT_GT(host, 0);
  std::string maps = dir + "/p.maps", trace = dir + "/p.trace";
  std::string cmd = TracemapsPath() + " -o " + maps +
                    " valgrind --tool=lackey --trace-mem=yes --log-file=" + trace + " " + prog +
                    " >/dev/null 2>&1";
  int st = system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(st));
  if (WEXITSTATUS(st) == 127) GTEST_SKIP() << "ptrace not permitted"; // mmusim-tracemaps' code
  ASSERT_EQ(WEXITSTATUS(st), 0) << cmd;
  std::string fa = Write("fa.json", "{\"fault_around_bytes\": 65536}");
  std::string nofa = Write("nofa.json", "{\"fault_around_bytes\": 4096}");
  json_t *with = RunJson("--no-progress -k " + fa + " --maps " + maps + " " + trace);
  json_t *without = RunJson("--no-progress -k " + nofa + " --maps " + maps + " " + trace);
  ASSERT_NE(with, nullptr);
  ASSERT_NE(without, nullptr);
  // A whole program: the dynamic loader and libc run, from file-backed text.
  EXPECT_GT(Field(with, {"records"}), 10000);
  EXPECT_GT(Field(with, {"address_space", "file"}), 0);
  json_int_t fw = Field(with, {"kernel", "faults"}), fn = Field(without, {"kernel", "faults"});
  // Fault-around maps neighbouring cached file pages, so the same trace takes fewer file faults;
  // anonymous and copy-on-write faults do not depend on it.
  EXPECT_GT(Field(with, {"kernel", "fault_around_mapped"}), 0);
  EXPECT_EQ(Field(without, {"kernel", "fault_around_mapped"}), 0);
  EXPECT_LT(Field(with, {"kernel", "faults_by_kind", "file_minor"}),
            Field(without, {"kernel", "faults_by_kind", "file_minor"}));
  EXPECT_EQ(Field(with, {"kernel", "faults_by_kind", "anon"}),
            Field(without, {"kernel", "faults_by_kind", "anon"}));
  EXPECT_EQ(Field(with, {"kernel", "faults_by_kind", "cow"}),
            Field(without, {"kernel", "faults_by_kind", "cow"}));
  EXPECT_LT(fw, fn);
  // With fault-around, as Linux does by default, the model's count is near the host's (within a
  // factor of two; the programs of docs/fidelity.md are within 6%).
  EXPECT_GE(2 * fw, host) << "model " << fw << ", host " << host;
  EXPECT_LE(fw, 2 * host) << "model " << fw << ", host " << host;
  json_decref(with);
  json_decref(without);
}
