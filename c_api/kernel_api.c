/* kernel_api.c — the C API door of the fault-handling firmware: argument checks, user accesses,
 * handlers, statistics. The kernel itself is in firmware/. Nothing here aborts on user input. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fw_internal.h"
#include "mmusim.h"

const char *mmu_kfault_kind_name(mmu_kfault_kind_t kind) {
  static const char *const n[MMU_KF_COUNT] = {
      "none",    "anon",         "stack",    "cow",    "cow_reuse", "swap_in", "file_minor",
      "file_major", "write_notify", "spurious", "signal", "oom",       "custom"};
  return (unsigned)kind < MMU_KF_COUNT ? n[kind] : "unknown";
}

static mmu_status_t access_checks(mmu_kernel_t *k, const void *buf, size_t len,
                                  mmu_koutcome_t *out) {
  if (!k || !out || (!buf && len)) return MMU_ERR_NULL;
  return MMU_OK;
}

mmu_status_t mmu_kload(mmu_kernel_t *k, uint32_t pid, uint64_t va, void *buf, size_t len,
                       mmu_koutcome_t *out) {
  mmu_status_t s = access_checks(k, buf, len, out);
  return s ? s : fw_user_access(k, pid, va, MMU_OP_READ, buf, NULL, len, out);
}

mmu_status_t mmu_kstore(mmu_kernel_t *k, uint32_t pid, uint64_t va, const void *buf, size_t len,
                        mmu_koutcome_t *out) {
  mmu_status_t s = access_checks(k, buf, len, out);
  return s ? s : fw_user_access(k, pid, va, MMU_OP_WRITE, NULL, buf, len, out);
}

mmu_status_t mmu_kfetch(mmu_kernel_t *k, uint32_t pid, uint64_t va, void *buf, size_t len,
                        mmu_koutcome_t *out) {
  mmu_status_t s = access_checks(k, buf, len, out);
  return s ? s : fw_user_access(k, pid, va, MMU_OP_EXEC, buf, NULL, len, out);
}

mmu_status_t mmu_kaccess(mmu_kernel_t *k, uint32_t pid, uint64_t va, mmu_op_t op, size_t len,
                         mmu_koutcome_t *out) {
  if (!k || !out) return MMU_ERR_NULL;
  if (len == 0) return MMU_ERR_ARG;
  return fw_user_access(k, pid, va, op, NULL, NULL, len, out);
}

mmu_status_t mmu_kuaccess(mmu_kernel_t *k, uint32_t pid, uint64_t va, mmu_op_t op, void *rbuf,
                          const void *wbuf, size_t len, bool stac, mmu_koutcome_t *out) {
  if (!k || !out) return MMU_ERR_NULL;
  if (len == 0 || (op != MMU_OP_READ && op != MMU_OP_WRITE)) return MMU_ERR_ARG;
  return fw_access(k, pid, va, op, rbuf, wbuf, len, false, stac, out);
}

mmu_status_t mmu_kernel_set_handler(mmu_kernel_t *k, mmu_kfault_handler_t fn, void *ctx) {
  if (!k) return MMU_ERR_NULL;
  if (k->in_handler) return MMU_ERR_STATE;
  k->handler = fn;
  k->handler_ctx = fn ? ctx : NULL;
  return MMU_OK;
}

mmu_kverdict_t mmu_kernel_default_handler(mmu_kernel_t *k, mmu_kfault_rec_t *rec, void *ctx) {
  (void)ctx;
  if (!k || !rec || !k->in_handler || k->cur != rec) {
    if (rec) {
      rec->sig = MMU_SIG_KILL;
      rec->si_code = MMU_SI_KERNEL;
    }
    return MMU_KV_SIGNAL;
  }
  return fw_handle(k, rec);
}

mmu_status_t mmu_kernel_charge(mmu_kernel_t *k, mmu_kcost_item_t item, uint32_t n) {
  if (!k) return MMU_ERR_NULL;
  if ((unsigned)item >= MMU_KC_COUNT) return MMU_ERR_ARG;
  if (!k->in_handler || !k->cur) return MMU_ERR_STATE;
  fw_charge(k, item, n);
  return MMU_OK;
}

mmu_status_t mmu_kernel_set_fault_log(mmu_kernel_t *k, mmu_kfault_log_t fn, void *ctx) {
  if (!k) return MMU_ERR_NULL;
  k->log = fn;
  k->log_ctx = fn ? ctx : NULL;
  return MMU_OK;
}

mmu_status_t mmu_kernel_stats(const mmu_kernel_t *k, mmu_kstats_t *out) {
  if (!k || !out) return MMU_ERR_NULL;
  *out = k->st;
  out->frames_used = k->nframes;
  return MMU_OK;
}

mmu_status_t mmu_kernel_stats_reset(mmu_kernel_t *k) {
  if (!k) return MMU_ERR_NULL;
  memset(&k->st, 0, sizeof k->st);
  k->st.frames_used = k->st.frames_peak = k->nframes;
  return MMU_OK;
}

char *mmu_kstats_to_json(const mmu_kstats_t *st) {
  if (!st) return NULL;
  json_t *o = json_object();
  if (!o) return NULL;
#define PUT(name) json_object_set_new(o, #name, json_integer((json_int_t)st->name))
  PUT(accesses);
  PUT(translations);
  PUT(faults);
  PUT(major_faults);
  PUT(signals);
  PUT(hw_cycles);
  PUT(kernel_cycles);
  PUT(fault_cycles);
  PUT(syscall_cycles);
  PUT(cow_copies);
  PUT(cow_reuses);
  PUT(swap_outs);
  PUT(swap_ins);
  PUT(file_reads);
  PUT(file_writes);
  PUT(pagecache_hits);
  PUT(pagecache_misses);
  PUT(fault_around_mapped);
  PUT(reclaim_scanned);
  PUT(stack_expansions);
  PUT(frames_used);
  PUT(frames_peak);
  PUT(forks);
#undef PUT
  json_t *hw = json_object();
  json_object_set_new(hw, "tlb", json_integer((json_int_t)st->hw.tlb));
  json_object_set_new(hw, "pwc", json_integer((json_int_t)st->hw.pwc));
  json_object_set_new(hw, "walk", json_integer((json_int_t)st->hw.walk));
  json_object_set_new(hw, "ad", json_integer((json_int_t)st->hw.ad));
  json_object_set_new(o, "hw", hw);
  json_t *fk = json_object(), *fc = json_object();
  for (int i = 0; i < MMU_KF_COUNT; i++) {
    json_object_set_new(fk, mmu_kfault_kind_name(i), json_integer((json_int_t)st->faults_by_kind[i]));
    json_object_set_new(fc, mmu_kfault_kind_name(i),
                        json_integer((json_int_t)st->kernel_cycles_by_kind[i]));
  }
  json_object_set_new(o, "faults_by_kind", fk);
  json_object_set_new(o, "kernel_cycles_by_kind", fc);
  json_t *items = json_object();
  for (int i = 0; i < MMU_KC_COUNT; i++) {
    json_t *it = json_object();
    json_object_set_new(it, "cycles", json_integer((json_int_t)st->item_cycles[i]));
    json_object_set_new(it, "count", json_integer((json_int_t)st->item_counts[i]));
    json_object_set_new(items, mmu_kcost_name(i), it);
  }
  json_object_set_new(o, "kernel_items", items);
  char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(o);
  return s;
}
