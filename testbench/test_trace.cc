// test_trace.cc — trace readers (lackey, text) and page-straddling accesses.
#include "support/fixtures.h"

#include <fstream>
#include <string>
#include <vector>

using namespace mmutest;

namespace {

std::string Write(const std::string &name, const std::string &text) {
  std::string path = std::string(MMUSIM_BINARY_DIR) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::vector<mmu_trace_rec_t> ReadAll(const std::string &path, mmu_trace_format_t f,
                                     mmu_status_t *last, std::string *err = nullptr) {
  mmu_trace_t *t = nullptr;
  std::vector<mmu_trace_rec_t> out;
  *last = mmu_trace_open(path.c_str(), f, &t);
  if (*last) return out;
  mmu_trace_rec_t r;
  while ((*last = mmu_trace_next(t, &r)) == MMU_OK)
    out.push_back(r);
  if (err) *err = mmu_trace_error(t);
  mmu_trace_close(t);
  return out;
}

TEST(Trace, LackeyOutputIsReadWithModifyAsLoadThenStore) {
  std::string p = Write("lackey.txt", "==123== Lackey, an example Valgrind tool\n"
                                      "I  04016c2e,3\n"
                                      " L 1ffefffd00,8\n"
                                      " S 1ffefffd08,8\n"
                                      " M 0421b5c8,4\n"
                                      "==123== \n");
  mmu_status_t s;
  auto recs = ReadAll(p, MMU_TRACE_AUTO, &s);
  EXPECT_EQ(s, MMU_ERR_EOF);
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_EQ(recs[0].op, MMU_OP_EXEC);
  EXPECT_EQ(recs[0].va, 0x04016c2eu);
  EXPECT_EQ(recs[0].size, 3u);
  EXPECT_EQ(recs[1].op, MMU_OP_READ);
  EXPECT_EQ(recs[1].va, 0x1ffefffd00u);
  EXPECT_EQ(recs[2].op, MMU_OP_WRITE);
  EXPECT_EQ(recs[3].op, MMU_OP_READ);
  EXPECT_EQ(recs[4].op, MMU_OP_WRITE);
  EXPECT_EQ(recs[4].va, 0x0421b5c8u);
}

TEST(Trace, TextFormatWithCommentsAndOptionalSize) {
  std::string p = Write("text.txt", "# a comment\nR 0x1000\nW 2000 8\n\nx ffff800000000000 16\n");
  mmu_status_t s;
  auto recs = ReadAll(p, MMU_TRACE_AUTO, &s);
  EXPECT_EQ(s, MMU_ERR_EOF);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].size, 1u);
  EXPECT_EQ(recs[1].op, MMU_OP_WRITE);
  EXPECT_EQ(recs[1].va, 0x2000u);
  EXPECT_EQ(recs[1].size, 8u);
  EXPECT_EQ(recs[2].op, MMU_OP_EXEC);
  EXPECT_EQ(recs[2].va, 0xffff800000000000ull);
}

TEST(Trace, MalformedLineNamesFileAndLine) {
  std::string p = Write("bad.txt", "R 1000\nW 2000\nQ 3000\n");
  mmu_status_t s;
  std::string err;
  auto recs = ReadAll(p, MMU_TRACE_TEXT, &s, &err);
  EXPECT_EQ(s, MMU_ERR_PARSE);
  EXPECT_EQ(recs.size(), 2u);
  EXPECT_NE(err.find("bad.txt:3:"), std::string::npos) << err;
  for (const char *line :
       {"R\n", "R zz\n", "R 1000 0\n", "R 1000 abc\n", "R 12345678901234567\n", "R1000\n"}) {
    p = Write("bad2.txt", line);
    ReadAll(p, MMU_TRACE_TEXT, &s, &err);
    EXPECT_EQ(s, MMU_ERR_PARSE) << line;
    EXPECT_NE(err.find("bad2.txt:1:"), std::string::npos) << err;
  }
  p = Write("bad3.txt", "I  04016c2e,3\n L 1000\n");
  ReadAll(p, MMU_TRACE_AUTO, &s, &err);
  EXPECT_EQ(s, MMU_ERR_PARSE);
  EXPECT_NE(err.find("bad3.txt:2:"), std::string::npos) << err;
}

TEST(Trace, MissingFileIsAnIoError) {
  mmu_trace_t *t = nullptr;
  EXPECT_EQ(mmu_trace_open("/nonexistent/trace", MMU_TRACE_AUTO, &t), MMU_ERR_IO);
  EXPECT_EQ(t, nullptr);
}

TEST(Trace, AccessStraddlingAPageBoundaryCountsAgainstBothPages) {
  Mmu m;
  ASSERT_EQ(mmu_map(m, 1, 0x400000, 0x100000, 0x2000, MMU_PERM_R | MMU_PERM_U, MMU_PAGE_4K),
            MMU_OK);
  mmu_access_t a{0x400ffc, MMU_OP_READ, true, false, 1};
  mmu_result_t r;
  uint32_t pages = 0;
  ASSERT_EQ(mmu_translate_range(m, &a, 8, &r, &pages), MMU_OK);
  EXPECT_EQ(pages, 2u);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NONE);
  mmu_stats_t st;
  mmu_stats_get(m, &st);
  EXPECT_EQ(st.translations, 2u);
  EXPECT_EQ(st.walks, 2u);
  // Straddling into an unmapped page reports the second page's fault.
  a.va = 0x401ffc;
  ASSERT_EQ(mmu_translate_range(m, &a, 8, &r, &pages), MMU_OK);
  EXPECT_EQ(pages, 2u);
  EXPECT_EQ(r.fault.kind, MMU_FAULT_NOT_PRESENT);
  EXPECT_EQ(r.fault.va, 0x402000u);
}

} // namespace
