/* tracegen.c — synthetic lackey trace (see tracegen.h). */
#include "tracegen.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rng {
  uint64_t s;
} rng_t;

static uint64_t next(rng_t *r) { /* splitmix64 */
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
static double unit(rng_t *r) {
  return (double)(next(r) >> 11) * (1.0 / 9007199254740992.0);
}
static uint32_t below(rng_t *r, uint32_t n) {
  return (uint32_t)(((next(r) >> 32) * (uint64_t)n) >> 32);
}

typedef struct out {
  FILE *f;
  char buf[1 << 16];
  size_t n;
  uint64_t bytes;
} out_t;

static void flush(out_t *o) {
  fwrite(o->buf, 1, o->n, o->f);
  o->bytes += o->n;
  o->n = 0;
}

/* "<prefix><hex, at least 8 digits>,<size>\n" as lackey prints it. */
static void emit(out_t *o, const char *prefix, uint64_t addr, unsigned size) {
  if (o->n > sizeof o->buf - 64) flush(o);
  char *p = o->buf + o->n;
  size_t pl = strlen(prefix);
  memcpy(p, prefix, pl);
  p += pl;
  char hex[16];
  int n = 0;
  do {
    hex[n++] = "0123456789abcdef"[addr & 15];
    addr >>= 4;
  } while (addr);
  for (int i = n; i < 8; i++)
    *p++ = '0';
  while (n)
    *p++ = hex[--n];
  *p++ = ',';
  if (size >= 10) *p++ = (char)('0' + size / 10);
  *p++ = (char)('0' + size % 10);
  *p++ = '\n';
  o->n = (size_t)(p - o->buf);
}

#define TEXT_BASE 0x00400000ull
#define TEXT_BYTES (4ull << 20)
#define LIB_BASE 0x04000000ull /* ld.so / libc text, as valgrind places it */
#define LIB_BYTES (2ull << 20)
#define GLOBALS 0x00a00000ull
#define GLOBALS_BYTES (512ull << 10)
#define HEAP_BASE 0x04a00000ull
#define HEAP_BYTES (256ull << 20)
#define STACK_TOP 0x1ffefff000ull
#define NSTREAMS 4
#define STREAM_BYTES (16ull << 20)
#define MAX_DEPTH 64

int tracegen_write(const char *path, uint64_t accesses, uint64_t seed, tracegen_stats_t *st) {
  out_t *o = calloc(1, sizeof *o);
  if (!o) return -1;
  o->f = fopen(path, "w");
  if (!o->f) {
    free(o);
    return -1;
  }
  tracegen_stats_t s = {0};
  rng_t r = {seed ? seed : 1};
  static const char hdr[] = "==4242== Lackey, an example Valgrind tool\n"
                            "==4242== Copyright (C) 2002-2022, and GNU GPL'd, by Nicholas "
                            "Nethercote et al.\n"
                            "==4242== Command: ./synthetic\n==4242== \n";
  memcpy(o->buf, hdr, sizeof hdr - 1);
  o->n = sizeof hdr - 1;

  uint64_t pc = TEXT_BASE + 0x1000, ret[MAX_DEPTH];
  int depth = 0;
  uint64_t sp = STACK_TOP - 0x400;
  uint64_t stream[NSTREAMS];
  for (int i = 0; i < NSTREAMS; i++)
    stream[i] = HEAP_BASE + HEAP_BYTES + (uint64_t)i * STREAM_BYTES;
  static const unsigned isz[] = {1, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7, 8, 3, 2, 4, 10};
  static const unsigned dsz[] = {8, 8, 8, 8, 4, 4, 1, 2, 8, 16};

  while (s.accesses < accesses) {
    /* Instruction fetch. */
    unsigned len = isz[below(&r, 16)];
    emit(o, "I  ", pc, len);
    s.instr++, s.lines++, s.accesses++;
    pc += len;
    uint32_t b = below(&r, 1000);
    if (b < 120) { /* taken branch within the function */
      int64_t d = (int64_t)below(&r, 512) - 320;
      pc = (uint64_t)((int64_t)pc + d);
    } else if (b < 140 && depth < MAX_DEPTH) { /* call: hot functions are called most */
      ret[depth++] = pc;
      double u = unit(&r);
      bool lib = below(&r, 4) == 0;
      uint64_t base = lib ? LIB_BASE : TEXT_BASE, span = lib ? LIB_BYTES : TEXT_BYTES;
      pc = base + ((uint64_t)(u * u * u * (double)span) & ~15ull);
      sp -= 16 + 16 * below(&r, 16);
    } else if (b < 160 && depth > 0) { /* return */
      pc = ret[--depth];
      sp = STACK_TOP - 0x400 - (uint64_t)depth * 96;
    }
    if (pc < TEXT_BASE) pc = TEXT_BASE;
    if (s.accesses >= accesses) break;

    /* About 0.45 data references per instruction. */
    if (below(&r, 100) >= 45) continue;
    uint32_t k = below(&r, 100);
    uint64_t a;
    unsigned size = dsz[below(&r, 10)];
    if (k < 40) { /* stack, near the current frame */
      a = sp + 8 * below(&r, 32);
    } else if (k < 75) { /* heap objects, Zipf-like popularity */
      double u = unit(&r);
      uint64_t obj = (uint64_t)(u * u * u * u * (double)(HEAP_BYTES / 64));
      a = HEAP_BASE + obj * 64 + 8 * below(&r, 8);
    } else if (k < 95) { /* sequential array streams */
      int i = (int)below(&r, NSTREAMS);
      a = stream[i];
      stream[i] += 8;
      uint64_t base = HEAP_BASE + HEAP_BYTES + (uint64_t)i * STREAM_BYTES;
      if (stream[i] >= base + STREAM_BYTES) stream[i] = base;
      size = 8;
    } else { /* globals */
      a = GLOBALS + (below(&r, (uint32_t)GLOBALS_BYTES) & ~7u);
    }
    if (size > 8)
      a &= ~15ull;
    else
      a &= ~(uint64_t)(size - 1);
    uint32_t op = below(&r, 100);
    if (op < 62) {
      emit(o, " L ", a, size);
      s.loads++, s.accesses++;
    } else if (op < 90) {
      emit(o, " S ", a, size);
      s.stores++, s.accesses++;
    } else if (s.accesses + 2 <= accesses) {
      emit(o, " M ", a, size);
      s.modifies++, s.accesses += 2;
    } else {
      emit(o, " L ", a, size);
      s.loads++, s.accesses++;
    }
    s.lines++;
  }
  flush(o);
  int rc = ferror(o->f) ? -1 : 0;
  if (fclose(o->f)) rc = -1;
  s.bytes = o->bytes;
  free(o);
  if (st) *st = s;
  return rc;
}
