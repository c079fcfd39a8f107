/* fw_map.c — open-addressing hash map uint64 -> uint64 used by the kernel's tables. */
#include <stdlib.h>
#include <string.h>

#include "fw_internal.h"

static size_t hash(uint64_t k, size_t cap) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  return (size_t)k & (cap - 1);
}

void fw_map_free(fw_map_t *m) {
  free(m->keys);
  free(m->vals);
  free(m->state);
  memset(m, 0, sizeof *m);
}

static size_t find(const fw_map_t *m, uint64_t key, bool *found) {
  size_t i = hash(key, m->cap), tomb = SIZE_MAX;
  for (;;) {
    if (m->state[i] == 0) {
      *found = false;
      return tomb != SIZE_MAX ? tomb : i;
    }
    if (m->state[i] == 1 && m->keys[i] == key) {
      *found = true;
      return i;
    }
    if (m->state[i] == 2 && tomb == SIZE_MAX) tomb = i;
    i = (i + 1) & (m->cap - 1);
  }
}

bool fw_map_get(const fw_map_t *m, uint64_t key, uint64_t *val) {
  if (!m->cap) return false;
  bool found;
  size_t i = find(m, key, &found);
  if (found && val) *val = m->vals[i];
  return found;
}

static mmu_status_t grow(fw_map_t *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  if (m->used < m->cap / 4) cap = m->cap ? m->cap : 64; /* mostly tombstones: rehash only */
  fw_map_t n = {calloc(cap, 8), calloc(cap, 8), calloc(cap, 1), cap, 0, 0};
  if (!n.keys || !n.vals || !n.state) {
    fw_map_free(&n);
    return MMU_ERR_NOMEM;
  }
  for (size_t i = 0; i < m->cap; i++)
    if (m->state[i] == 1) {
      bool f;
      size_t j = find(&n, m->keys[i], &f);
      n.keys[j] = m->keys[i];
      n.vals[j] = m->vals[i];
      n.state[j] = 1;
      n.used++;
    }
  fw_map_free(m);
  *m = n;
  return MMU_OK;
}

mmu_status_t fw_map_put(fw_map_t *m, uint64_t key, uint64_t val) {
  if ((m->used + m->tomb + 1) * 4 > m->cap * 3) {
    mmu_status_t s = grow(m);
    if (s) return s;
  }
  bool found;
  size_t i = find(m, key, &found);
  if (!found) {
    if (m->state[i] == 2) m->tomb--;
    m->state[i] = 1;
    m->keys[i] = key;
    m->used++;
  }
  m->vals[i] = val;
  return MMU_OK;
}

bool fw_map_del(fw_map_t *m, uint64_t key) {
  if (!m->cap) return false;
  bool found;
  size_t i = find(m, key, &found);
  if (!found) return false;
  m->state[i] = 2;
  m->used--;
  m->tomb++;
  return true;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

mmu_status_t fw_map_keys(const fw_map_t *m, uint64_t **keys, size_t *n) {
  *keys = NULL;
  *n = 0;
  if (!m->used) return MMU_OK;
  uint64_t *k = malloc(m->used * sizeof *k);
  if (!k) return MMU_ERR_NOMEM;
  size_t c = 0;
  for (size_t i = 0; i < m->cap; i++)
    if (m->state[i] == 1) k[c++] = m->keys[i];
  qsort(k, c, sizeof *k, cmp_u64);
  *keys = k;
  *n = c;
  return MMU_OK;
}

/* ---- page sets ---- */
#define PLEAF_PAGES (1u << FW_PLEAF_SHIFT)

void fw_pageset_free(fw_pageset_t *s) {
  for (size_t i = 0; i < s->leaves.cap; i++)
    if (s->leaves.state[i] == 1) free((fw_pleaf_t *)(uintptr_t)s->leaves.vals[i]);
  fw_map_free(&s->leaves);
  memset(s, 0, sizeof *s);
}

static fw_pleaf_t *leaf_of(const fw_pageset_t *s, uint64_t key) {
  if (s->last && s->last_key == key) return s->last;
  uint64_t v;
  return fw_map_get(&s->leaves, key, &v) ? (fw_pleaf_t *)(uintptr_t)v : NULL;
}

static bool leaf_bit(const fw_pleaf_t *l, uint64_t vpn) {
  unsigned b = (unsigned)(vpn & (PLEAF_PAGES - 1));
  return (l->bits[b / 64] >> (b % 64)) & 1;
}

bool fw_pageset_has(const fw_pageset_t *s, uint64_t vpn) {
  const fw_pleaf_t *l = leaf_of(s, vpn >> FW_PLEAF_SHIFT);
  return l && leaf_bit(l, vpn);
}

mmu_status_t fw_pageset_add_slow(fw_pageset_t *s, uint64_t vpn) {
  uint64_t key = vpn >> FW_PLEAF_SHIFT;
  fw_pleaf_t *l = leaf_of(s, key);
  if (!l) {
    if (!(l = calloc(1, sizeof *l))) return MMU_ERR_NOMEM;
    mmu_status_t st = fw_map_put(&s->leaves, key, (uint64_t)(uintptr_t)l);
    if (st) {
      free(l);
      return st;
    }
  }
  s->last_key = key;
  s->last = l;
  if (leaf_bit(l, vpn)) return MMU_OK;
  unsigned b = (unsigned)(vpn & (PLEAF_PAGES - 1));
  l->bits[b / 64] |= 1ull << (b % 64);
  l->n++;
  s->count++;
  return MMU_OK;
}

void fw_pageset_del(fw_pageset_t *s, uint64_t vpn) {
  uint64_t key = vpn >> FW_PLEAF_SHIFT;
  fw_pleaf_t *l = leaf_of(s, key);
  if (!l || !leaf_bit(l, vpn)) return;
  unsigned b = (unsigned)(vpn & (PLEAF_PAGES - 1));
  l->bits[b / 64] &= ~(1ull << (b % 64));
  l->n--;
  s->count--;
  if (l->n) {
    s->last_key = key;
    s->last = l;
    return;
  }
  fw_map_del(&s->leaves, key);
  free(l);
  if (s->last == l) s->last = NULL;
}

mmu_status_t fw_pageset_keys(const fw_pageset_t *s, uint64_t **keys, size_t *n) {
  *keys = NULL;
  *n = 0;
  if (!s->count) return MMU_OK;
  uint64_t *lk;
  size_t nl;
  mmu_status_t st = fw_map_keys(&s->leaves, &lk, &nl);
  if (st) return st;
  uint64_t *out = malloc(s->count * sizeof *out);
  if (!out) {
    free(lk);
    return MMU_ERR_NOMEM;
  }
  size_t c = 0;
  for (size_t i = 0; i < nl; i++) {
    const fw_pleaf_t *l = leaf_of(s, lk[i]);
    for (unsigned w = 0; w < PLEAF_PAGES / 64; w++)
      for (uint64_t bits = l->bits[w]; bits; bits &= bits - 1)
        out[c++] = (lk[i] << FW_PLEAF_SHIFT) | (w * 64 + (unsigned)__builtin_ctzll(bits));
  }
  free(lk);
  *keys = out;
  *n = c;
  return MMU_OK;
}
