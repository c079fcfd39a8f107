/* walker.c — the page walk: one loop over levels, each bad-PTE rule an early exit, one fault exit.
 */
#include "walker.h"

#include <string.h>

mmu_fault_kind_t mmu_check_rights(const mmu_fmt_t *fmt, const mmu_ctrl_t *c, const mmu_rights_t *r,
                                  const mmu_access_t *acc) {
  return mmu_check_rights_inline(fmt, c, r, acc);
}

void mmu_fault_make(mmu_fault_t *f, const mmu_fmt_t *fmt, const mmu_ctrl_t *c,
                    mmu_fault_kind_t kind, const mmu_access_t *acc, int level, uint64_t pte,
                    uint64_t pte_addr) {
  memset(f, 0, sizeof *f);
  f->kind = kind;
  f->va = acc->va;
  f->op = acc->op;
  f->user = acc->user;
  f->asid = acc->asid;
  f->level = level;
  f->pte = pte;
  f->pte_addr = pte_addr;
  if (kind == MMU_FAULT_NONE) return;
  if (fmt->x86) {
    if (kind == MMU_FAULT_NONCANONICAL || kind == MMU_FAULT_BUS) return; /* #GP / #MC */
    uint32_t ec = 0;
    if (kind != MMU_FAULT_NOT_PRESENT) ec |= MMU_PFEC_P;
    if (acc->op == MMU_OP_WRITE) ec |= MMU_PFEC_W;
    if (acc->user) ec |= MMU_PFEC_U;
    if (kind == MMU_FAULT_RSVD || kind == MMU_FAULT_MISALIGNED) ec |= MMU_PFEC_RSVD;
    if (acc->op == MMU_OP_EXEC && (c->nxe || c->smep)) ec |= MMU_PFEC_I;
    if (kind == MMU_FAULT_PKEY) ec |= MMU_PFEC_PK;
    f->error_code = ec;
  } else if (kind != MMU_FAULT_BUS) {
    f->cause = acc->op == MMU_OP_EXEC    ? MMU_CAUSE_FETCH_PAGE_FAULT
               : acc->op == MMU_OP_WRITE ? MMU_CAUSE_STORE_PAGE_FAULT
                                         : MMU_CAUSE_LOAD_PAGE_FAULT;
  }
}

/* SDM 4.7: the #PF error code's PK flag is 1 when the access was a data access to a user-mode
 * address whose protection key PKRU disallows (4.6.2: AD, or WD on a user write or a supervisor
 * write with CR0.WP=1), whichever violation the fault reports. */
bool mmu_pk_denies(const mmu_fmt_t *fmt, const mmu_ctrl_t *c, const mmu_rights_t *r,
                   const mmu_access_t *acc) {
  if (!fmt->x86 || !c->pke || !r->u || acc->op == MMU_OP_EXEC) return false;
  bool pk_ad = (c->pkru >> (2 * r->pkey)) & 1u, pk_wd = (c->pkru >> (2 * r->pkey + 1)) & 1u;
  return pk_ad || (acc->op == MMU_OP_WRITE && pk_wd && (acc->user || c->wp));
}

typedef struct ad_write {
  uint64_t addr, val;
} ad_write_t;

typedef int32_t v4i_t __attribute__((vector_size(16)));
_Static_assert(MMU_CACHE_LEVELS == 3 && MMU_MAX_LEVELS == 5, "walk_counts' vectors");
_Static_assert(offsetof(mmu_walk_t, writes) == offsetof(mmu_walk_t, reads) + 4, "walk_counts");

/* A vector of cache_level_hits with one read at where (cache.h's *level_out). */
static const v4i_t hit_at[MMU_CACHE_LEVELS + 1] = {
    {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};

/* The walk's PTE read (addr 8-byte aligned: see the walk's first-table test); a timed read also
 * goes through the latency model. The counters are the walk's locals, written at its end. */
static inline uint64_t load_pte(const mmu_walk_env_t *env, uint64_t addr, bool *ok, v4i_t *hits,
                                uint64_t *cyc, bool timed) {
  uint64_t pte = 0;
  *ok = mmu_mem_read64_aligned(env->mem, addr, &pte);
  if (!*ok || !timed) return pte;
  int where;
  *cyc += mmu_mem_timed_access(env->mem, addr, &where);
  *hits += hit_at[where];
  return pte;
}

/* The record's counters of a walk that read the levels top down to lo, each once (none when
 * lo > top), with hits by where they hit, and made its A/D writes: each stored as wide as the
 * caller loads it (mmu.c), for a load of several narrower stores waits until they are in the
 * cache. */
static inline void walk_counts(mmu_walk_t *w, int lo, int top, uint32_t writes, v4i_t hits) {
  const v4i_t lane = {0, 1, 2, 3};
  v4i_t by_level = (lane >= lo) & (lane <= top) & 1;
  memcpy(w->reads_by_level, &by_level, sizeof by_level);
  w->reads_by_level[4] = top == 4 && lo <= 4;
  memcpy(w->cache_level_hits, &hits, sizeof hits);
  struct {
    uint32_t reads, writes;
  } rw = {(uint32_t)(top - lo + 1), writes};
  memcpy(&w->reads, &rw, sizeof rw);
}

/* The walk, for every format and both kinds; mmu_walk instantiates it with timed and x86 as
 * constants, so that each of the four copies drops the tests that do not concern it. */
static inline __attribute__((always_inline)) void walk_core(const mmu_walk_env_t *env,
                                                            uint64_t root, const mmu_access_t *acc,
                                                            mmu_walk_t *w, bool timed, bool x86) {
  const mmu_fmt_t *fmt = env->fmt;
  /* The counters, field by field rather than memset (a ~170-byte memset becomes `rep stos`, slow
   * to start). The outcome (fault, leaf_level, pa, rights, global, dirty) is written once, at the
   * success or at the fault exit. */
  w->pwc_level = -1;
  uint64_t cyc_walk = 0;
  v4i_t hits = {0, 0, 0, 0};
  w->cyc_ad = 0;
  mmu_fault_kind_t kind = MMU_FAULT_NONE;
  int level = fmt->levels - 1, top = -1; /* top: the first level read */
  uint64_t table = root, pte = 0, pte_addr = 0;
  mmu_rights_t rights = {true, true, true, true, 0};
  /* x86 rights so far in the entries' bit positions, XD inverted (set: executable), so that one
   * AND per level combines them (R/W and U/S are ANDed down the walk, XD is ORed: SDM 4.6.1). */
  uint64_t x86_rights = MMU_X86_RW | MMU_X86_US | MMU_X86_NX;
  ad_write_t ad[MMU_MAX_LEVELS];
  int nad = 0;

  if (!mmu_va_canonical(fmt, acc->va)) {
    kind = MMU_FAULT_NONCANONICAL;
    level = -1;
    w->cyc_pwc = 0;
    goto fault;
  }
  w->cyc_pwc = timed ? (uint64_t)env->walk_start_latency + env->pwc_latency : 0; /* 0 if no PWC */
  if (timed) {
    if (env->pwc) {
      mmu_pwc_entry_t e;
      int hit = mmu_pwc_lookup_inline(env->pwc, acc->va, acc->asid, &e);
      if (hit > 0) {
        table = e.next_table;
        x86_rights = e.x86_rights;
        level = hit - 1;
        w->pwc_level = hit;
      }
    }
  }
  top = level;

  /* The x86 fast path: an entry with P set, no reserved bit and bit 7 clear (a pointer, or a 4 KiB
   * page at level 0) breaks no rule and needs no decode. Every other entry (superpages, faults,
   * RISC-V) goes through the full decoder and the rules; so does a 4 KiB page with PAT (bit 7 at
   * level 0), which the decoder finds as the fast path would (a leaf at the same address), so
   * that the test is the same at every level. The reserved bits depend only on pa_bits and
   * EFER.NXE, so the mask is made once per walk, not per entry. */
  uint64_t x86_check = 0, x86_addr = 0;
  if (x86) {
    x86_check = env->x86_rsvd_pa | (env->ctrl->nxe ? 0 : MMU_X86_NX) | MMU_X86_PS | MMU_X86_P;
    x86_addr = env->x86_addr;
  }

  /* mmu_mem_read64's alignment test, once: every table after the first is a PTE's address field,
   * frame-aligned, and so is every PTE address in it; the first (root or PWC entry) may not be. */
  if (table & 7) {
    pte_addr = table + 8u * mmu_va_index(acc->va, level);
    kind = MMU_FAULT_BUS;
    goto fault;
  }
  /* The VA with the index of the level being read in its top 9 bits (mmu_va_index: bits 12 + 9 *
   * level up), so that a level takes one constant shift rather than a shift by a count. */
  uint64_t va_top = acc->va << (64 - 21 - 9 * level);
  for (;; level--, va_top <<= 9) {
    bool ok, leaf = false;
    pte_addr = table + 8u * (va_top >> 55);
    pte = load_pte(env, pte_addr, &ok, &hits, &cyc_walk, timed);
    if (!ok) {
      kind = MMU_FAULT_BUS;
      goto fault;
    }
    bool fast = x86 && (pte & x86_check) == MMU_X86_P;
    if (fast) {
      table = pte & x86_addr;
    } else {
      mmu_pte_dec_t d;
      mmu_pte_decode_fmt(fmt, pte, level, env->ctrl, env->pa_bits, &d);
      if (!d.present) {
        kind = MMU_FAULT_NOT_PRESENT;
        goto fault;
      }
      if (d.rsvd) {
        kind = MMU_FAULT_RSVD;
        goto fault;
      }
      if (d.misaligned) {
        kind = MMU_FAULT_MISALIGNED;
        goto fault;
      }
      leaf = d.leaf;
      table = d.addr; /* the next table, or the page frame */
    }
    if (x86) {
      /* The entry's bits are its rights, as the decoder reads them (XD with EFER.NXE clear has
       * faulted as reserved); A is set at every level. */
      x86_rights &= pte ^ MMU_X86_NX;
      if (!(pte & MMU_X86_A)) ad[nad++] = (ad_write_t){pte_addr, pte | MMU_X86_A};
    }
    if (fast ? level == 0 : leaf) break; /* a fast entry is a leaf at level 0 only */
    if (timed && env->pwc) mmu_pwc_fill_inline(env->pwc, level, table, x86_rights);
  }

  /* The leaf's fields are read from its bits (what the decoder would return for them); table is
   * now the page frame. */
  if (x86)
    rights = (mmu_rights_t){true, x86_rights & MMU_X86_RW, x86_rights & MMU_X86_NX,
                            x86_rights & MMU_X86_US, (uint8_t)((pte >> 59) & 15u)};
  else
    rights = (mmu_rights_t){pte & MMU_RV_R, pte & MMU_RV_W, pte & MMU_RV_X, pte & MMU_RV_U, 0};
  kind = mmu_check_rights_inline(fmt, env->ctrl, &rights, acc);
  if (kind != MMU_FAULT_NONE) goto fault;

  /* Accessed/dirty: x86 always updates in hardware; RISC-V only with Svadu, else it faults. */
  bool dirty = pte & mmu_pte_d_bit(fmt);
  bool need_d = acc->op == MMU_OP_WRITE && !dirty;
  if (x86) {
    if (need_d) {
      if (nad && ad[nad - 1].addr == pte_addr)
        ad[nad - 1].val |= MMU_X86_D;
      else
        ad[nad++] = (ad_write_t){pte_addr, pte | MMU_X86_D};
    }
  } else if (!(pte & MMU_RV_A) || need_d) {
    if (!env->ctrl->svadu) {
      kind = MMU_FAULT_AD;
      goto fault;
    }
    ad[nad++] = (ad_write_t){pte_addr, pte | MMU_RV_A | (need_d ? MMU_RV_D : 0)};
  }
  if (timed) {
    for (int i = 0; i < nad; i++) {
      mmu_mem_write64(env->mem, ad[i].addr, ad[i].val);
      w->cyc_ad += env->ad_update_latency + mmu_mem_timed_access(env->mem, ad[i].addr, NULL);
    }
  }
  walk_counts(w, timed ? level : top + 1, top, timed ? (uint32_t)nad : 0, hits);
  w->cyc_walk = cyc_walk;
  w->leaf_level = level;
  w->pa = table | (acc->va & (mmu_level_bytes(level) - 1));
  w->rights = rights;
  w->global = pte & (x86 ? (uint64_t)MMU_X86_G : (uint64_t)MMU_RV_G);
  w->dirty = dirty || (timed && acc->op == MMU_OP_WRITE);
  mmu_fault_none(&w->fault, acc, level, pte, pte_addr);
  return;

fault:
  /* Read: the levels top down to the fault's, but for a BUS fault's own; none for a
   * non-canonical address (top -1). */
  walk_counts(w,
              !timed || kind == MMU_FAULT_NONCANONICAL ? top + 1
              : kind == MMU_FAULT_BUS                  ? level + 1
                                                       : level,
              top, 0, hits);
  w->cyc_walk = cyc_walk;
  w->leaf_level = level;
  w->pa = 0;
  w->rights = (mmu_rights_t){false, false, false, false, 0};
  w->global = w->dirty = false;
  mmu_fault_make(&w->fault, fmt, env->ctrl, kind, acc, level, pte, pte_addr);
  /* Rights violations (USER..PKEY) come from the complete walk: the leaf and its key are known. */
  if (kind >= MMU_FAULT_USER && kind <= MMU_FAULT_PKEY) {
    /* A copy, so that `rights` never has its address taken and stays in registers. */
    mmu_rights_t r = rights;
    if (mmu_pk_denies(fmt, env->ctrl, &r, acc)) w->fault.error_code |= MMU_PFEC_PK;
  }
}

void mmu_walk(const mmu_walk_env_t *env, uint64_t root, const mmu_access_t *acc, mmu_walk_t *w) {
  if (env->fmt->x86) {
    if (env->timed)
      walk_core(env, root, acc, w, true, true);
    else
      walk_core(env, root, acc, w, false, true);
  } else if (env->timed) {
    walk_core(env, root, acc, w, true, false);
  } else {
    walk_core(env, root, acc, w, false, false);
  }
}
