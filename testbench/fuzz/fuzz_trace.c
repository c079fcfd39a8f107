/* fuzz_trace.c — libFuzzer target: the trace readers must never crash, whatever the bytes.
 * The input goes to a temporary file, is opened in each format and read to EOF or an error;
 * every record read is checked (size >= 1, op in range) and translated on a small MMU. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "mmusim.h"


static mmu_t *g_mmu;
static char g_path[64];

static void setup(void) {
  if (g_mmu) return;
  mmu_config_t c;
  mmu_config_default(&c);
  c.phys_bytes = 64u << 20;
  CHECK(mmu_create(&c, &g_mmu) == MMU_OK);
  CHECK(mmu_space_create(g_mmu, 1) == MMU_OK);
  CHECK(mmu_map(g_mmu, 1, 0x400000, 0x200000, 0x10000, MMU_PERM_R | MMU_PERM_X | MMU_PERM_U,
                MMU_PAGE_4K) == MMU_OK);
  snprintf(g_path, sizeof g_path, "/tmp/mmusim-fuzz-trace-%d.txt", (int)getpid());
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  setup();
  FILE *f = fopen(g_path, "wb");
  if (!f) return 0;
  if (size) fwrite(data, 1, size, f);
  fclose(f);
  for (int fmt = MMU_TRACE_AUTO; fmt <= MMU_TRACE_LACKEY; fmt++) {
    mmu_trace_t *t = NULL;
    mmu_status_t s = mmu_trace_open(g_path, (mmu_trace_format_t)fmt, &t);
    CHECK(s == MMU_OK && t);
    mmu_trace_rec_t r;
    uint64_t n = 0, last_line = 0;
    while ((s = mmu_trace_next(t, &r)) == MMU_OK) {
      CHECK(r.size >= 1);
      CHECK((unsigned)r.op < MMU_OP_COUNT);
      CHECK(mmu_trace_line(t) >= last_line);
      last_line = mmu_trace_line(t);
      if (n++ < 64) { /* translate a few: straddling, non-canonical, unmapped addresses */
        mmu_access_t a = {r.va, r.op, true, false, 1};
        mmu_result_t res;
        uint32_t pages = 0;
        CHECK(mmu_translate_range(g_mmu, &a, r.size, &res, &pages) == MMU_OK);
        CHECK(pages >= 1);
      }
      CHECK(n <= size + 1); /* at most one record per byte (an 'M' line gives two) */
    }
    CHECK(s == MMU_ERR_EOF || s == MMU_ERR_PARSE || s == MMU_ERR_IO);
    if (s == MMU_ERR_PARSE) CHECK(strlen(mmu_trace_error(t)) > 0);
    mmu_trace_close(t);
  }
  unlink(g_path);
  return 0;
}
