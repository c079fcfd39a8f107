/* fw_mm.c — the kernel's memory management: frames with reference counts and reverse maps, the
 * clock (second-chance) reclaim, the swap device, the page cache over host files, PTE edits. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fw_internal.h"

/* ---- PTEs ---- */
uint64_t fw_swap_pte(uint64_t slot) {
  return (slot << 12) | MMU_SWAP_PTE_TAG;
}

bool mmu_kpte_is_swap(uint64_t pte, uint64_t *slot) {
  if ((pte & 0xfffu) != MMU_SWAP_PTE_TAG) return false;
  if (slot) *slot = (pte >> 12) & ((1ull << 40) - 1);
  return true;
}

/* The address of va's leaf-level entry, FW_NO_SLOT if there is no leaf table. Faults, munmap
 * and fork go through the pages of a region in turn: the region's leaf table is remembered, and
 * the walk (four or five decoded levels) is only needed for a new region, or after the model
 * freed or overwrote a page-table frame (a custom handler's mmu_unmap, say). */
static uint64_t leaf_slot(const mmu_kernel_t *k, fw_proc_t *p, uint64_t va) {
  uint64_t key = (va >> 21) + 1, gen = mmu_mem_table_gen(k->mmu->mem);
  if (p->lt_key != key || p->lt_gen != gen) {
    mmu_pte_ref_t r;
    if (mmu_pte_lookup(k->mmu, p->asid, va, &r) != MMU_OK || r.level != 0) return FW_NO_SLOT;
    p->lt_key = key;
    p->lt_table = r.pte_addr & FW_PAGE_MASK;
    p->lt_gen = gen;
  }
  return p->lt_table + 8 * ((va >> 12) & 511);
}

uint64_t fw_pte_get_at(const mmu_kernel_t *k, fw_proc_t *p, uint64_t va, uint64_t *at) {
  uint64_t pte = 0;
  *at = leaf_slot(k, p, va);
  if (*at != FW_NO_SLOT) mmu_mem_read64(k->mmu->mem, *at, &pte);
  return pte;
}

uint64_t fw_pte_get(const mmu_kernel_t *k, fw_proc_t *p, uint64_t va) {
  uint64_t at;
  return fw_pte_get_at(k, p, va, &at);
}

static bool pte_present(const mmu_kernel_t *k, uint64_t pte, mmu_pte_fields_t *f) {
  mmu_pte_fields_t tmp;
  if (!f) f = &tmp;
  mmu_pte_decode(k->mmu, pte, 0, f);
  return f->present;
}

/* PROT_NONE pages keep their frame behind a PTE with P (V) clear: the present encoding of a
 * read-only user page with the present bit removed (Linux's _PAGE_PROTNONE). Its low bits have
 * U (x86 bit 2, RISC-V bit 4) set, so it never looks like a swap entry. */
uint64_t fw_protnone_pte(const mmu_kernel_t *k, uint64_t pa) {
  mmu_pte_fields_t fl = {.present = true, .accessed = true, .perm = MMU_PERM_R | MMU_PERM_U,
                         .pa = pa};
  uint64_t pte = 0;
  mmu_pte_encode(k->mmu, &fl, 0, &pte);
  return pte & ~1ull;
}

bool fw_pte_frame(const mmu_kernel_t *k, uint64_t pte, mmu_pte_fields_t *fl) {
  mmu_pte_decode(k->mmu, pte, 0, fl);
  if (fl->present) return true;
  return pte && !mmu_kpte_is_swap(pte, NULL);
}

/* Allocating page-table levels may need a frame: reclaim and try again. */
static bool reclaim_one(mmu_kernel_t *k);

/* The write of the PTE at va: at its leaf slot when the caller knows it, else through the walk
 * (allocating page-table levels, reclaiming a frame for them if need be). */
static mmu_status_t pte_store_walk(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, uint64_t pte) {
  uint64_t at = leaf_slot(k, p, va);
  if (at != FW_NO_SLOT) /* what mmu_pte_set writes, where its walk would end */
    return mmu_mem_write64(k->mmu->mem, at, pte) ? MMU_OK : MMU_ERR_NOMEM;
  mmu_status_t s;
  for (int tries = 0;; tries++) {
    s = mmu_pte_set(k->mmu, p->asid, va, pte);
    if (s != MMU_ERR_NO_FRAME || tries == 4 || !reclaim_one(k)) break;
  }
  return s;
}

/* A PTE write with its bookkeeping: the charge, and p->pages, which holds exactly the pages whose
 * PTE is not zero. A page joins the set before its PTE is written, so that a host allocation
 * failure there leaves the PTE as it was (never a PTE the caller then undoes the frame of); a
 * write that fails takes the page out again if it still has no PTE. Inline: every fault. */
static inline mmu_status_t pte_write_at(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, uint64_t at,
                                        uint64_t pte) {
  mmu_status_t s = pte ? fw_pageset_add(&p->pages, va >> 12) : MMU_OK;
  if (s) return s;
  if (at == FW_NO_SLOT)
    s = pte_store_walk(k, p, va, pte);
  else if (!mmu_mem_write64(k->mmu->mem, at, pte))
    s = MMU_ERR_NOMEM;
  if (s) {
    if (pte && !fw_pte_get(k, p, va)) fw_pageset_del(&p->pages, va >> 12);
    return s;
  }
  fw_charge(k, MMU_KC_PTE_UPDATE, 1);
  if (!pte) fw_pageset_del(&p->pages, va >> 12);
  return MMU_OK;
}

mmu_status_t fw_pte_write_at(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, uint64_t at,
                             uint64_t pte) {
  return pte_write_at(k, p, va, at, pte);
}

mmu_status_t fw_pte_write(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, uint64_t pte) {
  return fw_pte_write_at(k, p, va, FW_NO_SLOT, pte);
}

void fw_tlb_page(mmu_kernel_t *k, fw_proc_t *p, uint64_t va) {
  mmu_core_invalidate(k->mmu, MMU_INVAL_PAGE, p->asid, va); /* mmu_invalidate minus its checks */
  fw_charge(k, MMU_KC_TLB_INVAL, 1);
}

/* ---- frames ---- */
/* The frame-table slot of pfn, allocating the directory and chunk as needed; NULL = no memory. */
static fw_frame_t *frame_slot(mmu_kernel_t *k, uint64_t pfn) {
  uint64_t c = pfn >> FW_FRAME_CHUNK_SHIFT;
  if (c >= k->frame_dir_len) {
    uint64_t len = c + 1 > 2 * k->frame_dir_len ? c + 1 : 2 * k->frame_dir_len;
    fw_frame_t **d = realloc(k->frame_dir, len * sizeof *d);
    if (!d) return NULL;
    memset(d + k->frame_dir_len, 0, (len - k->frame_dir_len) * sizeof *d);
    k->frame_dir = d;
    k->frame_dir_len = len;
  }
  if (!k->frame_dir[c] &&
      !(k->frame_dir[c] = calloc(1u << FW_FRAME_CHUNK_SHIFT, sizeof **k->frame_dir)))
    return NULL;
  return &k->frame_dir[c][pfn & ((1u << FW_FRAME_CHUNK_SHIFT) - 1)];
}

mmu_status_t fw_rmap_grow(fw_frame_t *f) {
  uint32_t cap = f->caprmap * 2;
  bool inl = f->rmap == f->rmap_inline;
  fw_rmap_t *r = inl ? malloc(cap * sizeof *r) : realloc(f->rmap, cap * sizeof *r);
  if (!r) return MMU_ERR_NOMEM;
  if (inl) memcpy(r, f->rmap_inline, f->nrmap * sizeof *r);
  f->rmap = r;
  f->caprmap = cap;
  return MMU_OK;
}

static void ring_insert(mmu_kernel_t *k, fw_frame_t *f) {
  if (!k->hand) {
    f->next = f->prev = f;
    k->hand = f;
  } else { /* just behind the hand: the last frame the clock will look at */
    f->next = k->hand;
    f->prev = k->hand->prev;
    k->hand->prev->next = f;
    k->hand->prev = f;
  }
  k->nframes++;
}

static void ring_remove(mmu_kernel_t *k, fw_frame_t *f) {
  if (k->hand == f) k->hand = f->next == f ? NULL : f->next;
  f->prev->next = f->next;
  f->next->prev = f->prev;
  k->nframes--;
}

void fw_frame_free(mmu_kernel_t *k, fw_frame_t *f) {
  ring_remove(k, f);
  mmu_frame_free(k->mmu, f->pa);
  fw_charge(k, MMU_KC_FRAME_FREE, 1);
  k->st.frames_used = k->nframes;
  if (f->rmap != f->rmap_inline) free(f->rmap);
  f->live = false;
}

void fw_frame_put(mmu_kernel_t *k, fw_frame_t *f) {
  if (f->refs) f->refs--;
  if (!f->refs && !f->pins) fw_frame_free(k, f);
}

fw_frame_t *fw_frame_new(mmu_kernel_t *k) {
  if (k->nframes >= k->cfg.max_frames) reclaim_one(k);
  if (k->nframes >= k->cfg.max_frames) return NULL;
  uint64_t pa;
  mmu_status_t s = mmu_mem_frame_alloc(k->mmu->mem, &pa); /* mmu_frame_alloc, no wrapper */
  if (s == MMU_ERR_NO_FRAME && reclaim_one(k)) s = mmu_mem_frame_alloc(k->mmu->mem, &pa);
  if (s) return NULL;
  fw_frame_t *f = frame_slot(k, pa >> 12);
  if (!f) {
    mmu_frame_free(k->mmu, pa);
    return NULL;
  }
  /* Field by field: a struct assignment compiles to rep stos, whose stores the reads of f that
   * follow cannot take from the store buffer. */
  f->pa = pa;
  f->live = true;
  f->refs = 0;
  f->pins = 1;
  f->referenced = false;
  f->pc = NULL;
  f->rmap = f->rmap_inline;
  f->nrmap = 0;
  f->caprmap = FW_RMAP_INLINE;
  ring_insert(k, f);
  fw_charge(k, MMU_KC_FRAME_ALLOC, 1);
  k->st.frames_used = k->nframes;
  if (k->nframes > k->st.frames_peak) k->st.frames_peak = k->nframes;
  return f;
}

mmu_status_t fw_map_frame_at(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, fw_frame_t *f,
                             uint32_t perm, bool dirty, uint64_t at) {
  /* As Linux on x86: a new PTE has A set (vm_page_prot carries _PAGE_ACCESSED), and D set when
   * it is mapped for a write. */
  uint64_t pte;
  mmu_status_t s;
  if (fw_perm_plain(perm)) {
    pte = fw_pte_leaf(k, f->pa, perm, dirty);
  } else { /* G, a protection key, or a combination a format may refuse (fork copies PTEs) */
    mmu_pte_fields_t fl = {
        .present = true, .accessed = true, .dirty = dirty, .perm = perm, .pa = f->pa};
    if ((s = mmu_pte_encode(k->mmu, &fl, 0, &pte))) return s;
  }
  if ((s = fw_rmap_add(f, p->pid, va & FW_PAGE_MASK))) return s;
  f->refs++;
  f->pins++; /* the PTE write may reclaim: this frame must stay */
  s = pte_write_at(k, p, va & FW_PAGE_MASK, at, pte);
  f->pins--;
  if (s) {
    fw_rmap_del(f, p->pid, va & FW_PAGE_MASK);
    f->refs--;
  }
  return s;
}

mmu_status_t fw_map_frame(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, fw_frame_t *f,
                          uint32_t perm, bool dirty) {
  return fw_map_frame_at(k, p, va, f, perm, dirty, FW_NO_SLOT);
}

/* ---- swap ---- */
void fw_swap_get(mmu_kernel_t *k, uint64_t slot) {
  if (slot < k->swap.nslots) k->swap.count[slot]++;
}

void fw_swap_put(mmu_kernel_t *k, uint64_t slot) {
  fw_swap_t *sw = &k->swap;
  if (slot >= sw->nslots || !sw->count[slot]) return;
  if (--sw->count[slot] == 0) {
    free(sw->data[slot]);
    sw->data[slot] = NULL;
    sw->used--;
  }
}

static bool swap_alloc(mmu_kernel_t *k, uint64_t *slot) {
  fw_swap_t *sw = &k->swap;
  if (sw->used >= sw->nslots) return false;
  for (uint64_t n = 0; n < sw->nslots; n++) {
    uint64_t s = (sw->hint + n) % sw->nslots;
    if (sw->data[s]) continue;
    if (!(sw->data[s] = malloc(FW_PAGE))) return false;
    sw->count[s] = 0;
    sw->used++;
    sw->hint = s + 1;
    *slot = s;
    return true;
  }
  return false;
}

/* ---- page cache ---- */
static uint64_t pc_key(uint32_t file, uint64_t pgoff) {
  return ((uint64_t)file << 44) | pgoff;
}

fw_pcpage_t *fw_pc_find(mmu_kernel_t *k, uint32_t file, uint64_t pgoff) {
  uint64_t v;
  return fw_map_get(&k->pcache, pc_key(file, pgoff), &v) ? (fw_pcpage_t *)(uintptr_t)v : NULL;
}

static uint64_t file_size(mmu_kernel_t *k, uint32_t file) {
  fw_file_t *f = &k->files[file];
  struct stat sb;
  if (fstat(f->host_fd, &sb) == 0) f->size = (uint64_t)sb.st_size;
  return f->size;
}

/* Reads one file page into a new page-cache frame; the frame comes back pinned. */
static fw_pcpage_t *pc_read(mmu_kernel_t *k, uint32_t file, uint64_t pgoff, mmu_status_t *st) {
  fw_pcpage_t *pc = calloc(1, sizeof *pc);
  fw_frame_t *f = pc ? fw_frame_new(k) : NULL;
  if (!f) {
    free(pc);
    *st = MMU_ERR_NO_FRAME;
    return NULL;
  }
  uint8_t buf[FW_PAGE];
  memset(buf, 0, sizeof buf);
  ssize_t n;
  size_t got = 0;
  do {
    n = pread(k->files[file].host_fd, buf + got, FW_PAGE - got, (off_t)(pgoff * FW_PAGE + got));
    if (n > 0) got += (size_t)n;
  } while ((n > 0 && got < FW_PAGE) || (n < 0 && errno == EINTR));
  if (n < 0 || mmu_phys_write(k->mmu, f->pa, buf, FW_PAGE) != MMU_OK ||
      fw_map_put(&k->pcache, pc_key(file, pgoff), (uint64_t)(uintptr_t)pc)) {
    fw_frame_unpin(k, f);
    free(pc);
    *st = MMU_ERR_IO;
    return NULL;
  }
  pc->file = file;
  pc->pgoff = pgoff;
  pc->frame = f;
  f->pc = pc;
  f->refs = 1; /* the page cache's reference */
  fw_charge(k, MMU_KC_PAGECACHE, 1);
  return pc;
}

fw_pcpage_t *fw_pc_get(mmu_kernel_t *k, uint32_t file, uint64_t pgoff, bool *major,
                       mmu_status_t *st) {
  *st = MMU_OK;
  fw_charge(k, MMU_KC_PAGECACHE, 1);
  fw_pcpage_t *pc = fw_pc_find(k, file, pgoff);
  if (pc) {
    pc->frame->referenced = true;
    pc->frame->pins++;
    k->st.pagecache_hits++;
    return pc;
  }
  k->st.pagecache_misses++;
  *major = true;
  /* One read request: the page itself and, as Linux's mmap read-around, the pages around it
   * (a window of readaround_pages centred on the fault, within the file). */
  uint64_t npages = (file_size(k, file) + FW_PAGE - 1) / FW_PAGE;
  fw_charge(k, MMU_KC_FILE_READ, 1);
  k->st.file_reads++;
  if (!(pc = pc_read(k, file, pgoff, st))) return NULL;
  uint64_t ra = k->cfg.readaround_pages;
  if (ra > 1) {
    uint64_t start = pgoff - (pgoff < ra / 2 ? pgoff : ra / 2), end = start + ra;
    if (end > npages) end = npages;
    for (uint64_t i = start; i < end; i++) {
      if (i == pgoff || fw_pc_find(k, file, i)) continue;
      mmu_status_t s2;
      fw_pcpage_t *o = pc_read(k, file, i, &s2);
      if (!o) break;
      fw_frame_unpin(k, o->frame);
    }
  }
  return pc;
}

/* Clears W and D in every PTE that maps f (after writeback: the next write notifies again). */
static void write_protect_all(mmu_kernel_t *k, fw_frame_t *f) {
  for (uint32_t i = 0; i < f->nrmap; i++) {
    fw_proc_t *p = fw_proc(k, f->rmap[i].pid);
    if (!p) continue;
    uint64_t va = f->rmap[i].va, pte = fw_pte_get(k, p, va);
    mmu_pte_fields_t fl;
    if (!pte_present(k, pte, &fl) || (!(fl.perm & MMU_PERM_W) && !fl.dirty)) continue;
    fl.perm &= ~MMU_PERM_W;
    fl.dirty = false;
    if (mmu_pte_encode(k->mmu, &fl, 0, &pte) == MMU_OK && fw_pte_write(k, p, va, pte) == MMU_OK)
      fw_tlb_page(k, p, va);
  }
}

/* Folds the D bits of the PTEs mapping a page-cache frame into the page's dirty flag. */
static void pc_collect_dirty(mmu_kernel_t *k, fw_pcpage_t *pc) {
  fw_frame_t *f = pc->frame;
  for (uint32_t i = 0; i < f->nrmap && !pc->dirty; i++) {
    fw_proc_t *p = fw_proc(k, f->rmap[i].pid);
    mmu_pte_fields_t fl;
    if (p && pte_present(k, fw_pte_get(k, p, f->rmap[i].va), &fl) && fl.dirty &&
        (fl.perm & MMU_PERM_W))
      pc->dirty = true;
  }
}

mmu_status_t fw_pc_writeback(mmu_kernel_t *k, fw_pcpage_t *pc) {
  pc_collect_dirty(k, pc);
  if (!pc->dirty) return MMU_OK;
  fw_file_t *file = &k->files[pc->file];
  uint64_t size = file_size(k, pc->file), off = pc->pgoff * FW_PAGE;
  uint8_t buf[FW_PAGE];
  if (mmu_phys_read(k->mmu, pc->frame->pa, buf, FW_PAGE)) return MMU_ERR_IO;
  /* Never extends the file: the part of the last page beyond the end is not written. */
  size_t len = off >= size ? 0 : (size - off < FW_PAGE ? (size_t)(size - off) : FW_PAGE);
  size_t done = 0;
  while (done < len) {
    ssize_t n = pwrite(file->host_fd, buf + done, len - done, (off_t)(off + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return MMU_ERR_IO;
    done += (size_t)n;
  }
  fw_charge(k, MMU_KC_FILE_WRITE, 1);
  k->st.file_writes++;
  pc->dirty = false;
  write_protect_all(k, pc->frame);
  return MMU_OK;
}

static void pc_remove(mmu_kernel_t *k, fw_pcpage_t *pc) {
  fw_map_del(&k->pcache, pc_key(pc->file, pc->pgoff));
  fw_frame_t *f = pc->frame;
  f->pc = NULL;
  free(pc);
  fw_frame_put(k, f); /* the page cache's reference */
}

void fw_pc_drop_file(mmu_kernel_t *k, uint32_t file) {
  uint64_t *keys;
  size_t n;
  if (fw_map_keys(&k->pcache, &keys, &n)) return;
  for (size_t i = 0; i < n; i++) {
    if ((keys[i] >> 44) != file) continue;
    fw_pcpage_t *pc = fw_pc_find(k, file, keys[i] & ((1ull << 44) - 1));
    if (!pc) continue;
    fw_pc_writeback(k, pc);
    if (!pc->frame->nrmap && !pc->frame->pins) pc_remove(k, pc);
  }
  free(keys);
}

/* ---- zap: remove one PTE of p ---- */
void fw_zap(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, bool inval) {
  va &= FW_PAGE_MASK;
  uint64_t at, pte = fw_pte_get_at(k, p, va, &at), slot;
  if (!pte) {
    fw_pageset_del(&p->pages, va >> 12);
    return;
  }
  mmu_pte_fields_t fl;
  if (mmu_kpte_is_swap(pte, &slot)) {
    fw_pte_write_at(k, p, va, at, 0);
    fw_swap_put(k, slot);
    return;
  }
  if (!fw_pte_frame(k, pte, &fl)) {
    fw_pte_write_at(k, p, va, at, 0);
    return;
  }
  fw_frame_t *f = fw_frame_of(k, fl.pa);
  inval = inval && fl.present;
  if (f && f->pc && fl.dirty && (fl.perm & MMU_PERM_W)) f->pc->dirty = true;
  fw_pte_write_at(k, p, va, at, 0);
  if (inval) fw_tlb_page(k, p, va);
  if (f) {
    fw_rmap_del(f, p->pid, va);
    fw_frame_put(k, f);
  }
}

/* ---- reclaim: clock (second chance) over every frame the kernel holds ---- */
static bool frame_young(mmu_kernel_t *k, fw_frame_t *f) {
  bool young = f->referenced;
  f->referenced = false;
  uint64_t abit = mmu_pte_a_bit(k->mmu->fmt);
  for (uint32_t i = 0; i < f->nrmap; i++) {
    fw_proc_t *p = fw_proc(k, f->rmap[i].pid);
    if (!p) continue;
    uint64_t pte = fw_pte_get(k, p, f->rmap[i].va);
    if (!(pte & abit)) continue;
    young = true;
    /* As Linux on x86 (ptep_clear_flush_young): A is cleared without a TLB flush; a page
     * that stays hot only in the TLB may look cold to the next sweep. */
    fw_pte_write(k, p, f->rmap[i].va, pte & ~abit);
  }
  return young;
}

static bool evict(mmu_kernel_t *k, fw_frame_t *f) {
  f->pins++;
  if (f->pc) {
    fw_pcpage_t *pc = f->pc;
    if (fw_pc_writeback(k, pc) != MMU_OK) {
      f->pins--;
      return false;
    }
    while (f->nrmap) {
      fw_rmap_t r = f->rmap[f->nrmap - 1];
      fw_proc_t *p = fw_proc(k, r.pid);
      f->nrmap--;
      f->refs--;
      if (!p) continue;
      fw_pte_write(k, p, r.va, 0);
      fw_tlb_page(k, p, r.va);
    }
    f->pins--;
    pc_remove(k, pc);
    return true;
  }
  uint64_t slot;
  if (!swap_alloc(k, &slot)) {
    f->pins--;
    return false;
  }
  mmu_phys_read(k->mmu, f->pa, k->swap.data[slot], FW_PAGE);
  fw_charge(k, MMU_KC_SWAP_WRITE, 1);
  k->st.swap_outs++;
  uint64_t spte = fw_swap_pte(slot);
  while (f->nrmap) {
    fw_rmap_t r = f->rmap[f->nrmap - 1];
    fw_proc_t *p = fw_proc(k, r.pid);
    f->nrmap--;
    f->refs--;
    if (!p) continue;
    fw_swap_get(k, slot);
    fw_pte_write(k, p, r.va, spte);
    fw_tlb_page(k, p, r.va);
  }
  if (!k->swap.count[slot]) { /* nobody referred to it after all */
    k->swap.count[slot] = 1;
    fw_swap_put(k, slot);
  }
  f->refs = 0;
  fw_frame_unpin(k, f);
  return true;
}

static bool reclaim_one(mmu_kernel_t *k) {
  uint64_t limit = 2 * k->nframes + 2;
  for (uint64_t steps = 0; k->hand && steps < limit; steps++) {
    fw_frame_t *f = k->hand;
    k->hand = f->next;
    fw_charge(k, MMU_KC_RECLAIM_SCAN, 1);
    k->st.reclaim_scanned++;
    if (f->pins) continue;
    if (frame_young(k, f)) continue;
    if (evict(k, f)) return true;
  }
  return false;
}
