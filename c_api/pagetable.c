/* pagetable.c — building page tables: real PTEs written into model memory, as an OS would. */
#include <string.h>

#include "mmu.h"

/* Upper-level rules are those of the format; a permissive control state decodes every bit. */
static const mmu_ctrl_t k_decode_ctrl = {.nxe = true};

static void decode(const mmu_t *m, uint64_t pte, int level, mmu_pte_dec_t *d) {
  mmu_pte_decode_fmt(m->fmt, pte, level, &k_decode_ctrl, m->cfg.pa_bits, d);
}

static bool asid_ok(const mmu_t *m, uint16_t asid) {
  return asid <= MMU_MAX_ASID && m->space[asid];
}

static mmu_status_t table_alloc(mmu_t *m, uint64_t *pa) {
  mmu_status_t s = mmu_mem_frame_alloc(m->mem, pa);
  if (s) return s;
  mmu_mem_zero(m->mem, *pa, MMU_FRAME_BYTES);
  mmu_mem_mark_table(m->mem, *pa, true);
  return MMU_OK;
}

static uint64_t rd(const mmu_t *m, uint64_t pa) {
  uint64_t v = 0;
  mmu_mem_read64(m->mem, pa, &v);
  return v;
}

/* Descends to the entry slot for va at target level. A present leaf above it is an overlap;
 * with create, missing tables are allocated. */
static mmu_status_t find_slot(mmu_t *m, uint16_t asid, uint64_t va, int target, bool create,
                              uint64_t *slot) {
  uint64_t table = m->root[asid];
  for (int level = m->fmt->levels - 1;; level--) {
    uint64_t addr = table + 8u * mmu_va_index(va, level);
    if (level == target) {
      *slot = addr;
      return MMU_OK;
    }
    uint64_t pte = rd(m, addr);
    mmu_pte_dec_t d;
    decode(m, pte, level, &d);
    if (pte == 0) {
      if (!create) return MMU_ERR_NOT_MAPPED;
      uint64_t t;
      mmu_status_t s = table_alloc(m, &t);
      if (s) return s;
      if (!mmu_mem_write64(m->mem, addr, mmu_pte_table(m->fmt, t))) {
        mmu_mem_frame_free(m->mem, t); /* the host could not back the entry: no orphan table */
        return MMU_ERR_NOMEM;
      }
      table = t;
      continue;
    }
    if (!d.present || d.leaf) return MMU_ERR_OVERLAP;
    table = d.addr;
  }
}

mmu_status_t mmu_space_create(mmu_t *m, uint16_t asid) {
  if (!m) return MMU_ERR_NULL;
  if (asid > MMU_MAX_ASID || m->space[asid]) return MMU_ERR_ASID;
  uint64_t root;
  mmu_status_t s = table_alloc(m, &root);
  if (s) return s;
  m->root[asid] = root;
  m->space[asid] = true;
  return MMU_OK;
}

static void free_tables(mmu_t *m, uint64_t table, int level) {
  for (unsigned i = 0; level > 0 && i < 512; i++) {
    uint64_t pte = rd(m, table + 8u * i);
    mmu_pte_dec_t d;
    decode(m, pte, level, &d);
    if (d.present && !d.leaf && mmu_mem_is_table(m->mem, d.addr)) free_tables(m, d.addr, level - 1);
  }
  mmu_mem_frame_free(m->mem, table);
}

mmu_status_t mmu_space_destroy(mmu_t *m, uint16_t asid) {
  if (!m) return MMU_ERR_NULL;
  if (!asid_ok(m, asid)) return MMU_ERR_ASID;
  free_tables(m, m->root[asid], m->fmt->levels - 1);
  m->root[asid] = 0;
  m->space[asid] = false;
  return MMU_OK;
}

mmu_status_t mmu_space_root(const mmu_t *m, uint16_t asid, uint64_t *root) {
  if (!m || !root) return MMU_ERR_NULL;
  if (!asid_ok(m, asid)) return MMU_ERR_ASID;
  *root = m->root[asid];
  return MMU_OK;
}

/* Common argument checks for a VA range. */
static mmu_status_t check_range(const mmu_t *m, uint16_t asid, uint64_t va, uint64_t len,
                                uint64_t align) {
  if (!asid_ok(m, asid)) return MMU_ERR_ASID;
  if (len == 0) return MMU_ERR_ARG;
  if ((va | len) & (align - 1)) return MMU_ERR_ALIGN;
  uint64_t end = va + len - 1;
  if (end < va || !mmu_va_canonical(m->fmt, va) || !mmu_va_canonical(m->fmt, end))
    return MMU_ERR_RANGE;
  /* The range must not cross the canonical hole. */
  if ((va >> 63) != (end >> 63)) return MMU_ERR_RANGE;
  return MMU_OK;
}

static mmu_status_t check_perm(const mmu_t *m, uint32_t perm) {
  if (perm & ~(MMU_PERM_ALL | MMU_PERM_PKEY(15))) return MMU_ERR_ARG;
  if (!m->fmt->x86 && MMU_PERM_PKEY_OF(perm)) return MMU_ERR_ARG;
  /* RISC-V reserves W without R. */
  if (!m->fmt->x86 && (perm & MMU_PERM_W) && !(perm & MMU_PERM_R)) return MMU_ERR_ARG;
  return MMU_OK;
}

/* Finds the leaf mapping va; NOT_MAPPED if there is none. */
static mmu_status_t find_leaf(const mmu_t *m, uint16_t asid, uint64_t va, uint64_t *addr,
                              int *level_out, mmu_pte_dec_t *d) {
  uint64_t table = m->root[asid];
  for (int level = m->fmt->levels - 1; level >= 0; level--) {
    *addr = table + 8u * mmu_va_index(va, level);
    decode(m, rd(m, *addr), level, d);
    if (!d->present) return MMU_ERR_NOT_MAPPED;
    if (d->leaf) {
      *level_out = level;
      return MMU_OK;
    }
    table = d->addr;
  }
  return MMU_ERR_NOT_MAPPED;
}

static mmu_status_t unmap_pages(mmu_t *m, uint16_t asid, uint64_t va, uint64_t len, bool dry);

mmu_status_t mmu_map(mmu_t *m, uint16_t asid, uint64_t va, uint64_t pa, uint64_t len, uint32_t perm,
                     mmu_page_size_t size) {
  if (!m) return MMU_ERR_NULL;
  if ((unsigned)size >= MMU_PAGE_SIZES) return MMU_ERR_ARG;
  uint64_t pg = mmu_page_bytes(size);
  mmu_status_t s = check_range(m, asid, va, len, pg);
  if (s) return s;
  if ((s = check_perm(m, perm))) return s;
  if (pa & (pg - 1)) return MMU_ERR_ALIGN;
  if (pa >= mmu_mem_size(m->mem) || len > mmu_mem_size(m->mem) - pa) return MMU_ERR_RANGE;
  for (uint64_t f = pa; f < pa + len; f += MMU_FRAME_BYTES)
    if (mmu_mem_is_table(m->mem, f)) return MMU_ERR_OVERLAP; /* data over a page table */
  /* Pass 1: every target slot must be free (no leaf above, nothing at or below). */
  int level = (int)size;
  for (uint64_t off = 0; off < len; off += pg) {
    uint64_t slot;
    s = find_slot(m, asid, va + off, level, false, &slot);
    if (s == MMU_ERR_NOT_MAPPED) continue;
    if (s) return s;
    if (rd(m, slot) != 0) return MMU_ERR_OVERLAP;
  }
  /* Pass 2: install; on running out of frames, take back what was installed. */
  for (uint64_t off = 0; off < len; off += pg) {
    uint64_t slot;
    s = find_slot(m, asid, va + off, level, true, &slot);
    if (!s &&
        !mmu_mem_write64(m->mem, slot, mmu_pte_leaf(m->fmt, pa + off, perm, level, false, false)))
      s = MMU_ERR_NOMEM; /* the host could not back the table's line */
    if (s) {
      if (off) unmap_pages(m, asid, va, off, false);
      return s;
    }
  }
  return MMU_OK;
}

/* Clears the entry at addr and frees tables that become empty, up to (not including) the root. */
static void clear_and_prune(mmu_t *m, uint16_t asid, uint64_t va, int leaf_level) {
  uint64_t path[MMU_MAX_LEVELS] = {0};
  uint64_t table = m->root[asid];
  int top = m->fmt->levels - 1;
  for (int level = top; level >= leaf_level; level--) {
    path[level] = table + 8u * mmu_va_index(va, level);
    mmu_pte_dec_t d;
    decode(m, rd(m, path[level]), level, &d);
    table = d.addr;
  }
  mmu_mem_write64(m->mem, path[leaf_level], 0);
  for (int level = leaf_level; level < top; level++) {
    uint64_t t = path[level] & ~0xfffull;
    for (unsigned i = 0; i < 512; i++)
      if (rd(m, t + 8u * i)) return;
    mmu_mem_frame_free(m->mem, t);
    mmu_mem_write64(m->mem, path[level + 1], 0);
  }
}

static mmu_status_t unmap_pages(mmu_t *m, uint16_t asid, uint64_t va, uint64_t len, bool dry) {
  for (uint64_t off = 0; off < len;) {
    uint64_t addr;
    int level;
    mmu_pte_dec_t d;
    mmu_status_t s = find_leaf(m, asid, va + off, &addr, &level, &d);
    if (s) return s;
    uint64_t sz = mmu_level_bytes(level), base = (va + off) & ~(sz - 1);
    if (base < va || base + sz - 1 > va + len - 1) return MMU_ERR_ALIGN; /* splits a superpage */
    if (!dry) clear_and_prune(m, asid, base, level);
    off = base + sz - va;
  }
  return MMU_OK;
}

mmu_status_t mmu_unmap(mmu_t *m, uint16_t asid, uint64_t va, uint64_t len) {
  if (!m) return MMU_ERR_NULL;
  mmu_status_t s = check_range(m, asid, va, len, 4096);
  if (s) return s;
  if ((s = unmap_pages(m, asid, va, len, true))) return s;
  return unmap_pages(m, asid, va, len, false);
}

static mmu_status_t protect_pages(mmu_t *m, uint16_t asid, uint64_t va, uint64_t len, uint32_t perm,
                                  bool dry) {
  for (uint64_t off = 0; off < len;) {
    uint64_t addr;
    int level;
    mmu_pte_dec_t d;
    mmu_status_t s = find_leaf(m, asid, va + off, &addr, &level, &d);
    if (s) return s;
    uint64_t sz = mmu_level_bytes(level), base = (va + off) & ~(sz - 1);
    if (base < va || base + sz - 1 > va + len - 1) return MMU_ERR_ALIGN;
    if (!dry) mmu_mem_write64(m->mem, addr, mmu_pte_leaf(m->fmt, d.addr, perm, level, d.a, d.d));
    off = base + sz - va;
  }
  return MMU_OK;
}

mmu_status_t mmu_protect(mmu_t *m, uint16_t asid, uint64_t va, uint64_t len, uint32_t perm) {
  if (!m) return MMU_ERR_NULL;
  mmu_status_t s = check_range(m, asid, va, len, 4096);
  if (s) return s;
  if ((s = check_perm(m, perm))) return s;
  if ((s = protect_pages(m, asid, va, len, perm, true))) return s;
  return protect_pages(m, asid, va, len, perm, false);
}

mmu_status_t mmu_pte_lookup(const mmu_t *m, uint16_t asid, uint64_t va, mmu_pte_ref_t *ref) {
  if (!m || !ref) return MMU_ERR_NULL;
  if (!asid_ok(m, asid)) return MMU_ERR_ASID;
  if (!mmu_va_canonical(m->fmt, va)) return MMU_ERR_RANGE;
  uint64_t table = m->root[asid];
  for (int level = m->fmt->levels - 1; level >= 0; level--) {
    uint64_t addr = table + 8u * mmu_va_index(va, level), pte = rd(m, addr);
    mmu_pte_dec_t d;
    decode(m, pte, level, &d);
    *ref = (mmu_pte_ref_t){addr, pte, level, d.present, d.present && d.leaf};
    if (!d.present || d.leaf) return MMU_OK;
    table = d.addr;
  }
  return MMU_OK;
}

mmu_status_t mmu_pte_set(mmu_t *m, uint16_t asid, uint64_t va, uint64_t pte) {
  if (!m) return MMU_ERR_NULL;
  if (!asid_ok(m, asid)) return MMU_ERR_ASID;
  if (!mmu_va_canonical(m->fmt, va)) return MMU_ERR_RANGE;
  uint64_t slot;
  mmu_status_t s = find_slot(m, asid, va, 0, true, &slot);
  if (s) return s;
  return mmu_mem_write64(m->mem, slot, pte) ? MMU_OK : MMU_ERR_NOMEM;
}

mmu_status_t mmu_pte_decode(const mmu_t *m, uint64_t pte, int level, mmu_pte_fields_t *f) {
  if (!m || !f) return MMU_ERR_NULL;
  if (level < 0 || level > 2) return MMU_ERR_ARG;
  mmu_pte_dec_t d;
  decode(m, pte, level, &d);
  memset(f, 0, sizeof *f);
  mmu_pte_fields_of(&d, f);
  return MMU_OK;
}

mmu_status_t mmu_pte_encode(const mmu_t *m, const mmu_pte_fields_t *f, int level, uint64_t *pte) {
  if (!m || !f || !pte) return MMU_ERR_NULL;
  if (level < 0 || level > 2 || !f->present) return MMU_ERR_ARG;
  if (f->pa & (mmu_level_bytes(level) - 1)) return MMU_ERR_ALIGN;
  mmu_status_t s = check_perm(m, f->perm);
  if (s) return s;
  *pte = mmu_pte_leaf(m->fmt, f->pa, f->perm, level, f->accessed, f->dirty);
  return MMU_OK;
}
