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
