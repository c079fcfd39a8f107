/* tracegen.h — a deterministic synthetic valgrind-lackey trace with a realistic access mix, for
 * the replay benchmark and the fuzz seed corpus. */
#ifndef MMUSIM_BENCH_TRACEGEN_H
#define MMUSIM_BENCH_TRACEGEN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tracegen_stats {
  uint64_t accesses; /* records a reader yields (an 'M' line counts twice) */
  uint64_t lines, instr, loads, stores, modifies;
  uint64_t bytes;
} tracegen_stats_t;

/* Writes a lackey trace of exactly `accesses` accesses to path. Returns 0 on success. The mix:
 * instruction fetches walking a 4 MiB text segment with branches, calls and returns; about 0.45
 * data references per instruction, split between the stack (near the frame of the current call
 * depth), a 256 MiB heap (Zipf-like hot objects), sequential array streams and globals. */
int tracegen_write(const char *path, uint64_t accesses, uint64_t seed, tracegen_stats_t *st);

#ifdef __cplusplus
}
#endif
#endif
