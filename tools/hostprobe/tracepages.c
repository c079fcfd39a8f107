/* tracepages.c — distinct pages of an address trace (lackey or text), for comparing with the
 * page faults the host kernel reported for the same program. Prints the pages touched, split
 * into pages fetched as instructions (file-backed text) and pages only accessed as data, and an
 * estimate of the fault count with Linux's fault-around: text faults map the cached pages of an
 * aligned 64 KiB window (fault_around_bytes), data pages fault one by one.
 *
 *   mmusim_tracepages TRACE [WINDOW_BYTES]     (default window 65536) */
#include <stdio.h>
#include <stdlib.h>

#include "mmusim.h"

#define HASH_SLOTS (1u << 22)

typedef struct set {
  uint64_t *slot;
} set_t;

/* Inserts k; true when it was new. */
static bool set_put(set_t *s, uint64_t k) {
  uint64_t h = (k * 0x9e3779b97f4a7c15ull) >> 42;
  for (;; h++) {
    h &= HASH_SLOTS - 1;
    if (s->slot[h] == k + 1) return false;
    if (!s->slot[h]) {
      s->slot[h] = k + 1;
      return true;
    }
  }
}

static int scan(const char *path, int pass, set_t *s, uint64_t win_pages, uint64_t *n) {
  mmu_trace_t *t;
  mmu_status_t st = mmu_trace_open(path, MMU_TRACE_AUTO, &t);
  if (st) {
    fprintf(stderr, "%s: %s\n", path, mmu_strerror(st));
    return 1;
  }
  mmu_trace_rec_t r;
  while ((st = mmu_trace_next(t, &r)) == MMU_OK) {
    for (uint64_t p = r.va >> 12; p <= (r.va + r.size - 1) >> 12; p++) {
      bool ex = r.op == MMU_OP_EXEC;
      if (pass == 0) {
        n[0] += set_put(s, p << 2);                             /* any access */
        if (ex) n[1] += set_put(s, (p << 2) | 1);               /* text page */
        if (ex) n[2] += set_put(s, ((p / win_pages) << 2) | 2); /* text window */
      } else if (!ex && !set_put(s, (p << 2) | 1)) {
        /* fetched as text too: already counted there */
      } else if (!ex) {
        n[3] += set_put(s, (p << 2) | 3); /* data-only page */
      }
    }
  }
  if (st != MMU_ERR_EOF) fprintf(stderr, "%s\n", mmu_trace_error(t));
  mmu_trace_close(t);
  return st != MMU_ERR_EOF;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: mmusim_tracepages TRACE [WINDOW_BYTES]\n");
    return 2;
  }
  uint64_t win = argc > 2 ? strtoull(argv[2], NULL, 0) : 65536;
  uint64_t win_pages = win >= 4096 ? win / 4096 : 1;
  set_t s = {calloc(HASH_SLOTS, sizeof(uint64_t))};
  if (!s.slot) return 1;
  uint64_t n[4] = {0, 0, 0, 0};
  if (scan(argv[1], 0, &s, win_pages, n)) return 1;
  /* Second pass: pages accessed as data that were never fetched (text pages were inserted
   * with tag 1 in the first pass, so set_put on them returns false). */
  if (scan(argv[1], 1, &s, win_pages, n)) return 1;
  printf("%s: %llu pages touched (%llu text, %llu data-only); with %llu-byte fault-around on "
         "text: %llu faults\n",
         argv[1], (unsigned long long)n[0], (unsigned long long)n[1], (unsigned long long)n[3],
         (unsigned long long)win, (unsigned long long)(n[2] + n[3]));
  free(s.slot);
  return 0;
}
