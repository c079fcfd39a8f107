/* trace.c — address-trace readers: valgrind lackey output and a plain "R|W|X addr [size]" text. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmusim.h"

struct mmu_trace {
  FILE *f;
  char *path;
  mmu_trace_format_t fmt;
  char *line;
  size_t cap;
  uint64_t lineno;
  /* Block reader (faster than getline for 100-MB traces): buf[pos, len) is unread input. */
  char *buf;
  size_t pos, len;
  bool eof;
  bool have_pending; /* lackey 'M' = load then store */
  mmu_trace_rec_t pending;
  char err[512];
};

static mmu_status_t fail(mmu_trace_t *t, const char *what) {
  snprintf(t->err, sizeof t->err, "%s:%" PRIu64 ": %s", t->path, t->lineno, what);
  return MMU_ERR_PARSE;
}

static const char *skip_ws(const char *p) {
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

static bool is_blank(const char *p) {
  p = skip_ws(p);
  return *p == '\0' || *p == '\n' || *p == '\r';
}

/* Value of a hex digit, or -1 (isxdigit/tolower per character, locale-aware calls, were a
 * fifth of the time of reading a lackey trace). */
static inline int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c |= 0x20; /* 'A'..'F' -> 'a'..'f' */
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/* Parses hex digits (optional 0x) into *v; returns the end or NULL. */
static const char *parse_hex(const char *p, uint64_t *v) {
  if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) p += 2;
  if (hex_value((unsigned char)*p) < 0) return NULL;
  uint64_t x = 0;
  int n = 0, d;
  for (; (d = hex_value((unsigned char)*p)) >= 0; p++, n++) {
    if (n == 16) return NULL; /* more than 64 bits */
    x = (x << 4) | (uint64_t)d;
  }
  *v = x;
  return p;
}

static const char *parse_dec(const char *p, uint32_t *v) {
  if (!isdigit((unsigned char)*p)) return NULL;
  uint64_t x = 0;
  for (; isdigit((unsigned char)*p); p++) {
    x = x * 10 + (uint64_t)(*p - '0');
    if (x > 0xffffffffu) return NULL;
  }
  *v = (uint32_t)x;
  return p;
}

static bool at_end(const char *p) {
  return is_blank(p);
}

static bool looks_lackey(const char *l) {
  if (strncmp(l, "==", 2) == 0) return true;
  if (l[0] == 'I' && l[1] == ' ') return true;
  return l[0] == ' ' && (l[1] == 'L' || l[1] == 'S' || l[1] == 'M') && l[2] == ' ';
}

mmu_status_t mmu_trace_open(const char *path, mmu_trace_format_t fmt, mmu_trace_t **out) {
  if (!path || !out) return MMU_ERR_NULL;
  *out = NULL;
  if ((unsigned)fmt > MMU_TRACE_LACKEY) return MMU_ERR_ARG;
  mmu_trace_t *t = calloc(1, sizeof *t);
  if (!t) return MMU_ERR_NOMEM;
  t->path = strdup(path);
  t->f = fopen(path, "r");
  if (!t->path || !t->f) {
    mmu_status_t s = t->path ? MMU_ERR_IO : MMU_ERR_NOMEM;
    mmu_trace_close(t);
    return s;
  }
  t->fmt = fmt;
  if (fmt == MMU_TRACE_AUTO) {
    /* Decide by the first line that is neither blank nor a comment. */
    t->fmt = MMU_TRACE_TEXT;
    while (getline(&t->line, &t->cap, t->f) > 0) {
      if (is_blank(t->line) || t->line[0] == '#') continue;
      if (looks_lackey(t->line)) t->fmt = MMU_TRACE_LACKEY;
      break;
    }
    rewind(t->f);
  }
  *out = t;
  return MMU_OK;
}

static mmu_status_t next_text(mmu_trace_t *t, const char *p, mmu_trace_rec_t *r) {
  p = skip_ws(p);
  char op = (char)toupper((unsigned char)*p);
  if (op == 'R')
    r->op = MMU_OP_READ;
  else if (op == 'W')
    r->op = MMU_OP_WRITE;
  else if (op == 'X')
    r->op = MMU_OP_EXEC;
  else
    return fail(t, "expected R, W or X at the start of the line");
  p++;
  if (*p != ' ' && *p != '\t') return fail(t, "expected a space after the access type");
  p = parse_hex(skip_ws(p), &r->va);
  if (!p) return fail(t, "expected a hexadecimal address (at most 16 digits)");
  r->size = 1;
  const char *q = skip_ws(p);
  if (!at_end(q)) {
    if (q == p) return fail(t, "expected a space after the address");
    q = parse_dec(q, &r->size);
    if (!q || !at_end(q) || r->size == 0)
      return fail(t, "expected a decimal size of at least 1 after the address");
  }
  return MMU_OK;
}

static mmu_status_t next_lackey(mmu_trace_t *t, const char *p, mmu_trace_rec_t *r) {
  char kind;
  if (p[0] == 'I' && p[1] == ' ')
    kind = 'I', p += 1;
  else if (p[0] == ' ' && (p[1] == 'L' || p[1] == 'S' || p[1] == 'M') && p[2] == ' ')
    kind = p[1], p += 2;
  else
    return fail(t, "not a lackey access line (expected 'I', ' L', ' S' or ' M')");
  p = parse_hex(skip_ws(p), &r->va);
  if (!p || *p != ',') return fail(t, "expected '<hex address>,<size>'");
  p = parse_dec(p + 1, &r->size);
  if (!p || !at_end(p) || r->size == 0) return fail(t, "expected a decimal size after ','");
  r->op = kind == 'I' ? MMU_OP_EXEC : kind == 'S' ? MMU_OP_WRITE : MMU_OP_READ;
  if (kind == 'M') {
    t->pending = *r;
    t->pending.op = MMU_OP_WRITE;
    t->have_pending = true;
  }
  return MMU_OK;
}

#define READ_BLOCK (1u << 16)

/* The next line (with its '\n' if it has one) into t->line, NUL-terminated; its length, or -1
 * at the end of the input or on a read error (ferror tells). Same lines as getline. */
static ssize_t read_line(mmu_trace_t *t) {
  if (!t->buf && !(t->buf = malloc(READ_BLOCK))) {
    errno = ENOMEM;
    return -1;
  }
  size_t n = 0; /* bytes of the line gathered in t->line */
  for (;;) {
    if (t->pos == t->len) {
      if (t->eof) break;
      t->len = fread(t->buf, 1, READ_BLOCK, t->f);
      t->pos = 0;
      if (t->len < READ_BLOCK) t->eof = true;
      if (!t->len) break;
    }
    const char *start = t->buf + t->pos;
    size_t avail = t->len - t->pos;
    const char *nl = memchr(start, '\n', avail);
    size_t take = nl ? (size_t)(nl - start) + 1 : avail;
    if (n + take + 1 > t->cap) {
      size_t cap = t->cap ? t->cap : 256;
      while (cap < n + take + 1)
        cap *= 2;
      char *l = realloc(t->line, cap);
      if (!l) {
        errno = ENOMEM;
        return -1;
      }
      t->line = l;
      t->cap = cap;
    }
    memcpy(t->line + n, start, take);
    n += take;
    t->pos += take;
    if (nl) break;
  }
  if (!n) return -1;
  t->line[n] = '\0';
  return (ssize_t)n;
}

mmu_status_t mmu_trace_next(mmu_trace_t *t, mmu_trace_rec_t *r) {
  if (!t || !r) return MMU_ERR_NULL;
  if (t->have_pending) {
    *r = t->pending;
    t->have_pending = false;
    return MMU_OK;
  }
  for (;;) {
    errno = 0;
    ssize_t n = read_line(t);
    if (n < 0) {
      if (ferror(t->f)) {
        snprintf(t->err, sizeof t->err, "%s: read error: %s", t->path, strerror(errno));
        return MMU_ERR_IO;
      }
      return MMU_ERR_EOF;
    }
    t->lineno++;
    if (memchr(t->line, '\0', (size_t)n)) return fail(t, "NUL byte in the line");
    if (is_blank(t->line)) continue;
    if (t->fmt == MMU_TRACE_TEXT && skip_ws(t->line)[0] == '#') continue;
    if (t->fmt == MMU_TRACE_LACKEY && strncmp(t->line, "==", 2) == 0) continue;
    return t->fmt == MMU_TRACE_LACKEY ? next_lackey(t, t->line, r) : next_text(t, t->line, r);
  }
}

const char *mmu_trace_error(const mmu_trace_t *t) {
  return t ? t->err : "";
}

uint64_t mmu_trace_line(const mmu_trace_t *t) {
  return t ? t->lineno : 0;
}

void mmu_trace_close(mmu_trace_t *t) {
  if (!t) return;
  if (t->f) fclose(t->f);
  free(t->line);
  free(t->buf);
  free(t->path);
  free(t);
}
