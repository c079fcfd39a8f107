// Writes an FST waveform of a few walks and checks it holds the walker's signals and the names of
// the FSM states (Verilator emits SystemVerilog enums as FST enum tables, which GTKWave shows).
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "Vwalker_l4.h"
#include "gtkwave/fstapi.h"
#include "walker_harness.h"

using namespace rtlwalk;

#ifndef RTL_WAVE_DIR
#define RTL_WAVE_DIR "."
#endif
#ifndef RTL_SOURCE_DIR
#define RTL_SOURCE_DIR "."
#endif

namespace {

TEST(RtlWalkerWave, FstHasWalkerSignalsAndStateNames) {
  const std::string dir = RTL_WAVE_DIR;
  ::mkdir(dir.c_str(), 0755);
  const std::string path = dir + "/mmu_walker.fst";
  std::remove(path.c_str());
  {
    const Params p{4, 46, true};
    Bench<Vwalker_l4> b(3, path);
    b.timing = Timing{1, 3, 0.7, 0.8};
    RefWalker ref(p);
    PageTables pt(b.mem, p);
    const uint64_t root = pt.new_table();
    const uint64_t va = 0x7f0040201000ull;
    pt.map(root, va, 0, 0x1000, kP | kRw | kUs, kP | kRw | kUs); // A/D to update
    pt.map(root, va + 0x200000, 1, 0x400000, kP | kRw | kUs | kA);
    const uint64_t vas[] = {va, va, va + 0x200000, 0xffff000000000000ull, va + 0x8000000000ull};
    const unsigned ops[] = {kWriteOp, kRead, kRead, kRead, kExec};
    for (unsigned i = 0; i < 5; ++i) {
      Request r;
      r.va = vas[i];
      r.root = root;
      r.op = ops[i];
      r.user = true;
      Mem m = b.mem;
      const Result want = ref.walk(m, r);
      const Result got = b.walk(r);
      EXPECT_TRUE(got.same_fields(want)) << got.str() << "\n" << want.str();
      b.idle(2);
    }
    b.close();
  }

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
  EXPECT_GT(st.st_size, 0);

  void *ctx = fstReaderOpen(path.c_str());
  ASSERT_NE(ctx, nullptr);
  EXPECT_GT(fstReaderGetEndTime(ctx), 100u);
  std::vector<std::string> scope;
  std::set<std::string> vars; // "scope.name"
  std::string enum_tables;
  while (fstHier *h = fstReaderIterateHier(ctx)) {
    switch (h->htyp) {
    case FST_HT_SCOPE:
      scope.push_back(h->u.scope.name);
      break;
    case FST_HT_UPSCOPE:
      if (!scope.empty()) scope.pop_back();
      break;
    case FST_HT_VAR: {
      std::string s;
      for (const auto &c : scope)
        s += c + ".";
      std::string n = h->u.var.name; // e.g. "req_va_i [63:0]"
      vars.insert(s + n.substr(0, n.find(' ')));
      break;
    }
    case FST_HT_ATTRBEGIN:
      if (h->u.attr.typ == FST_AT_MISC && h->u.attr.subtype == FST_MT_ENUMTABLE && h->u.attr.name)
        enum_tables += std::string(h->u.attr.name) + "\n";
      break;
    default:
      break;
    }
  }
  fstReaderClose(ctx);

  for (const char *sig : {"state_q", "level_q", "clk_i", "req_valid_i", "mem_req_valid_o",
                          "mem_rsp_rdata_i", "rsp_fault_o", "refs_q"}) {
    EXPECT_EQ(vars.count(std::string("TOP.mmu_walker.") + sig), 1u) << sig << " not in " << path;
  }
  // Every signal the GTKWave save file shows must exist in the dump, and its filters must exist.
  std::ifstream gtkw(std::string(RTL_SOURCE_DIR) + "/waves/mmu_walker.gtkw");
  ASSERT_TRUE(gtkw.good());
  unsigned shown = 0;
  for (std::string line; std::getline(gtkw, line);) {
    if (line.rfind("TOP.", 0) == 0) {
      ++shown;
      EXPECT_EQ(vars.count(line.substr(0, line.find('['))), 1u) << line << " (mmu_walker.gtkw)";
    } else if (line.rfind("^", 0) == 0) {
      const std::string filter =
          std::string(RTL_SOURCE_DIR) + "/" + line.substr(line.find(' ') + 1);
      std::ifstream f(filter);
      std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      EXPECT_FALSE(text.empty()) << filter;
    }
  }
  EXPECT_GT(shown, 30u);
  std::ifstream sf(std::string(RTL_SOURCE_DIR) + "/waves/walker_state.filter");
  std::string state_filter((std::istreambuf_iterator<char>(sf)), std::istreambuf_iterator<char>());

  for (const char *st_name :
       {"StIdle", "StReadPte", "StWaitPte", "StUpdateAd", "StWaitAd", "StRsp"}) {
    EXPECT_NE(enum_tables.find(st_name), std::string::npos) << st_name << " not in the enum tables";
    EXPECT_NE(state_filter.find(st_name), std::string::npos) << st_name << " not in the filter";
  }
}

} // namespace
