/* fw_kernel.c — the kernel's objects: configuration and cost table, processes, VMAs, files, and
 * the memory system calls (mmap, munmap, mprotect, msync, fork, exit). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fw_internal.h"

/* ---- the cost table ---- */
static const char *const k_cost_names[MMU_KC_COUNT] = {
    "entry",        "exit",     "dispatch", "vma_lookup",   "vma_lock",
    "frame_alloc",  "frame_free", "zero_page", "copy_page", "pte_update",
    "tlb_inval",    "pagecache", "reclaim_scan", "signal",  "syscall",
    "swap_read",    "swap_write", "file_read", "file_write"};

const char *mmu_kcost_name(mmu_kcost_item_t i) {
  return (unsigned)i < MMU_KC_COUNT ? k_cost_names[i] : "unknown";
}

const char *mmu_kcost_unit(mmu_kcost_item_t i) {
  return (unsigned)i >= MMU_KC_COUNT ? "unknown" : i >= MMU_KC_FIRST_US ? "us" : "cycles";
}

uint64_t mmu_kcost_cycles(const mmu_kcost_table_t *t, mmu_kcost_item_t i) {
  if (!t || (unsigned)i >= MMU_KC_COUNT || !(t->value[i] > 0)) return 0;
  double c = i >= MMU_KC_FIRST_US ? t->value[i] * t->clock_ghz * 1000.0 : t->value[i];
  return (uint64_t)(c + 0.5);
}

void mmu_kernel_config_default(mmu_kernel_config_t *c) {
  if (!c) return;
  memset(c, 0, sizeof *c);
  c->max_frames = 65536; /* 256 MiB of user pages and page cache */
  c->swap_slots = 65536;
  c->stack_rlimit = 8ull << 20;
  c->stack_guard_gap = 256;
  c->fault_around_bytes = 65536;
  c->readaround_pages = 32;
  /* Sources and caveats of every value: docs/kernel-cost-model.md. */
  mmu_kcost_table_t *t = &c->cost;
  t->clock_ghz = 3.0;
  t->value[MMU_KC_ENTRY] = 250;
  t->value[MMU_KC_EXIT] = 200;
  t->value[MMU_KC_DISPATCH] = 150;
  t->value[MMU_KC_VMA_LOOKUP] = 60;
  t->value[MMU_KC_VMA_LOCK] = 100;
  t->value[MMU_KC_FRAME_ALLOC] = 250;
  t->value[MMU_KC_FRAME_FREE] = 150;
  t->value[MMU_KC_ZERO_PAGE] = 400;
  t->value[MMU_KC_COPY_PAGE] = 800;
  t->value[MMU_KC_PTE_UPDATE] = 30;
  t->value[MMU_KC_TLB_INVAL] = 200;
  t->value[MMU_KC_PAGECACHE] = 80;
  t->value[MMU_KC_RECLAIM_SCAN] = 100;
  t->value[MMU_KC_SIGNAL] = 2000;
  t->value[MMU_KC_SYSCALL] = 150;
  t->value[MMU_KC_SWAP_READ] = 20.0;
  t->value[MMU_KC_SWAP_WRITE] = 20.0;
  t->value[MMU_KC_FILE_READ] = 20.0;
  t->value[MMU_KC_FILE_WRITE] = 20.0;
}

static mmu_status_t cfg_err(char *err, size_t len, const char *what) {
  if (err && len) snprintf(err, len, "%s", what);
  return MMU_ERR_CONFIG;
}

mmu_status_t mmu_kernel_config_validate(const mmu_kernel_config_t *c, char *err, size_t len) {
  if (!c) return MMU_ERR_NULL;
  if (c->max_frames < 1 || c->max_frames > (1ull << 32))
    return cfg_err(err, len, "max_frames: allowed range 1..2^32");
  if (c->swap_slots > (1ull << 32)) return cfg_err(err, len, "swap_slots: allowed range 0..2^32");
  if (c->stack_rlimit < FW_PAGE || c->stack_rlimit > (1ull << 40))
    return cfg_err(err, len, "stack_rlimit: allowed range 4096..2^40 bytes");
  if (c->stack_guard_gap > (1ull << 24))
    return cfg_err(err, len, "stack_guard_gap: allowed range 0..2^24 pages");
  if (c->fault_around_bytes > (2ull << 20) ||
      (c->fault_around_bytes & (c->fault_around_bytes - 1)))
    return cfg_err(err, len, "fault_around_bytes: a power of two up to 2 MiB, or 0");
  if (c->readaround_pages > 1024)
    return cfg_err(err, len, "readaround_pages: allowed range 0..1024");
  if (!(c->cost.clock_ghz >= 0.1 && c->cost.clock_ghz <= 100))
    return cfg_err(err, len, "cost.clock_ghz: allowed range 0.1..100");
  for (int i = 0; i < MMU_KC_COUNT; i++)
    if (!(c->cost.value[i] >= 0 && c->cost.value[i] <= 1e9)) {
      if (err && len) snprintf(err, len, "cost.%s: allowed range 0..1e9", k_cost_names[i]);
      return MMU_ERR_CONFIG;
    }
  return MMU_OK;
}

/* ---- charging (fw_charge: fw_internal.h) ---- */
void fw_syscall_begin(mmu_kernel_t *k) {
  memset(&k->sysrec, 0, sizeof k->sysrec);
  k->cur = &k->sysrec;
  k->cur_class = &k->st.syscall_cycles;
  fw_charge(k, MMU_KC_SYSCALL, 1);
}

void fw_syscall_end(mmu_kernel_t *k) {
  k->cur = NULL;
}

/* ---- create / destroy ---- */
static void kernel_free(void *ext);

mmu_status_t mmu_kernel_create(mmu_t *mmu, const mmu_kernel_config_t *cfg, mmu_kernel_t **out) {
  if (!mmu || !out) return MMU_ERR_NULL;
  *out = NULL;
  mmu_kernel_config_t def;
  if (!cfg) {
    mmu_kernel_config_default(&def);
    cfg = &def;
  }
  mmu_status_t s = mmu_kernel_config_validate(cfg, NULL, 0);
  if (s) return s;
  if (mmu->ext) return MMU_ERR_STATE; /* one kernel (or other layer) per MMU */
  mmu_kernel_t *k = calloc(1, sizeof *k);
  if (!k) return MMU_ERR_NOMEM;
  k->mmu = mmu;
  k->cfg = *cfg;
  k->rec_bytes = sizeof(mmu_kfault_rec_t);
  k->outcome_bytes = sizeof(mmu_koutcome_t);
  for (int i = 0; i < MMU_KC_COUNT; i++) k->cost[i] = mmu_kcost_cycles(&cfg->cost, i);
  int vb = mmu->fmt->va_bits;
  k->user_top = (1ull << (vb - 1)) - FW_PAGE; /* TASK_SIZE_MAX: the top page stays unmapped */
  uint64_t gap = cfg->stack_rlimit + cfg->stack_guard_gap * FW_PAGE;
  if (gap < (128ull << 20)) gap = 128ull << 20;
  if (gap > k->user_top / 6 * 5) gap = k->user_top / 6 * 5;
  k->mmap_base = (k->user_top - gap) & ~((2ull << 20) - 1);
  k->swap.nslots = cfg->swap_slots;
  if (cfg->swap_slots) {
    k->swap.data = calloc(cfg->swap_slots, sizeof *k->swap.data);
    k->swap.count = calloc(cfg->swap_slots, sizeof *k->swap.count);
  }
  if (cfg->swap_slots && (!k->swap.data || !k->swap.count)) {
    kernel_free(k);
    return MMU_ERR_NOMEM;
  }
  if ((s = mmu_frame_alloc(mmu, &k->kernel_page))) {
    kernel_free(k);
    return s;
  }
  static const char banner[] = "mmusim kernel page: supervisor only";
  mmu_phys_write(mmu, k->kernel_page, banner, sizeof banner);
  mmu->ext = k;
  mmu->ext_destroy = kernel_free;
  *out = k;
  return MMU_OK;
}

static void proc_free(mmu_kernel_t *k, fw_proc_t *p);

static void kernel_free(void *ext) {
  mmu_kernel_t *k = ext;
  if (!k) return;
  for (uint32_t pid = 1; pid <= FW_MAX_PID; pid++)
    if (k->procs[pid]) proc_free(k, k->procs[pid]);
  for (size_t i = 0; i < k->nfiles; i++)
    if (k->files[i].used) {
      fw_pc_drop_file(k, (uint32_t)i);
      close(k->files[i].host_fd);
      free(k->files[i].path);
    }
  /* Whatever is left in the page cache. */
  while (k->hand) {
    fw_frame_t *f = k->hand;
    if (f->pc) {
      fw_map_del(&k->pcache, ((uint64_t)f->pc->file << 44) | f->pc->pgoff);
      free(f->pc);
      f->pc = NULL;
    }
    f->refs = 1;
    f->pins = 0;
    fw_frame_put(k, f);
  }
  free(k->files);
  for (uint64_t i = 0; i < k->frame_dir_len; i++) free(k->frame_dir[i]);
  free(k->frame_dir);
  fw_map_free(&k->pcache);
  for (uint64_t i = 0; k->swap.data && i < k->swap.nslots; i++) free(k->swap.data[i]);
  free(k->swap.data);
  free(k->swap.count);
  if (k->kernel_page) mmu_frame_free(k->mmu, k->kernel_page);
  if (k->mmu->ext == k) {
    k->mmu->ext = NULL;
    k->mmu->ext_destroy = NULL;
  }
  free(k);
}

void mmu_kernel_destroy(mmu_kernel_t *k) {
  kernel_free(k);
}

mmu_t *mmu_kernel_mmu(mmu_kernel_t *k) {
  return k ? k->mmu : NULL;
}

const mmu_kernel_config_t *mmu_kernel_config(const mmu_kernel_t *k) {
  return k ? &k->cfg : NULL;
}

/* ---- processes ---- */
static mmu_status_t proc_new(mmu_kernel_t *k, fw_proc_t **out) {
  for (uint32_t pid = 1; pid <= FW_MAX_PID; pid++) {
    if (k->procs[pid]) continue;
    mmu_status_t s = mmu_space_create(k->mmu, (uint16_t)pid);
    if (s == MMU_ERR_ASID) continue; /* an ASID someone else uses */
    if (s) return s;
    fw_proc_t *p = calloc(1, sizeof *p);
    if (!p) {
      mmu_space_destroy(k->mmu, (uint16_t)pid);
      return MMU_ERR_NOMEM;
    }
    p->pid = pid;
    p->asid = (uint16_t)pid;
    /* The kernel's own page, supervisor-only and global, in every address space. */
    s = mmu_map(k->mmu, p->asid, MMU_KERNEL_VA, k->kernel_page, FW_PAGE,
                MMU_PERM_R | MMU_PERM_W | MMU_PERM_G, MMU_PAGE_4K);
    if (s) {
      mmu_space_destroy(k->mmu, p->asid);
      free(p);
      return s;
    }
    mmu_invalidate(k->mmu, MMU_INVAL_ASID, p->asid, 0); /* a reused ASID starts clean */
    k->procs[pid] = p;
    *out = p;
    return MMU_OK;
  }
  return MMU_ERR_ASID;
}

mmu_status_t mmu_proc_create(mmu_kernel_t *k, uint32_t *pid) {
  if (!k || !pid) return MMU_ERR_NULL;
  fw_proc_t *p;
  mmu_status_t s = proc_new(k, &p);
  if (!s) *pid = p->pid;
  return s;
}

mmu_status_t mmu_proc_asid(const mmu_kernel_t *k, uint32_t pid, uint16_t *asid) {
  if (!k || !asid) return MMU_ERR_NULL;
  fw_proc_t *p = fw_proc(k, pid);
  if (!p) return MMU_ERR_ARG;
  *asid = p->asid;
  return MMU_OK;
}

static void file_unref(mmu_kernel_t *k, int32_t file);

static void proc_free(mmu_kernel_t *k, fw_proc_t *p) {
  uint64_t *keys;
  size_t n;
  if (fw_pageset_keys(&p->pages, &keys, &n) == MMU_OK) {
    for (size_t i = 0; i < n; i++) fw_zap(k, p, keys[i] << 12, false);
    free(keys);
  }
  for (size_t i = 0; i < p->nvma; i++)
    if (p->vma[i].file >= 0) file_unref(k, p->vma[i].file);
  mmu_space_destroy(k->mmu, p->asid);
  mmu_invalidate(k->mmu, MMU_INVAL_ASID, p->asid, 0);
  k->procs[p->pid] = NULL;
  fw_pageset_free(&p->pages);
  free(p->vma);
  free(p);
}

mmu_status_t mmu_proc_exit(mmu_kernel_t *k, uint32_t pid) {
  if (!k) return MMU_ERR_NULL;
  fw_proc_t *p = fw_proc(k, pid);
  if (!p) return MMU_ERR_ARG;
  fw_syscall_begin(k);
  proc_free(k, p);
  fw_charge(k, MMU_KC_TLB_INVAL, 1);
  fw_syscall_end(k);
  return MMU_OK;
}

/* ---- files ---- */
mmu_status_t mmu_kfile_open(mmu_kernel_t *k, const char *path, int *fd) {
  if (!k || !path || !fd) return MMU_ERR_NULL;
  /* Read-only until a shared writable mapping needs write-back (file_make_writable): opening a
   * running executable for writing would make exec of it fail (ETXTBSY) while it is open. */
  int h = open(path, O_RDONLY | O_CLOEXEC);
  if (h < 0) return MMU_ERR_IO;
  struct stat sb;
  if (fstat(h, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    close(h);
    return MMU_ERR_IO;
  }
  size_t i = 0;
  while (i < k->nfiles && k->files[i].used) i++;
  if (i == k->nfiles) {
    fw_file_t *nf = realloc(k->files, (k->nfiles + 1) * sizeof *nf);
    if (!nf) {
      close(h);
      return MMU_ERR_NOMEM;
    }
    k->files = nf;
    k->nfiles++;
  }
  char *dup = strdup(path);
  if (!dup) {
    close(h);
    return MMU_ERR_NOMEM;
  }
  k->files[i] = (fw_file_t){.used = true, .open = true, .host_fd = h, .writable = false,
                            .path = dup, .maps = 0, .size = (uint64_t)sb.st_size};
  *fd = (int)i;
  return MMU_OK;
}

/* Reopens file fd for reading and writing (the first shared writable mapping of it): MMU_ERR_IO
 * if the host refuses, e.g. a read-only file or a running executable. Through /proc/self/fd
 * first, which reaches the open file even if its path was unlinked or renamed since. */
static mmu_status_t file_make_writable(mmu_kernel_t *k, int fd) {
  fw_file_t *f = &k->files[fd];
  if (f->writable) return MMU_OK;
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", f->host_fd);
  int h = open(self, O_RDWR | O_CLOEXEC);
  if (h < 0 && errno == ENOENT) h = open(f->path, O_RDWR | O_CLOEXEC); /* no /proc */
  if (h < 0) return MMU_ERR_IO;
  struct stat a, b;
  if (fstat(h, &a) != 0 || fstat(f->host_fd, &b) != 0 || a.st_dev != b.st_dev ||
      a.st_ino != b.st_ino) { /* the path now names another file */
    close(h);
    return MMU_ERR_IO;
  }
  close(f->host_fd);
  f->host_fd = h;
  f->writable = true;
  return MMU_OK;
}

static void file_release_if_unused(mmu_kernel_t *k, int32_t file) {
  fw_file_t *f = &k->files[file];
  if (f->open || f->maps) return;
  fw_pc_drop_file(k, (uint32_t)file);
  close(f->host_fd);
  free(f->path);
  memset(f, 0, sizeof *f);
}

static void file_unref(mmu_kernel_t *k, int32_t file) {
  if (file < 0 || (size_t)file >= k->nfiles || !k->files[file].used) return;
  if (k->files[file].maps) k->files[file].maps--;
  file_release_if_unused(k, file);
}

mmu_status_t mmu_kfile_close(mmu_kernel_t *k, int fd) {
  if (!k) return MMU_ERR_NULL;
  if (fd < 0 || (size_t)fd >= k->nfiles || !k->files[fd].used || !k->files[fd].open)
    return MMU_ERR_ARG;
  k->files[fd].open = false;
  file_release_if_unused(k, fd);
  return MMU_OK;
}

/* ---- VMAs (a sorted array per process) ---- */
static size_t vma_index(const fw_proc_t *p, uint64_t va) { /* first with end > va */
  size_t lo = 0, hi = p->nvma;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (p->vma[mid].end > va)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

fw_vma_t *fw_find_vma_slow(fw_proc_t *p, uint64_t va) {
  size_t i = vma_index(p, va);
  if (i >= p->nvma) return NULL;
  p->vma_last = i;
  return &p->vma[i];
}

fw_vma_t *fw_vma_prev(fw_proc_t *p, fw_vma_t *v) {
  return v > p->vma ? v - 1 : NULL;
}

static mmu_status_t vma_insert(fw_proc_t *p, const fw_vma_t *v) {
  if (p->nvma == p->capvma) {
    size_t cap = p->capvma ? p->capvma * 2 : 8;
    fw_vma_t *n = realloc(p->vma, cap * sizeof *n);
    if (!n) return MMU_ERR_NOMEM;
    p->vma = n;
    p->capvma = cap;
  }
  size_t i = vma_index(p, v->start);
  memmove(&p->vma[i + 1], &p->vma[i], (p->nvma - i) * sizeof *v);
  p->vma[i] = *v;
  p->nvma++;
  return MMU_OK;
}

/* Splits the VMA containing at (if it starts before at) so that a VMA starts at at. */
static mmu_status_t vma_split(mmu_kernel_t *k, fw_proc_t *p, uint64_t at) {
  size_t i = vma_index(p, at);
  if (i >= p->nvma || p->vma[i].start >= at) return MMU_OK;
  fw_vma_t hi = p->vma[i];
  hi.start = at;
  if (hi.file >= 0) hi.pgoff += (at - p->vma[i].start) / FW_PAGE;
  uint64_t old_end = p->vma[i].end;
  p->vma[i].end = at; /* first, so that the high part sorts after the low part */
  mmu_status_t s = vma_insert(p, &hi);
  if (s) {
    p->vma[i].end = old_end;
    return s;
  }
  if (hi.file >= 0) k->files[hi.file].maps++;
  return MMU_OK;
}

/* Pages of p in [a, b) that have a PTE (present or swap), ascending. */
static mmu_status_t pages_in(const fw_proc_t *p, uint64_t a, uint64_t b, uint64_t **out,
                             size_t *n) {
  *out = NULL;
  *n = 0;
  uint64_t span = (b - a) / FW_PAGE;
  if (span <= p->pages.count) {
    uint64_t *v = malloc((span ? span : 1) * sizeof *v);
    if (!v) return MMU_ERR_NOMEM;
    size_t c = 0;
    for (uint64_t va = a; va < b; va += FW_PAGE)
      if (fw_pageset_has(&p->pages, va >> 12)) v[c++] = va >> 12;
    *out = v;
    *n = c;
    return MMU_OK;
  }
  uint64_t *keys;
  size_t m;
  mmu_status_t s = fw_pageset_keys(&p->pages, &keys, &m);
  if (s) return s;
  size_t c = 0;
  for (size_t i = 0; i < m; i++)
    if (keys[i] >= a >> 12 && keys[i] < b >> 12) keys[c++] = keys[i];
  *out = keys;
  *n = c;
  return MMU_OK;
}

/* Linux flushes page by page up to tlb_single_page_flush_ceiling (33), else the whole ASID. */
#define FW_FLUSH_CEILING 33

static void flush_pages(mmu_kernel_t *k, fw_proc_t *p, const uint64_t *vpn, size_t n) {
  if (n > FW_FLUSH_CEILING) {
    mmu_invalidate(k->mmu, MMU_INVAL_ASID, p->asid, 0);
    fw_charge(k, MMU_KC_TLB_INVAL, 1);
    return;
  }
  for (size_t i = 0; i < n; i++) fw_tlb_page(k, p, vpn[i] << 12);
}

static mmu_status_t check_range(const mmu_kernel_t *k, uint64_t addr, uint64_t len,
                                uint64_t *end) {
  if (addr & (FW_PAGE - 1)) return MMU_ERR_ALIGN;
  if (len == 0) return MMU_ERR_ARG;
  uint64_t l = (len + FW_PAGE - 1) & FW_PAGE_MASK;
  if (l < len || addr >= k->user_top || l > k->user_top - addr) return MMU_ERR_RANGE;
  *end = addr + l;
  return MMU_OK;
}

static mmu_status_t do_munmap(mmu_kernel_t *k, fw_proc_t *p, uint64_t a, uint64_t b) {
  mmu_status_t s;
  if ((s = vma_split(k, p, a)) || (s = vma_split(k, p, b))) return s;
  uint64_t *vpn;
  size_t n;
  if ((s = pages_in(p, a, b, &vpn, &n))) return s;
  size_t present = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t va = vpn[i] << 12, pte = fw_pte_get(k, p, va);
    mmu_pte_fields_t fl;
    if (fw_pte_frame(k, pte, &fl)) {
      if (fl.present) vpn[present++] = vpn[i];
      fw_frame_t *f = fw_frame_of(k, fl.pa);
      fw_vma_t *v = fw_find_vma(p, va);
      /* A dirty page of a shared file mapping goes back to the file now. */
      if (f && f->pc && v && (v->flags & MMU_MAP_SHARED)) {
        if (fl.dirty && (fl.perm & MMU_PERM_W)) f->pc->dirty = true;
        fw_pc_writeback(k, f->pc);
      }
    }
    fw_zap(k, p, va, false);
  }
  flush_pages(k, p, vpn, present);
  free(vpn);
  size_t i = vma_index(p, a), j = i;
  while (j < p->nvma && p->vma[j].end <= b) {
    if (p->vma[j].start < a) break;
    j++;
  }
  for (size_t x = i; x < j; x++)
    if (p->vma[x].file >= 0) file_unref(k, p->vma[x].file);
  if (j > i) {
    memmove(&p->vma[i], &p->vma[j], (p->nvma - j) * sizeof *p->vma);
    p->nvma -= j - i;
  }
  return MMU_OK;
}

static bool range_free(fw_proc_t *p, uint64_t a, uint64_t b) {
  fw_vma_t *v = fw_find_vma(p, a);
  return !v || v->start >= b;
}

/* Top-down search for a free range of len bytes below the mmap base. */
static bool find_free(const mmu_kernel_t *k, fw_proc_t *p, uint64_t len, uint64_t *out) {
  uint64_t top = k->mmap_base;
  for (size_t i = p->nvma; i-- > 0;) {
    fw_vma_t *v = &p->vma[i];
    if (v->start >= top) continue;
    if (v->end <= top && top - v->end >= len) break;
    top = v->start;
  }
  if (top < len + 0x10000) return false; /* stay above mmap_min_addr */
  *out = top - len;
  return true;
}

mmu_status_t mmu_mmap(mmu_kernel_t *k, uint32_t pid, uint64_t addr, uint64_t len, uint32_t prot,
                      uint32_t flags, int fd, uint64_t offset, uint64_t *out_addr) {
  if (!k || !out_addr) return MMU_ERR_NULL;
  fw_proc_t *p = fw_proc(k, pid);
  if (!p) return MMU_ERR_ARG;
  if (prot & ~(MMU_PROT_READ | MMU_PROT_WRITE | MMU_PROT_EXEC)) return MMU_ERR_ARG;
  if (flags & ~(MMU_MAP_PRIVATE | MMU_MAP_SHARED | MMU_MAP_ANON | MMU_MAP_FIXED | MMU_MAP_STACK))
    return MMU_ERR_ARG;
  if (flags & MMU_MAP_STACK) flags |= MMU_MAP_ANON | MMU_MAP_PRIVATE;
  bool shared = flags & MMU_MAP_SHARED, priv = flags & MMU_MAP_PRIVATE;
  if (shared == priv) return MMU_ERR_ARG;
  bool anon = flags & MMU_MAP_ANON;
  if (anon && shared) return MMU_ERR_ARG; /* shared anonymous memory is not modelled */
  if (len == 0) return MMU_ERR_ARG;
  uint64_t l = (len + FW_PAGE - 1) & FW_PAGE_MASK;
  if (l < len || l > k->user_top) return MMU_ERR_RANGE;
  int32_t file = -1;
  if (!anon) {
    if (fd < 0 || (size_t)fd >= k->nfiles || !k->files[fd].used || !k->files[fd].open)
      return MMU_ERR_ARG;
    if (offset & (FW_PAGE - 1)) return MMU_ERR_ALIGN;
    if (shared && (prot & MMU_PROT_WRITE) && file_make_writable(k, fd)) return MMU_ERR_IO;
    file = fd;
  }
  uint64_t a = addr;
  if (flags & MMU_MAP_FIXED) {
    uint64_t end;
    mmu_status_t s = check_range(k, a, l, &end);
    if (s) return s;
  } else {
    a &= FW_PAGE_MASK;
    if (!a || a >= k->user_top || l > k->user_top - a || !range_free(p, a, a + l))
      if (!find_free(k, p, l, &a)) return MMU_ERR_NO_FRAME;
  }
  fw_syscall_begin(k);
  mmu_status_t s = MMU_OK;
  if (flags & MMU_MAP_FIXED) s = do_munmap(k, p, a, a + l);
  fw_vma_t v = {.start = a, .end = a + l, .prot = prot,
                .flags = flags & ~MMU_MAP_FIXED, .file = file, .pgoff = offset / FW_PAGE};
  if (!s) s = vma_insert(p, &v);
  if (!s && file >= 0) k->files[file].maps++;
  fw_syscall_end(k);
  if (!s) *out_addr = a;
  return s;
}

mmu_status_t mmu_munmap(mmu_kernel_t *k, uint32_t pid, uint64_t addr, uint64_t len) {
  if (!k) return MMU_ERR_NULL;
  fw_proc_t *p = fw_proc(k, pid);
  if (!p) return MMU_ERR_ARG;
  uint64_t end;
  mmu_status_t s = check_range(k, addr, len, &end);
  if (s) return s;
  fw_syscall_begin(k);
  s = do_munmap(k, p, addr, end);
  fw_syscall_end(k);
  return s;
}

mmu_status_t mmu_mprotect(mmu_kernel_t *k, uint32_t pid, uint64_t addr, uint64_t len,
                          uint32_t prot) {
  if (!k) return MMU_ERR_NULL;
  fw_proc_t *p = fw_proc(k, pid);
  if (!p) return MMU_ERR_ARG;
  if (prot & ~(MMU_PROT_READ | MMU_PROT_WRITE | MMU_PROT_EXEC)) return MMU_ERR_ARG;
  uint64_t end;
  mmu_status_t s = check_range(k, addr, len, &end);
  if (s) return s;
  /* Every page must be covered by a VMA (Linux: ENOMEM otherwise). */
  for (uint64_t a = addr; a < end;) {
    fw_vma_t *v = fw_find_vma(p, a);
    if (!v || v->start > a) return MMU_ERR_NOT_MAPPED;
    if (v->file >= 0 && (v->flags & MMU_MAP_SHARED) && (prot & MMU_PROT_WRITE) &&
        file_make_writable(k, v->file))
      return MMU_ERR_IO;
    a = v->end;
  }
  fw_syscall_begin(k);
  if ((s = vma_split(k, p, addr)) || (s = vma_split(k, p, end))) {
    fw_syscall_end(k);
    return s;
  }
  for (size_t i = vma_index(p, addr); i < p->nvma && p->vma[i].start < end; i++)
    p->vma[i].prot = prot;
  uint64_t *vpn;
  size_t n, changed = 0;
  if ((s = pages_in(p, addr, end, &vpn, &n))) {
    fw_syscall_end(k);
    return s;
  }
  for (size_t i = 0; i < n; i++) {
    uint64_t va = vpn[i] << 12, pte = fw_pte_get(k, p, va);
    mmu_pte_fields_t fl;
    if (!fw_pte_frame(k, pte, &fl)) continue; /* swap entries keep their slot */
    bool was_present = fl.present;
    fw_vma_t *v = fw_find_vma(p, va);
    fw_frame_t *f = fw_frame_of(k, fl.pa);
    uint64_t np;
    if (prot == MMU_PROT_NONE) {
      np = fw_protnone_pte(k, fl.pa);
    } else {
      /* W only where no fault is needed to grant it: an exclusive anonymous page, or a dirty
       * page of a shared file mapping. Everything else gets W from a write fault. */
      bool w = (was_present && (fl.perm & MMU_PERM_W)) || (f && !f->pc && f->refs == 1) ||
               (f && f->pc && (v->flags & MMU_MAP_SHARED) && f->pc->dirty);
      fl.present = true;
      fl.perm = fw_pte_perm(v, w);
      if (mmu_pte_encode(k->mmu, &fl, 0, &np)) continue;
    }
    if (np == pte) continue;
    fw_pte_write(k, p, va, np);
    if (was_present) vpn[changed++] = vpn[i];
  }
  flush_pages(k, p, vpn, changed);
  free(vpn);
  fw_syscall_end(k);
  return MMU_OK;
}

mmu_status_t mmu_msync(mmu_kernel_t *k, uint32_t pid, uint64_t addr, uint64_t len) {
  if (!k) return MMU_ERR_NULL;
  fw_proc_t *p = fw_proc(k, pid);
  if (!p) return MMU_ERR_ARG;
  uint64_t end;
  mmu_status_t s = check_range(k, addr, len, &end);
  if (s) return s;
  fw_vma_t *first = fw_find_vma(p, addr);
  if (!first || first->start >= end) return MMU_ERR_NOT_MAPPED;
  fw_syscall_begin(k);
  /* Every page-cache page behind a shared file VMA in the range, mapped here or not. */
  for (size_t i = vma_index(p, addr); i < p->nvma && p->vma[i].start < end && !s; i++) {
    fw_vma_t *v = &p->vma[i];
    if (v->file < 0 || !(v->flags & MMU_MAP_SHARED)) continue;
    uint64_t a = v->start > addr ? v->start : addr, b = v->end < end ? v->end : end;
    for (uint64_t va = a; va < b && !s; va += FW_PAGE) {
      fw_pcpage_t *pc = fw_pc_find(k, (uint32_t)v->file, v->pgoff + (va - v->start) / FW_PAGE);
      if (pc) s = fw_pc_writeback(k, pc);
    }
  }
  fw_syscall_end(k);
  return s;
}

mmu_status_t mmu_proc_fork(mmu_kernel_t *k, uint32_t parent, uint32_t *child) {
  if (!k || !child) return MMU_ERR_NULL;
  fw_proc_t *pp = fw_proc(k, parent), *c;
  if (!pp) return MMU_ERR_ARG;
  mmu_status_t s = proc_new(k, &c);
  if (s) return s;
  fw_syscall_begin(k);
  k->st.forks++;
  for (size_t i = 0; i < pp->nvma && !s; i++) {
    s = vma_insert(c, &pp->vma[i]);
    if (!s && pp->vma[i].file >= 0) k->files[pp->vma[i].file].maps++;
  }
  uint64_t *keys = NULL;
  size_t n = 0;
  if (!s) s = fw_pageset_keys(&pp->pages, &keys, &n);
  for (size_t i = 0; i < n && !s; i++) {
    uint64_t va = keys[i] << 12, pte = fw_pte_get(k, pp, va), slot;
    fw_vma_t *v = fw_find_vma(pp, va);
    /* Shared file mappings are not copied: the child faults them in from the page cache. */
    if (!v || v->start > va || (v->flags & MMU_MAP_SHARED)) continue;
    if (mmu_kpte_is_swap(pte, &slot)) {
      if (!(s = fw_pte_write(k, c, va, pte))) fw_swap_get(k, slot);
      continue;
    }
    mmu_pte_fields_t fl;
    fw_frame_t *f = fw_pte_frame(k, pte, &fl) ? fw_frame_of(k, fl.pa) : NULL;
    if (!f) continue;
    f->pins++;
    if (!fl.present) { /* PROT_NONE: the same non-present PTE, one more reference */
      if (!(s = fw_rmap_add(f, c->pid, va)) && !(s = fw_pte_write(k, c, va, pte))) f->refs++;
      fw_frame_unpin(k, f);
      continue;
    }
    if (fl.perm & MMU_PERM_W) { /* write-protect the parent's copy */
      fl.perm &= ~MMU_PERM_W;
      uint64_t ro;
      mmu_pte_encode(k->mmu, &fl, 0, &ro);
      s = fw_pte_write(k, pp, va, ro);
    }
    if (!s) s = fw_map_frame(k, c, va, f, fl.perm, fl.dirty);
    fw_frame_unpin(k, f);
  }
  free(keys);
  /* The parent's TLB may hold writable entries: flush its ASID (flush_tlb_mm). */
  mmu_invalidate(k->mmu, MMU_INVAL_ASID, pp->asid, 0);
  fw_charge(k, MMU_KC_TLB_INVAL, 1);
  if (s) {
    proc_free(k, c);
    fw_syscall_end(k);
    return s;
  }
  fw_syscall_end(k);
  *child = c->pid;
  return MMU_OK;
}

/* ---- inspection ---- */
static void vma_info(const fw_vma_t *v, mmu_vma_info_t *o) {
  o->start = v->start;
  o->end = v->end;
  o->prot = v->prot;
  o->flags = v->flags;
  o->grows_down = v->flags & MMU_MAP_STACK;
  o->kind = v->file >= 0 ? MMU_VMA_FILE : o->grows_down ? MMU_VMA_STACK : MMU_VMA_ANON;
  o->fd = v->file;
  o->offset = v->pgoff * FW_PAGE;
}

mmu_status_t mmu_proc_vma(const mmu_kernel_t *k, uint32_t pid, uint64_t va, mmu_vma_info_t *out) {
  if (!k || !out) return MMU_ERR_NULL;
  fw_proc_t *p = fw_proc(k, pid);
  if (!p) return MMU_ERR_ARG;
  fw_vma_t *v = fw_find_vma(p, va);
  if (!v || v->start > va) return MMU_ERR_NOT_MAPPED;
  vma_info(v, out);
  return MMU_OK;
}

size_t mmu_proc_vma_count(const mmu_kernel_t *k, uint32_t pid) {
  fw_proc_t *p = k ? fw_proc(k, pid) : NULL;
  return p ? p->nvma : 0;
}

mmu_status_t mmu_kframe_info(const mmu_kernel_t *k, uint64_t pa, mmu_kframe_info_t *out) {
  if (!k || !out) return MMU_ERR_NULL;
  memset(out, 0, sizeof *out);
  fw_frame_t *f = fw_frame_of(k, pa & FW_PAGE_MASK);
  if (!f) return MMU_OK;
  out->managed = true;
  out->refs = f->refs;
  out->mappings = f->nrmap;
  out->page_cache = f->pc != NULL;
  out->dirty = f->pc && f->pc->dirty;
  return MMU_OK;
}

uint64_t mmu_kswap_used(const mmu_kernel_t *k) {
  return k ? k->swap.used : 0;
}

uint32_t mmu_kswap_count(const mmu_kernel_t *k, uint64_t slot) {
  return k && slot < k->swap.nslots ? k->swap.count[slot] : 0;
}

uint64_t mmu_kframes_used(const mmu_kernel_t *k) {
  return k ? k->nframes : 0;
}
