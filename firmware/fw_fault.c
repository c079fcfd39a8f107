/* fw_fault.c — the exception path (translate -> fault -> handler -> retry) and the built-in page
 * fault handler, which resolves each fault the way Linux's handle_mm_fault does. */
#include <string.h>
#include <sys/stat.h>

#include "fw_internal.h"

static mmu_kverdict_t sig(mmu_kfault_rec_t *rec, mmu_ksig_t s, int code) {
  rec->kind = MMU_KF_SIGNAL;
  rec->sig = s;
  rec->si_code = code;
  return MMU_KV_SIGNAL;
}

static mmu_kverdict_t oom(mmu_kfault_rec_t *rec) {
  rec->kind = MMU_KF_OOM;
  rec->sig = MMU_SIG_KILL;
  rec->si_code = MMU_SI_KERNEL;
  return MMU_KV_SIGNAL;
}

/* Linux's expand_downwards: below mmap_min_addr, within stack_guard_gap of the VMA below, or
 * beyond RLIMIT_STACK, the stack does not grow. */
static bool expand_stack(mmu_kernel_t *k, fw_proc_t *p, fw_vma_t *v, uint64_t va) {
  uint64_t addr = va & FW_PAGE_MASK, gap = k->cfg.stack_guard_gap * FW_PAGE;
  fw_charge(k, MMU_KC_VMA_LOCK, 1);
  if (addr < 0x10000) return false; /* mmap_min_addr */
  fw_vma_t *prev = fw_vma_prev(p, v);
  if (prev && !(prev->flags & MMU_MAP_STACK) && prev->prot != MMU_PROT_NONE &&
      (prev->end > addr || addr - prev->end < gap))
    return false;
  if (v->end - addr > k->cfg.stack_rlimit) return false;
  v->start = addr;
  k->st.stack_expansions++;
  return true;
}

/* False when the host could not back the copy (out of memory): nothing is charged then. */
static bool copy_frame(mmu_kernel_t *k, uint64_t dst, uint64_t src) {
  if (mmu_mem_copy_frame(k->mmu->mem, dst, src)) return false;
  fw_charge(k, MMU_KC_COPY_PAGE, 1);
  return true;
}

/* at: the address of va's PTE (fw_pte_get_at), for the PTE write without a second walk. */
static mmu_kverdict_t do_anonymous(mmu_kernel_t *k, fw_proc_t *p, fw_vma_t *v, uint64_t va,
                                   uint64_t at, bool write, mmu_kfault_rec_t *rec) {
  fw_frame_t *f = fw_frame_new(k);
  if (!f) return oom(rec);
  mmu_mem_zero(k->mmu->mem, f->pa, FW_PAGE);
  fw_charge(k, MMU_KC_ZERO_PAGE, 1);
  mmu_status_t s = fw_map_frame_at(k, p, va, f, fw_pte_perm(v, true), write, at);
  fw_frame_unpin(k, f);
  return s ? oom(rec) : MMU_KV_RETRY;
}

static mmu_kverdict_t do_swap_page(mmu_kernel_t *k, fw_proc_t *p, fw_vma_t *v, uint64_t va,
                                   uint64_t slot, bool write, mmu_kfault_rec_t *rec) {
  if (slot >= k->swap.nslots || !k->swap.data[slot]) return sig(rec, MMU_SIG_BUS, MMU_SI_KERNEL);
  fw_frame_t *f = fw_frame_new(k);
  if (!f) return oom(rec);
  mmu_phys_write(k->mmu, f->pa, k->swap.data[slot], FW_PAGE);
  fw_charge(k, MMU_KC_SWAP_READ, 1);
  rec->major = true;
  k->st.swap_ins++;
  /* The page is read into a frame of its own: this process's copy, so it may be writable even
   * if other processes still refer to the slot (they read their own copies later). */
  mmu_status_t s = fw_map_frame(k, p, va, f, fw_pte_perm(v, true), write);
  fw_frame_unpin(k, f);
  if (s) return oom(rec);
  fw_swap_put(k, slot);
  rec->kind = MMU_KF_SWAP_IN;
  return MMU_KV_RETRY;
}

/* Maps page-cache pages around va that are already cached (filemap_map_pages). */
static void fault_around(mmu_kernel_t *k, fw_proc_t *p, fw_vma_t *v, uint64_t va) {
  uint64_t win = k->cfg.fault_around_bytes;
  if (win <= FW_PAGE) return;
  uint64_t a = va & ~(win - 1), b = a + win;
  if (a < v->start) a = v->start;
  if (b > v->end) b = v->end;
  fw_file_t *file = &k->files[v->file];
  bool shared = v->flags & MMU_MAP_SHARED;
  for (uint64_t x = a; x < b; x += FW_PAGE) {
    if (x == (va & FW_PAGE_MASK) || fw_pte_get(k, p, x)) continue;
    uint64_t pgoff = v->pgoff + (x - v->start) / FW_PAGE;
    if (pgoff * FW_PAGE >= file->size) break;
    fw_charge(k, MMU_KC_PAGECACHE, 1);
    fw_pcpage_t *pc = fw_pc_find(k, (uint32_t)v->file, pgoff);
    if (!pc) continue;
    bool w = shared && pc->dirty;
    if (fw_map_frame(k, p, x, pc->frame, fw_pte_perm(v, w), false) == MMU_OK)
      k->st.fault_around_mapped++;
  }
}

static mmu_kverdict_t do_file(mmu_kernel_t *k, fw_proc_t *p, fw_vma_t *v, uint64_t va,
                              bool write, mmu_kfault_rec_t *rec) {
  fw_file_t *file = &k->files[v->file];
  uint64_t pgoff = v->pgoff + ((va & FW_PAGE_MASK) - v->start) / FW_PAGE;
  struct stat sb;
  if (fstat(file->host_fd, &sb) == 0) file->size = (uint64_t)sb.st_size;
  if (pgoff * FW_PAGE >= file->size) return sig(rec, MMU_SIG_BUS, MMU_BUS_ADRERR);
  bool major = false;
  mmu_status_t st;
  fw_pcpage_t *pc = fw_pc_get(k, (uint32_t)v->file, pgoff, &major, &st);
  rec->major = major;
  if (!pc) return st == MMU_ERR_NO_FRAME ? oom(rec) : sig(rec, MMU_SIG_BUS, MMU_SI_KERNEL);
  fw_frame_t *pf = pc->frame; /* pinned by fw_pc_get */
  bool shared = v->flags & MMU_MAP_SHARED;
  mmu_status_t s;
  if (write && !shared) { /* do_cow_fault: a private copy; the file never sees it */
    fw_frame_t *nf = fw_frame_new(k);
    if (!nf) {
      fw_frame_unpin(k, pf);
      return oom(rec);
    }
    s = copy_frame(k, nf->pa, pf->pa) ? fw_map_frame(k, p, va, nf, fw_pte_perm(v, true), true)
                                       : MMU_ERR_NOMEM;
    fw_frame_unpin(k, nf);
    fw_frame_unpin(k, pf);
    if (s) return oom(rec);
    k->st.cow_copies++;
    rec->kind = MMU_KF_COW;
    return MMU_KV_RETRY;
  }
  if (write) pc->dirty = true; /* do_shared_fault: the page is dirty from now on */
  bool w = shared && pc->dirty;
  s = fw_map_frame(k, p, va, pf, fw_pte_perm(v, w), write);
  fw_frame_unpin(k, pf);
  if (s) return oom(rec);
  if (!write) fault_around(k, p, v, va);
  rec->kind = major ? MMU_KF_FILE_MAJOR : MMU_KF_FILE_MINOR;
  return MMU_KV_RETRY;
}

/* Write to a present read-only page of a writable VMA (do_wp_page). */
static mmu_kverdict_t do_wp_page(mmu_kernel_t *k, fw_proc_t *p, fw_vma_t *v, uint64_t va,
                                 mmu_pte_fields_t fl, uint64_t at, mmu_kfault_rec_t *rec) {
  fw_frame_t *f = fw_frame_of(k, fl.pa);
  if (!f) return sig(rec, MMU_SIG_BUS, MMU_SI_KERNEL);
  bool shared = v->flags & MMU_MAP_SHARED;
  uint64_t page = va & FW_PAGE_MASK;
  if ((f->pc && shared) || (!f->pc && f->refs == 1)) {
    /* Write-notify of a shared file page, or the last owner of a COW page: made writable in
     * place. A permission upgrade needs no TLB flush (the faulting entry was dropped). */
    if (f->pc) f->pc->dirty = true;
    if (fw_pte_write_at(k, p, page, at, fw_pte_leaf(k, fl.pa, fw_pte_perm(v, true), true)))
      return oom(rec);
    if (f->pc) {
      rec->kind = MMU_KF_WRITE_NOTIFY;
    } else {
      rec->kind = MMU_KF_COW_REUSE;
      k->st.cow_reuses++;
    }
    return MMU_KV_RETRY;
  }
  /* Shared with another mapping (or a page-cache page under a private mapping): copy. */
  f->pins++;
  fw_frame_t *nf = fw_frame_new(k);
  if (!nf) {
    fw_frame_unpin(k, f);
    return oom(rec);
  }
  mmu_status_t s = copy_frame(k, nf->pa, f->pa)
                       ? fw_map_frame_at(k, p, page, nf, fw_pte_perm(v, true), true, at)
                       : MMU_ERR_NOMEM;
  if (s) { /* the PTE, and so the old frame, stay as they were; the new frame goes */
    fw_frame_unpin(k, nf);
    fw_frame_unpin(k, f);
    return oom(rec);
  }
  fw_rmap_del(f, p->pid, page);
  f->refs--;
  fw_tlb_page(k, p, page); /* the old translation pointed at the other frame */
  fw_frame_unpin(k, nf);
  fw_frame_unpin(k, f);
  k->st.cow_copies++;
  rec->kind = MMU_KF_COW;
  return MMU_KV_RETRY;
}

/* A fault at a page that has a PTE: a write to a read-only page, a spurious fault, a swap entry
 * or a PROT_NONE entry. */
static mmu_kverdict_t handle_pte(mmu_kernel_t *k, fw_proc_t *p, fw_vma_t *v, uint64_t va,
                                 uint64_t pte, uint64_t at, bool write, mmu_kfault_rec_t *rec) {
  uint64_t page = va & FW_PAGE_MASK, slot;
  mmu_pte_fields_t fl;
  fw_pte_decode(k, pte, &fl);
  if (fl.present) {
    if (write && !(fl.perm & MMU_PERM_W)) return do_wp_page(k, p, v, va, fl, at, rec);
    /* Nothing is missing: a stale TLB entry or rights the PTE lacks but the VMA grants (after
     * an mprotect race). Bring the PTE's rights in line with the VMA and retry. */
    fl.perm = fw_pte_perm(v, fl.perm & MMU_PERM_W);
    fl.accessed = true; /* RISC-V without Svadu faults to have A (and D) set by software */
    fl.dirty = fl.dirty || write;
    uint64_t np;
    if (!mmu_pte_encode(k->mmu, &fl, 0, &np) && np != pte) fw_pte_write_at(k, p, page, at, np);
    rec->kind = MMU_KF_SPURIOUS;
    return MMU_KV_RETRY;
  }
  if (mmu_kpte_is_swap(pte, &slot)) return do_swap_page(k, p, v, va, slot, write, rec);
  /* PROT_NONE left behind by a change of the VMA: restore the present PTE */
  fw_frame_t *fr = fw_frame_of(k, fl.pa);
  if (!fr) return sig(rec, MMU_SIG_KILL, MMU_SI_KERNEL);
  fl.present = true;
  fl.perm = fw_pte_perm(v, false);
  uint64_t np;
  if (mmu_pte_encode(k->mmu, &fl, 0, &np) || fw_pte_write_at(k, p, page, at, np))
    return oom(rec);
  rec->kind = MMU_KF_SPURIOUS;
  return MMU_KV_RETRY;
}

mmu_kverdict_t fw_handle(mmu_kernel_t *k, mmu_kfault_rec_t *rec) {
  fw_proc_t *p = fw_proc(k, rec->pid);
  const mmu_fault_t *f = &rec->fault;
  uint64_t va = f->va;
  bool write = f->op == MMU_OP_WRITE;
  if (!p) return sig(rec, MMU_SIG_KILL, MMU_SI_KERNEL);
  switch (f->kind) {
    case MMU_FAULT_NONCANONICAL: return sig(rec, MMU_SIG_SEGV, MMU_SI_KERNEL); /* #GP */
    case MMU_FAULT_RSVD:
    case MMU_FAULT_MISALIGNED: return sig(rec, MMU_SIG_KILL, MMU_SI_KERNEL); /* pgtable_bad */
    case MMU_FAULT_BUS: return sig(rec, MMU_SIG_BUS, MMU_SI_KERNEL);
    case MMU_FAULT_PKEY: return sig(rec, MMU_SIG_SEGV, MMU_SEGV_PKUERR);
    case MMU_FAULT_SMEP: /* only kernel-mode accesses meet these: the kernel oopses */
    case MMU_FAULT_SMAP: return sig(rec, MMU_SIG_OOPS, MMU_SI_KERNEL);
    default: break;
  }
  /* A user access to a kernel address: bad_area_nosemaphore, whatever is mapped there. */
  if (va >= k->user_top) return sig(rec, MMU_SIG_SEGV, MMU_SEGV_MAPERR);
  fw_charge(k, MMU_KC_VMA_LOOKUP, 1);
  fw_vma_t *v = fw_find_vma(p, va);
  if (!v) return sig(rec, MMU_SIG_SEGV, MMU_SEGV_MAPERR);
  bool grew = false;
  if (v->start > va) {
    if (!(v->flags & MMU_MAP_STACK) || !expand_stack(k, p, v, va))
      return sig(rec, MMU_SIG_SEGV, MMU_SEGV_MAPERR);
    grew = true;
  }
  /* access_error(): the VMA must allow the access. */
  if ((write && !(v->prot & MMU_PROT_WRITE)) || (f->op == MMU_OP_EXEC && !(v->prot & MMU_PROT_EXEC)) ||
      v->prot == MMU_PROT_NONE)
    return sig(rec, MMU_SIG_SEGV, MMU_SEGV_ACCERR);
  uint64_t page = va & FW_PAGE_MASK, at, pte = fw_pte_get_at(k, p, page, &at);
  if (pte) /* else a first touch: nothing to decode */
    return handle_pte(k, p, v, va, pte, at, write, rec);
  if (v->file >= 0) return do_file(k, p, v, va, write, rec);
  rec->kind = grew ? MMU_KF_STACK : MMU_KF_ANON;
  return do_anonymous(k, p, v, va, at, write, rec);
}

/* ---- the exception path ---- */
static void add_cycles(mmu_cycles_t *a, const mmu_cycles_t *b) {
  a->tlb += b->tlb;
  a->pwc += b->pwc;
  a->walk += b->walk;
  a->ad += b->ad;
  a->total += b->total;
}

static void finish(mmu_kernel_t *k, mmu_kfault_rec_t *rec, mmu_koutcome_t *out) {
  if ((unsigned)rec->kind >= MMU_KF_COUNT) rec->kind = MMU_KF_CUSTOM;
  k->st.faults++;
  k->st.faults_by_kind[rec->kind]++;
  k->st.kernel_cycles_by_kind[rec->kind] += rec->kernel_cycles;
  if (rec->major) k->st.major_faults++;
  if (rec->sig != MMU_SIG_NONE) k->st.signals++;
  out->faults++;
  out->kernel_cycles += rec->kernel_cycles;
  if (rec != &out->last) memcpy(&out->last, rec, k->rec_bytes);
  if (k->log) k->log(rec, k->log_ctx);
}

#define FW_MAX_RETRIES 8

/* Translates one page's worth of an access, taking faults until it succeeds or signals. */
static mmu_status_t access_page(mmu_kernel_t *k, fw_proc_t *p, uint64_t va, mmu_op_t op,
                                bool user, uint64_t *pa, mmu_koutcome_t *out) {
  mmu_access_t acc = {.va = va, .op = op, .user = user, .implicit = false, .asid = p->asid};
  /* The first fault of an access is recorded in out->last itself, which is still all zeros
   * (fw_access cleared it, no fault has finished): no clearing here and no copy in finish.
   * A later fault of the same access goes to spare, so that out->last keeps the last finished
   * fault until this one finishes. */
  mmu_kfault_rec_t spare, *rec = NULL;
  for (int tries = 0;; tries++) {
    mmu_result_t res;
    mmu_status_t s = mmu_translate(k->mmu, &acc, &res);
    if (s) {
      if (rec == &out->last) memset(rec, 0, k->rec_bytes); /* unfinished: as if never begun */
      return s;
    }
    out->translations++;
    k->st.translations++;
    out->hw_cycles += res.cycles.total;
    k->st.hw_cycles += res.cycles.total;
    add_cycles(&k->st.hw, &res.cycles);
    if (rec) { /* the retry belongs to the fault that caused it */
      add_cycles(&rec->hw, &res.cycles);
      finish(k, rec, out);
      rec = NULL;
    }
    if (res.fault.kind == MMU_FAULT_NONE) {
      *pa = res.pa;
      return MMU_OK;
    }
    if (tries >= FW_MAX_RETRIES) return MMU_ERR_STATE; /* a handler that fixes nothing */
    if (out->faults == 0) {
      rec = &out->last;
    } else {
      rec = &spare;
      memset(rec, 0, k->rec_bytes);
    }
    rec->pid = p->pid;
    rec->fault = res.fault;
    rec->hw = res.cycles;
    rec->kind = MMU_KF_CUSTOM;
    k->cur = rec;
    k->cur_class = &k->st.fault_cycles;
    fw_charge(k, MMU_KC_ENTRY, 1);
    fw_charge(k, MMU_KC_DISPATCH, 1);
    k->in_handler = true;
    mmu_kverdict_t verdict = k->handler ? k->handler(k, rec, k->handler_ctx) : fw_handle(k, rec);
    k->in_handler = false;
    if (verdict == MMU_KV_SIGNAL) {
      if (rec->sig == MMU_SIG_NONE) rec->sig = MMU_SIG_SEGV;
      if (rec->kind == MMU_KF_CUSTOM) rec->kind = MMU_KF_SIGNAL;
      fw_charge(k, MMU_KC_SIGNAL, 1);
      fw_charge(k, MMU_KC_EXIT, 1);
      k->cur = NULL;
      p->signals++;
      finish(k, rec, out);
      out->sig = rec->sig;
      out->si_code = rec->si_code;
      out->addr = va;
      return MMU_OK;
    }
    fw_charge(k, MMU_KC_EXIT, 1);
    k->cur = NULL;
  }
}

mmu_status_t fw_user_access(mmu_kernel_t *k, uint32_t pid, uint64_t va, mmu_op_t op, void *rbuf,
                            const void *wbuf, size_t len, mmu_koutcome_t *out) {
  return fw_access(k, pid, va, op, rbuf, wbuf, len, true, false, out);
}

mmu_status_t fw_access(mmu_kernel_t *k, uint32_t pid, uint64_t va, mmu_op_t op, void *rbuf,
                       const void *wbuf, size_t len, bool user, bool stac, mmu_koutcome_t *out) {
  memset(out, 0, k->outcome_bytes);
  fw_proc_t *p = fw_proc(k, pid);
  if (!p) return MMU_ERR_ARG;
  if ((unsigned)op >= MMU_OP_COUNT) return MMU_ERR_ARG;
  if (k->in_handler) return MMU_ERR_STATE;
  k->st.accesses++;
  size_t done = 0;
  while (done < len) {
    uint64_t cur = va + done;
    size_t n = FW_PAGE - (cur & (FW_PAGE - 1));
    if (n > len - done) n = len - done;
    uint64_t pa;
    mmu_ctrl_t ctrl;
    bool ac = false;
    if (!user) { /* STAC before the kernel's access, CLAC after it */
      mmu_get_ctrl(k->mmu, &ctrl);
      ac = ctrl.ac;
      ctrl.ac = stac;
      mmu_set_ctrl(k->mmu, &ctrl);
    }
    mmu_status_t s = access_page(k, p, cur, op, user, &pa, out);
    if (!user) {
      ctrl.ac = ac;
      mmu_set_ctrl(k->mmu, &ctrl);
    }
    if (s) return s;
    if (out->sig != MMU_SIG_NONE) break;
    if (rbuf) s = mmu_mem_read(k->mmu->mem, pa, (uint8_t *)rbuf + done, n);
    if (wbuf) s = mmu_mem_write(k->mmu->mem, pa, (const uint8_t *)wbuf + done, n);
    if (s) return s;
    done += n;
  }
  out->bytes_done = done;
  return MMU_OK;
}
