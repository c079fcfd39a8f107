/* fuzz_common.h — what the fuzz targets share: the invariant check and the input reader. */
#ifndef MMUSIM_FUZZ_COMMON_H
#define MMUSIM_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* An invariant violation aborts, so libFuzzer reports it with the input. */
#define CHECK(c)                                                                                   \
  do {                                                                                             \
    if (!(c)) {                                                                                    \
      fprintf(stderr, "invariant violated: %s (%s:%d)\n", #c, __FILE__, __LINE__);                 \
      abort();                                                                                     \
    }                                                                                              \
  } while (0)

/* The fuzzer's bytes, consumed front to back; past the end everything reads as zero. */
typedef struct input {
  const uint8_t *p;
  size_t n;
} input_t;

static inline uint64_t take(input_t *in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) {
    v <<= 8;
    if (in->n) {
      v |= *in->p++;
      in->n--;
    }
  }
  return v;
}

#endif
