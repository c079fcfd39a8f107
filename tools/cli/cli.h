/* cli.h — pieces of the mmusim command-line tool. */
#ifndef MMUSIM_CLI_H
#define MMUSIM_CLI_H

#include "mmusim.h"

/* Reads a kernel configuration JSON file over *cfg: max_frames, swap_slots, stack_rlimit,
 * stack_guard_gap, fault_around_bytes, readaround_pages, and "cost": {"clock_ghz": ..,
 * "<item>": ..}. Unknown fields and wrong types are errors naming the field. */
mmu_status_t cli_kconfig_load(const char *path, mmu_kernel_config_t *cfg, char *err, size_t len);

/* One VMA to declare before the replay. */
typedef enum cli_vma_kind { CLI_VMA_ANON = 0, CLI_VMA_STACK, CLI_VMA_FILE } cli_vma_kind_t;
typedef struct cli_vma {
  uint64_t start, end; /* [start, end), page aligned */
  uint32_t prot;       /* MMU_PROT_* */
  cli_vma_kind_t kind;
  bool shared;     /* file VMAs: MAP_SHARED (else private) */
  uint64_t offset; /* file VMAs: file offset of start */
  char *path;      /* file VMAs: the host file (owned) */
  uint64_t line;   /* line of the --maps file it came from; 0 = a --vma option */
} cli_vma_t;

/* A growing list of VMAs (free with cli_vmas_free). */
typedef struct cli_vmas {
  cli_vma_t *v;
  size_t n, cap;
} cli_vmas_t;
bool cli_vmas_push(cli_vmas_t *l, const cli_vma_t *v); /* takes v->path; false: no memory */
void cli_vmas_free(cli_vmas_t *l);

/* Parses "START-END[:PROT[:KIND]]": hex or decimal, PROT of r/w/x/-, KIND anon | stack |
 * file=PATH[@OFFSET][,shared|,private]. PATH must be a readable regular file. */
bool cli_parse_vma(const char *s, cli_vma_t *v, char *err, size_t len);

/* Reads a /proc/PID/maps file (proc(5)) and appends one VMA per line: a file path -> a file
 * VMA (offset, PROT from the line, shared if the flag is s); [stack] -> a stack VMA; anything
 * else ([heap], [vdso], [vvar], no path, a deleted or unreadable file) -> anonymous. Lines that
 * end above user_top ([vsyscall]) are skipped. Errors name file:line. */
typedef struct cli_maps_stats {
  uint64_t lines;        /* mapping lines read */
  uint64_t skipped;      /* lines beyond user space */
  uint64_t file_as_anon; /* file lines declared anonymous (deleted or unreadable file) */
} cli_maps_stats_t;
bool cli_maps_load(const char *file, uint64_t user_top, cli_vmas_t *out, cli_maps_stats_t *ms,
                   char *err, size_t len);

/* The files behind file VMAs, mapped as private sparse copies (cli_files.c says why). */
typedef struct cli_files cli_files_t;
cli_files_t *cli_files_new(void); /* NULL: no memory */
/* The firmware descriptor (for mmu_mmap) of the copy of path, made on first use, with the
 * bytes [offset, offset+len) copied into it; -1 and err (naming path) on failure. */
int cli_files_map(cli_files_t *f, mmu_kernel_t *k, const char *path, uint64_t offset, uint64_t len,
                  char *err, size_t elen);
/* Closes the descriptors (the mappings keep their files) and removes the directory. */
void cli_files_done(cli_files_t *f, mmu_kernel_t *k);

#endif
