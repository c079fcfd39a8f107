/* fw_internal.h — the fault-handling kernel's data structures (see docs/firmware.md). */
#ifndef MMU_FW_INTERNAL_H
#define MMU_FW_INTERNAL_H

#include "mmusim.h"
#include "mmu.h"

#define FW_PAGE 4096ull
#define FW_PAGE_MASK (~(FW_PAGE - 1))
#define FW_MAX_PID MMU_MAX_ASID /* pid == asid, 1..MMU_MAX_ASID */

/* ---- an open-addressing hash map uint64 -> uint64 (no globals, grows by doubling) ---- */
typedef struct fw_map {
  uint64_t *keys, *vals;
  uint8_t *state; /* 0 empty, 1 used, 2 deleted */
  size_t cap, used, tomb;
} fw_map_t;

void fw_map_free(fw_map_t *m);
bool fw_map_get(const fw_map_t *m, uint64_t key, uint64_t *val);
mmu_status_t fw_map_put(fw_map_t *m, uint64_t key, uint64_t val);
bool fw_map_del(fw_map_t *m, uint64_t key);
/* Copies the keys (sorted ascending) into a new array; *n its length. NULL + n=0 when empty. */
mmu_status_t fw_map_keys(const fw_map_t *m, uint64_t **keys, size_t *n);

/* ---- a set of page numbers: 512-bit leaves (one per 2 MiB of address space) found through an
 * fw_map, so that neighbouring pages share a leaf and a cache line ---- */
#define FW_PLEAF_SHIFT 9
typedef struct fw_pleaf {
  uint64_t bits[(1u << FW_PLEAF_SHIFT) / 64];
  uint32_t n; /* bits set */
} fw_pleaf_t;

typedef struct fw_pageset {
  fw_map_t leaves; /* vpn >> FW_PLEAF_SHIFT -> fw_pleaf_t * */
  size_t count;    /* pages in the set */
  uint64_t last_key;
  fw_pleaf_t *last; /* the leaf used last, or NULL */
} fw_pageset_t;

void fw_pageset_free(fw_pageset_t *s);
bool fw_pageset_has(const fw_pageset_t *s, uint64_t vpn);
mmu_status_t fw_pageset_add_slow(fw_pageset_t *s, uint64_t vpn);
/* Inline when vpn is in the leaf used last: faults, fork and munmap go through a region's pages
 * in turn, and a PTE rewritten in place (COW) finds its bit set already. */
static inline mmu_status_t fw_pageset_add(fw_pageset_t *s, uint64_t vpn) {
  fw_pleaf_t *l = s->last;
  if (!l || s->last_key != vpn >> FW_PLEAF_SHIFT) return fw_pageset_add_slow(s, vpn);
  unsigned b = (unsigned)(vpn & ((1u << FW_PLEAF_SHIFT) - 1));
  uint64_t bit = 1ull << (b % 64), *w = &l->bits[b / 64];
  if (!(*w & bit)) {
    *w |= bit;
    l->n++;
    s->count++;
  }
  return MMU_OK;
}
void fw_pageset_del(fw_pageset_t *s, uint64_t vpn);
/* Copies the page numbers (ascending) into a new array; *n its length. NULL + n=0 when empty. */
mmu_status_t fw_pageset_keys(const fw_pageset_t *s, uint64_t **keys, size_t *n);

/* ---- frames ---- */
typedef struct fw_rmap {
  uint32_t pid;
  uint64_t va;
} fw_rmap_t;

typedef struct fw_pcpage fw_pcpage_t;

#define FW_RMAP_INLINE 2

/* Frames live in chunks of a table indexed by frame number (see fw_frame_of); a frame struct
 * never moves, and is reused when its physical frame is allocated again. */
typedef struct fw_frame {
  uint64_t pa;
  bool live; /* allocated by the kernel (else a free slot of the frame table) */
  uint32_t refs; /* mappings + 1 while in the page cache */
  uint32_t pins; /* held by an operation in progress: reclaim skips it */
  bool referenced; /* software referenced bit (page-cache lookups) */
  fw_pcpage_t *pc; /* non-NULL: a page-cache frame */
  fw_rmap_t *rmap; /* rmap_inline until more than FW_RMAP_INLINE mappings */
  uint32_t nrmap, caprmap;
  struct fw_frame *prev, *next; /* the clock ring */
  fw_rmap_t rmap_inline[FW_RMAP_INLINE];
} fw_frame_t;

#define FW_FRAME_CHUNK_SHIFT 9 /* frame structs per chunk of the frame table: 512 */

struct fw_pcpage {
  uint32_t file;
  uint64_t pgoff;
  fw_frame_t *frame;
  bool dirty;
};

typedef struct fw_file {
  bool used;
  bool open;      /* the descriptor is still open */
  int host_fd;
  bool writable;
  char *path;
  uint32_t maps;  /* VMAs that reference it */
  uint64_t size;  /* bytes, refreshed with fstat on each disk read */
} fw_file_t;

typedef struct fw_vma {
  uint64_t start, end;
  uint32_t prot, flags;
  int32_t file; /* -1 anonymous */
  uint64_t pgoff;
} fw_vma_t;

typedef struct fw_proc {
  uint32_t pid;
  uint16_t asid;
  fw_vma_t *vma;
  size_t nvma, capvma;
  size_t vma_last;    /* index of the VMA fw_find_vma found last (a hint, checked on use) */
  fw_pageset_t pages; /* the vpn of every PTE this process has (present or swap entry) */
  /* The leaf page table of the 2 MiB region looked up last (fw_pte_get_at): its key is
   * (va >> 21) + 1, 0 = none; valid while mmu_mem_table_gen is lt_gen. */
  uint64_t lt_key, lt_table, lt_gen;
  uint64_t signals;
} fw_proc_t;

typedef struct fw_swap {
  uint64_t nslots, used, hint;
  uint8_t **data;  /* host copy of each slot's page */
  uint32_t *count; /* PTEs that refer to the slot */
} fw_swap_t;

struct mmu_kernel {
  mmu_t *mmu;
  mmu_kernel_config_t cfg;
  uint64_t cost[MMU_KC_COUNT]; /* cycles per item */
  uint64_t user_top;           /* first non-user address (canonical lower half) */
  uint64_t mmap_base;
  uint64_t kernel_page;        /* the supervisor page mapped at MMU_KERNEL_VA */
  fw_proc_t *procs[FW_MAX_PID + 1];
  fw_frame_t **frame_dir;      /* pfn >> FW_FRAME_CHUNK_SHIFT -> chunk of frame structs */
  uint64_t frame_dir_len;
  fw_frame_t *hand;            /* clock hand; NULL when no frames */
  uint64_t nframes;
  fw_map_t pcache;             /* file << 44 | pgoff -> fw_pcpage_t * */
  fw_file_t *files;
  size_t nfiles;
  fw_swap_t swap;
  mmu_kfault_handler_t handler;
  void *handler_ctx;
  mmu_kfault_log_t log;
  void *log_ctx;
  mmu_kfault_rec_t *cur; /* record being charged: a fault, or sysrec during a syscall */
  uint64_t *cur_class;   /* with cur: &st.fault_cycles, or &st.syscall_cycles for sysrec */
  mmu_kfault_rec_t sysrec;
  bool in_handler;
  mmu_kstats_t st;
  /* sizeof(mmu_kfault_rec_t) and sizeof(mmu_koutcome_t), read at run time so that clearing and
   * copying them (every fault) calls memset/memcpy: gcc inlines known sizes as rep stos/movs,
   * which start slowly (tens of cycles each). */
  size_t rec_bytes, outcome_bytes;
};

/* ---- kernel.c ---- */
static inline fw_proc_t *fw_proc(const mmu_kernel_t *k, uint32_t pid) {
  return pid >= 1 && pid <= FW_MAX_PID ? k->procs[pid] : NULL;
}
/* Charges n of a cost item to the record being charged (if any) and to the statistics; inline:
 * a fault charges five to eight items. */
static inline void fw_charge(mmu_kernel_t *k, mmu_kcost_item_t item, uint32_t n) {
  mmu_kfault_rec_t *r = k->cur;
  if (!r || !n) return;
  uint64_t c = k->cost[item] * n;
  r->items[item] += c;
  r->counts[item] += n;
  r->kernel_cycles += c;
  k->st.item_cycles[item] += c;
  k->st.item_counts[item] += n;
  k->st.kernel_cycles += c;
  *k->cur_class += c;
}
void fw_syscall_begin(mmu_kernel_t *k);
void fw_syscall_end(mmu_kernel_t *k);
fw_vma_t *fw_find_vma_slow(fw_proc_t *p, uint64_t va);
/* The first VMA with end > va, or NULL. The VMA found last is tried first (faults come in runs
 * within one VMA): if it contains va it is that VMA, whatever changed since. */
static inline fw_vma_t *fw_find_vma(fw_proc_t *p, uint64_t va) {
  size_t i = p->vma_last;
  if (i < p->nvma && p->vma[i].start <= va && va < p->vma[i].end) return &p->vma[i];
  return fw_find_vma_slow(p, va);
}
fw_vma_t *fw_vma_prev(fw_proc_t *p, fw_vma_t *v);
static inline uint32_t fw_pte_perm(const fw_vma_t *v, bool writable) {
  uint32_t perm = MMU_PERM_R | MMU_PERM_U;
  if (v->prot & MMU_PROT_EXEC) perm |= MMU_PERM_X;
  if (writable && (v->prot & MMU_PROT_WRITE)) perm |= MMU_PERM_W;
  return perm;
}

/* ---- mm.c: frames, PTEs, page cache, swap, reclaim ---- */
/* The live frame at pa, or NULL. */
static inline fw_frame_t *fw_frame_of(const mmu_kernel_t *k, uint64_t pa) {
  uint64_t pfn = pa >> 12, c = pfn >> FW_FRAME_CHUNK_SHIFT;
  if (c >= k->frame_dir_len || !k->frame_dir[c]) return NULL;
  fw_frame_t *f = &k->frame_dir[c][pfn & ((1u << FW_FRAME_CHUNK_SHIFT) - 1)];
  return f->live ? f : NULL;
}
/* Allocates a frame (reclaiming if the limit is reached), charged FRAME_ALLOC. NULL = OOM. */
fw_frame_t *fw_frame_new(mmu_kernel_t *k);
void fw_frame_put(mmu_kernel_t *k, fw_frame_t *f); /* drop one reference; frees at 0 */
void fw_frame_free(mmu_kernel_t *k, fw_frame_t *f); /* returns it to the model (unreferenced) */
/* Drops one pin; frees the frame if unreferenced. Inline: a fault unpins one or two frames. */
static inline void fw_frame_unpin(mmu_kernel_t *k, fw_frame_t *f) {
  if (f->pins) f->pins--;
  if (!f->refs && !f->pins) fw_frame_free(k, f);
}
mmu_status_t fw_rmap_grow(fw_frame_t *f);
/* Inline: a COW fault removes one mapping and adds another. */
static inline mmu_status_t fw_rmap_add(fw_frame_t *f, uint32_t pid, uint64_t va) {
  if (f->nrmap == f->caprmap) {
    mmu_status_t s = fw_rmap_grow(f);
    if (s) return s;
  }
  f->rmap[f->nrmap++] = (fw_rmap_t){pid, va};
  return MMU_OK;
}
static inline void fw_rmap_del(fw_frame_t *f, uint32_t pid, uint64_t va) {
  for (uint32_t i = 0; i < f->nrmap; i++)
    if (f->rmap[i].pid == pid && f->rmap[i].va == va) {
      f->rmap[i] = f->rmap[--f->nrmap];
      return;
    }
}

uint64_t fw_protnone_pte(const mmu_kernel_t *k, uint64_t pa);
/* mmu_pte_decode of a leaf-level (4 KiB) entry, inline: every fault at a present page decodes
 * its PTE, and the API function's checks and field clearing cost as much as the decoding. */
static inline void fw_pte_decode(const mmu_kernel_t *k, uint64_t pte, mmu_pte_fields_t *f) {
  const mmu_ctrl_t nxe = {.nxe = true}; /* as mmu_pte_decode: NX is a bit, not reserved */
  mmu_pte_dec_t d;
  mmu_pte_decode_fmt(k->mmu->fmt, pte, 0, &nxe, k->mmu->cfg.pa_bits, &d);
  mmu_pte_fields_of(&d, f);
}
/* Whether perm is one fw_pte_perm gives: R, U, maybe W and X, which every format accepts. */
static inline bool fw_perm_plain(uint32_t perm) {
  return (perm & ~(MMU_PERM_R | MMU_PERM_W | MMU_PERM_X | MMU_PERM_U)) == 0 && (perm & MMU_PERM_R);
}
/* mmu_pte_encode of a present 4 KiB leaf with A set, for a plain perm (fw_perm_plain) and a frame
 * address: nothing to check, so it cannot fail. */
static inline uint64_t fw_pte_leaf(const mmu_kernel_t *k, uint64_t pa, uint32_t perm, bool dirty) {
  return mmu_pte_leaf(k->mmu->fmt, pa, perm, 0, true, dirty);
}
/* Whether pte refers to a frame (present, or PROT_NONE); *fl decoded either way. */
bool fw_pte_frame(const mmu_kernel_t *k, uint64_t pte, mmu_pte_fields_t *fl);
/* Raw PTE of va (0 if no leaf-level entry). */
uint64_t fw_pte_get(const mmu_kernel_t *k, fw_proc_t *p, uint64_t va);
/* The same, and *at the physical address of the entry (FW_NO_SLOT if there is no leaf table).
 * The kernel never frees page tables of a live process: the address stays valid for the rest of
 * a fault or system call, and spares fw_pte_write_at a second walk. */
#define FW_NO_SLOT UINT64_MAX
uint64_t fw_pte_get_at(const mmu_kernel_t *k, fw_proc_t *p, uint64_t va, uint64_t *at);
/* Writes a PTE (charged PTE_UPDATE) and keeps p->pages in step. */
mmu_status_t fw_pte_write(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, uint64_t pte);
/* The same, at the entry's address from fw_pte_get_at (FW_NO_SLOT: found by a walk). */
mmu_status_t fw_pte_write_at(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, uint64_t at,
                             uint64_t pte);
/* Maps frame f at va with perm (refs/rmap updated); at as for fw_pte_write_at. */
mmu_status_t fw_map_frame_at(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, fw_frame_t *f,
                             uint32_t perm, bool dirty, uint64_t at);
mmu_status_t fw_map_frame(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, fw_frame_t *f,
                          uint32_t perm, bool dirty);
/* Removes whatever PTE p has at va: frame reference, swap slot, TLB entry (if inval). */
void fw_zap(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, bool inval);
void fw_tlb_page(mmu_kernel_t *k, fw_proc_t *p, uint64_t va);

fw_pcpage_t *fw_pc_find(mmu_kernel_t *k, uint32_t file, uint64_t pgoff);
/* Finds or reads in (with read-around) the page-cache page; *major set when the disk was read.
 * NULL with *st set on failure (MMU_ERR_NO_FRAME, MMU_ERR_IO). */
fw_pcpage_t *fw_pc_get(mmu_kernel_t *k, uint32_t file, uint64_t pgoff, bool *major,
                       mmu_status_t *st);
mmu_status_t fw_pc_writeback(mmu_kernel_t *k, fw_pcpage_t *pc);
void fw_pc_drop_file(mmu_kernel_t *k, uint32_t file); /* write back and drop unmapped pages */

uint64_t fw_swap_pte(uint64_t slot);
void fw_swap_get(mmu_kernel_t *k, uint64_t slot);
void fw_swap_put(mmu_kernel_t *k, uint64_t slot);

/* ---- fault.c ---- */
mmu_kverdict_t fw_handle(mmu_kernel_t *k, mmu_kfault_rec_t *rec);
/* user = false: a kernel-mode access to the process's memory, with RFLAGS.AC = stac. */
mmu_status_t fw_access(mmu_kernel_t *k, uint32_t pid, uint64_t va, mmu_op_t op, void *rbuf,
                       const void *wbuf, size_t len, bool user, bool stac, mmu_koutcome_t *out);
mmu_status_t fw_user_access(mmu_kernel_t *k, uint32_t pid, uint64_t va, mmu_op_t op, void *rbuf,
                            const void *wbuf, size_t len, mmu_koutcome_t *out);

#endif
