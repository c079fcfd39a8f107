/* memory.c — sparse physical memory, frame allocator; the PTE-load latency model is cache.c. */
#include "memory.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_FRAMES 512u /* frames per directory chunk (2 MiB of physical memory) */

struct mmu_mem {
  uint64_t bytes, frames;
  uint8_t ***dir; /* dir[chunk][frame] -> 4 KiB, allocated on first write */
  uint64_t *alloc_bits, *table_bits;
  uint64_t free_frames, hint; /* hint: word index to start the downward search at */
  mmu_cache_t *cache; /* the latency model of PTE loads */
  uint64_t frames_backed;
  uint64_t table_gen; /* see mmu_mem_table_gen */
};

static bool bit_get(const uint64_t *b, uint64_t i) {
  return (b[i >> 6] >> (i & 63)) & 1u;
}
static void bit_set(uint64_t *b, uint64_t i, bool v) {
  if (v)
    b[i >> 6] |= 1ull << (i & 63);
  else
    b[i >> 6] &= ~(1ull << (i & 63));
}

mmu_status_t mmu_mem_create(uint64_t phys_bytes, const mmu_cache_config_t cache[MMU_CACHE_LEVELS],
                            uint32_t dram_latency, mmu_mem_t **out) {
  if (!out || !cache) return MMU_ERR_NULL;
  *out = NULL;
  if (phys_bytes == 0 || phys_bytes % MMU_FRAME_BYTES || phys_bytes > MMU_PHYS_MAX)
    return MMU_ERR_CONFIG;
  mmu_mem_t *m = calloc(1, sizeof *m);
  if (!m) return MMU_ERR_NOMEM;
  m->bytes = phys_bytes;
  m->frames = phys_bytes / MMU_FRAME_BYTES;
  uint64_t chunks = (m->frames + CHUNK_FRAMES - 1) / CHUNK_FRAMES;
  uint64_t words = (m->frames + 63) / 64;
  m->dir = calloc(chunks, sizeof *m->dir);
  m->alloc_bits = calloc(words, sizeof(uint64_t));
  m->table_bits = calloc(words, sizeof(uint64_t));
  if (!m->dir || !m->alloc_bits || !m->table_bits) goto oom;
  m->free_frames = m->frames;
  m->hint = words - 1;
  mmu_status_t s = mmu_cache_create(cache, dram_latency, &m->cache);
  if (s != MMU_OK) {
    mmu_mem_destroy(m);
    return s;
  }
  *out = m;
  return MMU_OK;
oom:
  mmu_mem_destroy(m);
  return MMU_ERR_NOMEM;
}

void mmu_mem_destroy(mmu_mem_t *m) {
  if (!m) return;
  uint64_t chunks = (m->frames + CHUNK_FRAMES - 1) / CHUNK_FRAMES;
  if (m->dir) {
    for (uint64_t c = 0; c < chunks; c++) {
      if (!m->dir[c]) continue;
      for (unsigned f = 0; f < CHUNK_FRAMES; f++) free(m->dir[c][f]);
      free(m->dir[c]);
    }
  }
  free(m->dir);
  free(m->alloc_bits);
  free(m->table_bits);
  mmu_cache_destroy(m->cache);
  free(m);
}

uint64_t mmu_mem_size(const mmu_mem_t *m) {
  return m->bytes;
}

static uint8_t *frame_get(const mmu_mem_t *m, uint64_t pa) {
  uint64_t fn = pa / MMU_FRAME_BYTES;
  uint8_t **chunk = m->dir[fn / CHUNK_FRAMES];
  return chunk ? chunk[fn % CHUNK_FRAMES] : NULL;
}

uint8_t *mmu_mem_frame_ptr(mmu_mem_t *m, uint64_t pa) {
  if (pa >= m->bytes) return NULL;
  uint64_t fn = pa / MMU_FRAME_BYTES;
  uint8_t ***chunk = &m->dir[fn / CHUNK_FRAMES];
  if (!*chunk && !(*chunk = calloc(CHUNK_FRAMES, sizeof(uint8_t *)))) return NULL;
  uint8_t **frame = &(*chunk)[fn % CHUNK_FRAMES];
  if (!*frame) {
    if (!(*frame = calloc(1, MMU_FRAME_BYTES))) return NULL;
    m->frames_backed++;
  }
  return *frame;
}

bool mmu_mem_read64(const mmu_mem_t *m, uint64_t pa, uint64_t *v) {
  if (pa >= m->bytes || (pa & 7)) return false;
  const uint8_t *f = frame_get(m, pa);
  if (!f) {
    *v = 0;
    return true;
  }
  memcpy(v, f + (pa % MMU_FRAME_BYTES), 8);
  return true;
}

bool mmu_mem_write64(mmu_mem_t *m, uint64_t pa, uint64_t v) {
  if (pa >= m->bytes || (pa & 7)) return false;
  uint8_t *f = mmu_mem_frame_ptr(m, pa);
  if (!f) return false;
  memcpy(f + (pa % MMU_FRAME_BYTES), &v, 8);
  return true;
}

static mmu_status_t range_ok(const mmu_mem_t *m, uint64_t pa, size_t len) {
  if (pa > m->bytes || len > m->bytes - pa) return MMU_ERR_RANGE;
  return MMU_OK;
}

mmu_status_t mmu_mem_read(const mmu_mem_t *m, uint64_t pa, void *buf, size_t len) {
  if (!m || (!buf && len)) return MMU_ERR_NULL;
  mmu_status_t s = range_ok(m, pa, len);
  if (s) return s;
  uint8_t *out = buf;
  while (len) {
    size_t off = pa % MMU_FRAME_BYTES, n = MMU_FRAME_BYTES - off;
    if (n > len) n = len;
    const uint8_t *f = frame_get(m, pa);
    if (f)
      memcpy(out, f + off, n);
    else
      memset(out, 0, n);
    out += n, pa += n, len -= n;
  }
  return MMU_OK;
}

mmu_status_t mmu_mem_write(mmu_mem_t *m, uint64_t pa, const void *buf, size_t len) {
  if (!m || (!buf && len)) return MMU_ERR_NULL;
  mmu_status_t s = range_ok(m, pa, len);
  if (s) return s;
  const uint8_t *in = buf;
  while (len) {
    size_t off = pa % MMU_FRAME_BYTES, n = MMU_FRAME_BYTES - off;
    if (n > len) n = len;
    uint8_t *f = mmu_mem_frame_ptr(m, pa);
    if (!f) return MMU_ERR_NOMEM;
    if (bit_get(m->table_bits, pa / MMU_FRAME_BYTES)) m->table_gen++;
    memcpy(f + off, in, n);
    in += n, pa += n, len -= n;
  }
  return MMU_OK;
}

mmu_status_t mmu_mem_zero(mmu_mem_t *m, uint64_t pa, size_t len) {
  if (!m) return MMU_ERR_NULL;
  mmu_status_t s = range_ok(m, pa, len);
  if (s) return s;
  while (len) {
    size_t off = pa % MMU_FRAME_BYTES, n = MMU_FRAME_BYTES - off;
    if (n > len) n = len;
    uint8_t *f = frame_get(m, pa); /* unbacked frames already read as zero */
    if (bit_get(m->table_bits, pa / MMU_FRAME_BYTES)) m->table_gen++;
    if (f) memset(f + off, 0, n);
    pa += n, len -= n;
  }
  return MMU_OK;
}

/* ---- latency model (cache.c) ---- */
uint32_t mmu_mem_timed_access(mmu_mem_t *m, uint64_t pa, int *level_out) {
  return mmu_cache_access(m->cache, pa, level_out);
}

void mmu_mem_cache_flush(mmu_mem_t *m) {
  mmu_cache_flush(m->cache);
}

/* ---- frame allocator ---- */
mmu_status_t mmu_mem_frame_alloc(mmu_mem_t *m, uint64_t *pa) {
  if (!m || !pa) return MMU_ERR_NULL;
  if (m->free_frames == 0) return MMU_ERR_NO_FRAME;
  uint64_t words = (m->frames + 63) / 64;
  for (uint64_t n = 0; n < words; n++) {
    uint64_t w = (m->hint + words - n) % words;
    uint64_t used = m->alloc_bits[w];
    if (w == words - 1 && m->frames % 64) used |= ~0ull << (m->frames % 64);
    if (used == ~0ull) continue;
    int b = 63 - __builtin_clzll(~used); /* highest free frame in the word */
    uint64_t fn = w * 64 + (uint64_t)b;
    bit_set(m->alloc_bits, fn, true);
    m->free_frames--;
    m->hint = w;
    *pa = fn * MMU_FRAME_BYTES;
    return MMU_OK;
  }
  return MMU_ERR_NO_FRAME;
}

mmu_status_t mmu_mem_frame_free(mmu_mem_t *m, uint64_t pa) {
  if (!m) return MMU_ERR_NULL;
  if (pa >= m->bytes || pa % MMU_FRAME_BYTES) return MMU_ERR_RANGE;
  uint64_t fn = pa / MMU_FRAME_BYTES;
  if (!bit_get(m->alloc_bits, fn)) return MMU_ERR_STATE;
  if (bit_get(m->table_bits, fn)) m->table_gen++;
  bit_set(m->alloc_bits, fn, false);
  bit_set(m->table_bits, fn, false);
  m->free_frames++;
  if (fn / 64 > m->hint) m->hint = fn / 64;
  /* Drop the contents: the frame reads as zero again and the host memory is returned. */
  uint8_t **chunk = m->dir[fn / CHUNK_FRAMES];
  if (chunk && chunk[fn % CHUNK_FRAMES]) {
    free(chunk[fn % CHUNK_FRAMES]);
    chunk[fn % CHUNK_FRAMES] = NULL;
    m->frames_backed--;
  }
  return MMU_OK;
}

bool mmu_mem_frame_allocated(const mmu_mem_t *m, uint64_t pa) {
  return pa < m->bytes && bit_get(m->alloc_bits, pa / MMU_FRAME_BYTES);
}

uint64_t mmu_mem_frames_free(const mmu_mem_t *m) {
  return m->free_frames;
}

void mmu_mem_mark_table(mmu_mem_t *m, uint64_t pa, bool is_table) {
  if (pa < m->bytes) bit_set(m->table_bits, pa / MMU_FRAME_BYTES, is_table);
}

bool mmu_mem_is_table(const mmu_mem_t *m, uint64_t pa) {
  return pa < m->bytes && bit_get(m->table_bits, pa / MMU_FRAME_BYTES);
}

size_t mmu_mem_host_bytes(const mmu_mem_t *m, size_t *frame_bytes) {
  uint64_t chunks = (m->frames + CHUNK_FRAMES - 1) / CHUNK_FRAMES, used_chunks = 0;
  for (uint64_t c = 0; c < chunks; c++) used_chunks += m->dir[c] != NULL;
  if (frame_bytes) *frame_bytes = (size_t)(m->frames_backed * MMU_FRAME_BYTES);
  return (size_t)(chunks * sizeof(void *) + used_chunks * CHUNK_FRAMES * sizeof(void *) +
                  2 * ((m->frames + 63) / 64) * 8);
}

uint64_t mmu_mem_table_gen(const mmu_mem_t *m) {
  return m->table_gen;
}

mmu_status_t mmu_mem_copy_frame(mmu_mem_t *m, uint64_t dst, uint64_t src) {
  if (!m) return MMU_ERR_NULL;
  if (dst >= m->bytes || src >= m->bytes || (dst | src) % MMU_FRAME_BYTES) return MMU_ERR_RANGE;
  const uint8_t *s = frame_get(m, src);
  if (!s) return mmu_mem_zero(m, dst, MMU_FRAME_BYTES); /* an unbacked source reads as zero */
  uint64_t fn = dst / MMU_FRAME_BYTES;
  uint8_t ***chunk = &m->dir[fn / CHUNK_FRAMES];
  if (!*chunk && !(*chunk = calloc(CHUNK_FRAMES, sizeof(uint8_t *)))) return MMU_ERR_NOMEM;
  uint8_t **d = &(*chunk)[fn % CHUNK_FRAMES];
  if (!*d) { /* every byte is written next: no zeroing */
    if (!(*d = malloc(MMU_FRAME_BYTES))) return MMU_ERR_NOMEM;
    m->frames_backed++;
  }
  if (bit_get(m->table_bits, fn)) m->table_gen++;
  if (*d != s) memcpy(*d, s, MMU_FRAME_BYTES);
  return MMU_OK;
}
