/* cli.h — pieces of the mmusim command-line tool. */
#ifndef MMUSIM_CLI_H
#define MMUSIM_CLI_H

#include "mmusim.h"

/* Reads a kernel configuration JSON file over *cfg: max_frames, swap_slots, stack_rlimit,
 * stack_guard_gap, fault_around_bytes, readaround_pages, and "cost": {"clock_ghz": ..,
 * "<item>": ..}. Unknown fields and wrong types are errors naming the field. */
mmu_status_t cli_kconfig_load(const char *path, mmu_kernel_config_t *cfg, char *err, size_t len);

/* Parses "START-END[:PROT[:KIND]]" (hex or decimal, PROT of r/w/x, KIND anon|stack). */
typedef struct cli_vma {
  uint64_t start, end;
  uint32_t prot;
  bool stack;
} cli_vma_t;
bool cli_parse_vma(const char *s, cli_vma_t *v, char *err, size_t len);

#endif
