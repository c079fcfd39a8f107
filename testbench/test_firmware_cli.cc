// The `mmusim` command-line tool: replay through MMU + firmware, outputs, and its errors.
#include <jansson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "test_firmware_fixture.h"

namespace {

std::string CliPath() {
  return std::string(MMUSIM_BINARY_DIR) + "/mmusim";
}

struct CliRun {
  int status;
  std::string out; // stdout and stderr
};

CliRun RunCli(const std::string &args) {
  std::string cmd = CliPath() + " " + args + " 2>&1";
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
};

} // namespace

TEST_F(FirmwareCli, HelpListsEveryOption) {
  CliRun r = RunCli("--help");
  EXPECT_EQ(r.status, 0);
  for (const char *opt : {"--config", "--kernel-config", "--format", "--vma", "--max-frames",
                          "--swap-slots", "--limit", "--json", "--csv", "--output", "--progress",
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
