/* memory.c — sparse physical memory, frame allocator; the PTE-load latency model is cache.c. */
#include "memory.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_FRAMES MMU_MEM_CHUNK_FRAMES

static bool bit_get(const uint64_t *b, uint64_t i) {
  return (b[i >> 6] >> (i & 63)) & 1u;
}
static void bit_set(uint64_t *b, uint64_t i, bool v) {
  if (v)
    b[i >> 6] |= 1ull << (i & 63);
  else
    b[i >> 6] &= ~(1ull << (i & 63));
}

/* The storage of every frame that has none (memory.h): zero bytes, no valid line. Never written
 * (const: a write would fault), only read through the directory. */
static const uint8_t no_frame[MMU_FRAME_BYTES + sizeof(uint64_t)];
#define NO_FRAME ((uint8_t *)no_frame)

/* A chunk of frames without storage, NULL when out of memory. Out of line (rare), so that
 * frame_backing stays small enough to be inlined into the writes. */
static __attribute__((noinline)) uint8_t **chunk_new(void) {
  uint8_t **c = malloc(MMU_MEM_CHUNK_FRAMES * sizeof *c);
  for (unsigned f = 0; c && f < MMU_MEM_CHUNK_FRAMES; f++)
    c[f] = NO_FRAME;
  return c;
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
  m->no_chunk = chunk_new();
  m->dir = m->no_chunk ? malloc(chunks * sizeof *m->dir) : NULL;
  for (uint64_t c = 0; m->dir && c < chunks; c++)
    m->dir[c] = m->no_chunk;
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
      if (m->dir[c] == m->no_chunk) continue;
      for (unsigned f = 0; f < CHUNK_FRAMES; f++)
        if (m->dir[c][f] != NO_FRAME) free(m->dir[c][f]);
      free(m->dir[c]);
    }
  }
  free(m->dir);
  free(m->no_chunk);
  free(m->alloc_bits);
  free(m->table_bits);
  mmu_cache_destroy(m->cache);
  free(m);
}

uint64_t mmu_mem_size(const mmu_mem_t *m) {
  return m->bytes;
}

/* Frame storage: MMU_FRAME_BYTES of contents, then a 64-bit mask of the 64-byte lines that hold
 * real bytes; a line outside the mask reads as zero whatever its bytes are. Storage comes from
 * malloc without zeroing, and lines become valid as they are written: a one-byte store to a
 * fresh frame touches one line of host memory instead of 4 KiB, zeroing a whole frame clears the
 * mask, and a frame copy moves only the valid lines. */
#define LINE 64u
#define STORAGE_BYTES (MMU_FRAME_BYTES + sizeof(uint64_t))

static uint64_t *line_mask(uint8_t *f) {
  return (uint64_t *)(void *)(f + MMU_FRAME_BYTES);
}
static uint64_t line_mask_of(const uint8_t *f) {
  uint64_t v;
  memcpy(&v, f + MMU_FRAME_BYTES, sizeof v);
  return v;
}
/* Lines [a, b) of a frame, b > a. */
static uint64_t lines(size_t a, size_t b) {
  return b - a == 64 ? ~0ull : ((1ull << (b - a)) - 1) << a;
}
/* Lines that bytes [off, off + n) of a frame touch, n > 0. */
static uint64_t lines_touched(size_t off, size_t n) {
  return lines(off / LINE, (off + n - 1) / LINE + 1);
}

/* The storage of the frame at pa (pa < m->bytes), NULL if it has none. */
static uint8_t *frame_get(const mmu_mem_t *m, uint64_t pa) {
  uint64_t fn = pa / MMU_FRAME_BYTES;
  uint8_t *f = m->dir[fn / CHUNK_FRAMES][fn % CHUNK_FRAMES];
  return f == NO_FRAME ? NULL : f;
}

/* The storage of the frame at pa (pa < m->bytes), allocated with no valid line if it has none. */
static uint8_t *frame_backing(mmu_mem_t *m, uint64_t pa) {
  uint64_t fn = pa / MMU_FRAME_BYTES;
  uint8_t ***chunk = &m->dir[fn / CHUNK_FRAMES];
  if (*chunk == m->no_chunk) {
    uint8_t **c = chunk_new();
    if (!c) return NULL;
    *chunk = c;
  }
  uint8_t **frame = &(*chunk)[fn % CHUNK_FRAMES];
  if (*frame == NO_FRAME) {
    uint8_t *f = malloc(STORAGE_BYTES);
    if (!f) return NULL;
    *frame = f;
    *line_mask(*frame) = 0;
    m->frames_backed++;
  }
  return *frame;
}

/* Makes the lines that a write of bytes [off, off + n) touches valid; a line the write covers
 * only in part is zeroed first if it was not valid. */
static void lines_prepare(uint8_t *f, size_t off, size_t n) {
  uint64_t *mask = line_mask(f), need = lines_touched(off, n) & ~*mask;
  if (!need) return;
  size_t lo = off / LINE, hi = (off + n - 1) / LINE;
  if (((need >> lo) & 1) && off % LINE) memset(f + lo * LINE, 0, LINE);
  if (((need >> hi) & 1) && (off + n) % LINE) memset(f + hi * LINE, 0, LINE);
  *mask |= need;
}

static void lines_read(const uint8_t *f, size_t off, uint8_t *out, size_t n) {
  uint64_t valid = line_mask_of(f), want = lines_touched(off, n);
  if ((valid & want) == want) {
    memcpy(out, f + off, n);
    return;
  }
  while (n) {
    size_t k = LINE - off % LINE;
    if (k > n) k = n;
    if ((valid >> (off / LINE)) & 1)
      memcpy(out, f + off, k);
    else
      memset(out, 0, k);
    out += k, off += k, n -= k;
  }
}

static void lines_zero(uint8_t *f, size_t off, size_t n) {
  size_t a = (off + LINE - 1) / LINE * LINE, b = (off + n) / LINE * LINE; /* whole lines */
  if (a >= b) {
    memset(f + off, 0, n);
    return;
  }
  memset(f + off, 0, a - off);
  memset(f + b, 0, off + n - b);
  *line_mask(f) &= ~lines(a / LINE, b / LINE);
}

uint8_t *mmu_mem_frame_ptr(mmu_mem_t *m, uint64_t pa) {
  if (pa >= m->bytes) return NULL;
  uint8_t *f = frame_backing(m, pa);
  if (f && ~*line_mask(f)) { /* every byte is real through a direct pointer */
    for (unsigned l = 0; l < MMU_FRAME_BYTES / LINE; l++)
      if (!((*line_mask(f) >> l) & 1)) memset(f + l * LINE, 0, LINE);
    *line_mask(f) = ~0ull;
  }
  return f;
}

bool mmu_mem_write64(mmu_mem_t *m, uint64_t pa, uint64_t v) {
  if (pa >= m->bytes || (pa & 7)) return false;
  uint8_t *f = frame_backing(m, pa);
  if (!f) return false;
  size_t off = pa % MMU_FRAME_BYTES;
  lines_prepare(f, off, 8);
  memcpy(f + off, &v, 8);
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
      lines_read(f, off, out, n);
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
    uint8_t *f = frame_backing(m, pa);
    if (!f) return MMU_ERR_NOMEM;
    if (bit_get(m->table_bits, pa / MMU_FRAME_BYTES)) m->table_gen++;
    lines_prepare(f, off, n);
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
    if (f) lines_zero(f, off, n);
    pa += n, len -= n;
  }
  return MMU_OK;
}

/* ---- latency model (cache.c) ---- */

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
  uint8_t **frame = &m->dir[fn / CHUNK_FRAMES][fn % CHUNK_FRAMES];
  if (*frame != NO_FRAME) {
    free(*frame);
    *frame = NO_FRAME;
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
  for (uint64_t c = 0; c < chunks; c++)
    used_chunks += m->dir[c] != m->no_chunk;
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
  uint8_t *d = frame_backing(m, dst);
  if (!d) return MMU_ERR_NOMEM;
  if (bit_get(m->table_bits, dst / MMU_FRAME_BYTES)) m->table_gen++;
  if (d == s) return MMU_OK;
  uint64_t valid = line_mask_of(s);
  if (valid == ~0ull) {
    memcpy(d, s, MMU_FRAME_BYTES);
  } else { /* only the lines that hold bytes; the others read as zero in the copy too */
    for (uint64_t v = valid; v; v &= v - 1) {
      unsigned l = (unsigned)__builtin_ctzll(v);
      memcpy(d + l * LINE, s + l * LINE, LINE);
    }
  }
  *line_mask(d) = valid;
  return MMU_OK;
}
