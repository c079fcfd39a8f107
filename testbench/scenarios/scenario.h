/* scenario.h — one scenario per fault kind, written against the public C API (mmusim.h). */
#ifndef MMUSIM_SCENARIO_H
#define MMUSIM_SCENARIO_H

#include <stdbool.h>
#include <stdio.h>

#include "mmusim.h"

typedef struct sc_env {
  const char *tmpdir; /* scratch directory for backing files */
} sc_env_t;

typedef struct sc_result {
  mmu_kstats_t st;
  bool ok;        /* the scenario's own checks of the state it produced */
  char note[160]; /* what was checked, or what failed */
} sc_result_t;

typedef struct scenario {
  const char *name;
  const char *what;
  void (*run)(const sc_env_t *env, sc_result_t *res);
} scenario_t;

/* A fresh MMU (1 GiB of physical memory) and kernel; kcfg NULL = kernel defaults. */
bool sc_boot(const mmu_kernel_config_t *kcfg, mmu_t **mmu, mmu_kernel_t **k, uint32_t *pid);
/* Stats into res and tears the MMU (and its kernel) down. */
void sc_finish(mmu_t *mmu, mmu_kernel_t *k, sc_result_t *res);
void sc_fail(sc_result_t *res, const char *fmt, ...);
void sc_fill(uint8_t *buf, size_t n, uint64_t seed); /* deterministic bytes */

void sc_anon(const sc_env_t *, sc_result_t *);
void sc_stack(const sc_env_t *, sc_result_t *);
void sc_fork_snapshot(const sc_env_t *, sc_result_t *);
void sc_fork_worst(const sc_env_t *, sc_result_t *);
void sc_swap(const sc_env_t *, sc_result_t *);
void sc_file(const sc_env_t *, sc_result_t *);
void sc_segv(const sc_env_t *, sc_result_t *);

#endif
