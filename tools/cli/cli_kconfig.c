/* cli_kconfig.c — the kernel configuration file of the mmusim tool. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static mmu_status_t fail(char *err, size_t len, const char *fmt, const char *a, const char *b) {
  if (err && len) snprintf(err, len, fmt, a, b);
  return MMU_ERR_CONFIG;
}

static bool get_u64(json_t *v, uint64_t *out) {
  if (!json_is_integer(v) || json_integer_value(v) < 0) return false;
  *out = (uint64_t)json_integer_value(v);
  return true;
}

mmu_status_t cli_kconfig_load(const char *path, mmu_kernel_config_t *cfg, char *err, size_t len) {
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  if (!root) {
    if (err && len) snprintf(err, len, "%s:%d: %s", path, je.line, je.text);
    return je.line > 0 ? MMU_ERR_PARSE : MMU_ERR_IO;
  }
  mmu_status_t s = MMU_OK;
  if (!json_is_object(root)) {
    s = fail(err, len, "%s: expected a JSON object%s", path, "");
    goto out;
  }
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    uint64_t u = 0;
    struct {
      const char *name;
      uint64_t *dst;
    } u64s[] = {{"max_frames", &cfg->max_frames},
                {"swap_slots", &cfg->swap_slots},
                {"stack_rlimit", &cfg->stack_rlimit},
                {"stack_guard_gap", &cfg->stack_guard_gap},
                {"fault_around_bytes", &cfg->fault_around_bytes}};
    bool done = false;
    for (size_t i = 0; i < sizeof u64s / sizeof u64s[0]; i++)
      if (!strcmp(key, u64s[i].name)) {
        if (!get_u64(v, u64s[i].dst)) {
          s = fail(err, len, "%s: field %s: expected a non-negative integer", path, key);
          goto out;
        }
        done = true;
      }
    if (done) continue;
    if (!strcmp(key, "readaround_pages")) {
      if (!get_u64(v, &u) || u > 1024) {
        s = fail(err, len, "%s: field %s: expected an integer 0..1024", path, key);
        goto out;
      }
      cfg->readaround_pages = (uint32_t)u;
    } else if (!strcmp(key, "cost")) {
      if (!json_is_object(v)) {
        s = fail(err, len, "%s: field %s: expected an object", path, key);
        goto out;
      }
      const char *ck;
      json_t *cv;
      json_object_foreach(v, ck, cv) {
        if (!json_is_number(cv)) {
          s = fail(err, len, "%s: field cost.%s: expected a number", path, ck);
          goto out;
        }
        if (!strcmp(ck, "clock_ghz")) {
          cfg->cost.clock_ghz = json_number_value(cv);
          continue;
        }
        int item = -1;
        for (int i = 0; i < MMU_KC_COUNT; i++)
          if (!strcmp(ck, mmu_kcost_name(i))) item = i;
        if (item < 0) {
          s = fail(err, len, "%s: unknown field cost.%s", path, ck);
          goto out;
        }
        cfg->cost.value[item] = json_number_value(cv);
      }
    } else {
      s = fail(err, len, "%s: unknown field %s", path, key);
      goto out;
    }
  }
  char verr[200];
  if ((s = mmu_kernel_config_validate(cfg, verr, sizeof verr)))
    fail(err, len, "%s: %s", path, verr);
out:
  json_decref(root);
  return s;
}
