/* cli_vma.c — the address space of the mmusim tool: --vma parsing and /proc/PID/maps files. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

void cli_vmas_free(cli_vmas_t *l) {
  for (size_t i = 0; i < l->n; i++)
    free(l->v[i].path);
  free(l->v);
  memset(l, 0, sizeof *l);
}

bool cli_vmas_push(cli_vmas_t *l, const cli_vma_t *v) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 16;
    cli_vma_t *nv = realloc(l->v, cap * sizeof *nv);
    if (!nv) return false;
    l->v = nv;
    l->cap = cap;
  }
  l->v[l->n++] = *v;
  return true;
}

/* A file the firmware can map: a readable regular file. Checked while parsing, so that a bad
 * path is an input error naming the option or the line, not a failure half-way through the
 * set-up. Returns NULL or the reason. */
static const char *file_problem(const char *path) {
  struct stat sb;
  if (stat(path, &sb) != 0 || access(path, R_OK) != 0) return strerror(errno);
  if (!S_ISREG(sb.st_mode)) return "not a regular file";
  return NULL;
}

static bool parse_num(const char *s, char **end, uint64_t *out, int base) {
  errno = 0;
  if (*s == '-' || *s == '+' || *s == ' ') return false;
  unsigned long long v = strtoull(s, end, base);
  if (errno || *end == s) return false;
  *out = v;
  return true;
}

/* "file=PATH[@OFFSET][,shared|,private]": the options are taken from the right, so a PATH may
 * hold ':' and ',' and '@' as long as it does not end like an option. */
static bool parse_file_kind(const char *arg, char *spec, cli_vma_t *v, char *err, size_t len) {
  size_t n = strlen(spec);
  if (n >= 7 && !strcmp(spec + n - 7, ",shared")) {
    v->shared = true;
    spec[n -= 7] = '\0';
  } else if (n >= 8 && !strcmp(spec + n - 8, ",private")) {
    spec[n -= 8] = '\0';
  }
  char *at = strrchr(spec, '@');
  if (at) {
    char *e;
    if (!parse_num(at + 1, &e, &v->offset, 0) || *e) {
      snprintf(err, len, "--vma '%s': OFFSET '%s' is not a number", arg, at + 1);
      return false;
    }
    if (v->offset & 0xfff) {
      snprintf(err, len, "--vma '%s': OFFSET must be a multiple of 4096", arg);
      return false;
    }
    *at = '\0';
  }
  if (!*spec) {
    snprintf(err, len, "--vma '%s': file= needs a PATH", arg);
    return false;
  }
  const char *why = file_problem(spec);
  if (why) {
    snprintf(err, len, "--vma '%s': file '%s': %s", arg, spec, why);
    return false;
  }
  if (!(v->path = strdup(spec))) {
    snprintf(err, len, "--vma '%s': out of memory", arg);
    return false;
  }
  v->kind = CLI_VMA_FILE;
  return true;
}

bool cli_parse_vma(const char *s, cli_vma_t *v, char *err, size_t len) {
  char *e;
  memset(v, 0, sizeof *v);
  v->prot = MMU_PROT_READ | MMU_PROT_WRITE;
  if (!parse_num(s, &e, &v->start, 0) || *e != '-' || !parse_num(e + 1, &e, &v->end, 0)) {
    snprintf(err, len, "--vma '%s': expected START-END[:PROT[:KIND]]", s);
    return false;
  }
  if (v->end <= v->start || (v->start & 0xfff) || (v->end & 0xfff)) {
    snprintf(err, len, "--vma '%s': START < END, both multiples of 4096", s);
    return false;
  }
  if (*e == ':') {
    e++;
    v->prot = 0;
    for (; *e && *e != ':'; e++) {
      if (*e == 'r')
        v->prot |= MMU_PROT_READ;
      else if (*e == 'w')
        v->prot |= MMU_PROT_WRITE;
      else if (*e == 'x')
        v->prot |= MMU_PROT_EXEC;
      else if (*e != '-') {
        snprintf(err, len, "--vma '%s': PROT is a combination of r, w, x (or -)", s);
        return false;
      }
    }
    if (*e == ':') {
      e++;
      if (!strcmp(e, "stack")) {
        v->kind = CLI_VMA_STACK;
      } else if (!strncmp(e, "file=", 5)) {
        char *spec = strdup(e + 5);
        bool ok = spec && parse_file_kind(s, spec, v, err, len);
        if (!spec) snprintf(err, len, "--vma '%s': out of memory", s);
        free(spec);
        return ok;
      } else if (strcmp(e, "anon")) {
        snprintf(err, len, "--vma '%s': KIND is anon, stack or file=PATH[@OFFSET][,shared]", s);
        return false;
      }
      e += strlen(e);
    }
  }
  if (*e) {
    snprintf(err, len, "--vma '%s': unexpected '%s'", s, e);
    return false;
  }
  return true;
}

/* One line of a maps file: "START-END PERMS OFFSET DEV INODE [PATH]" (proc(5)). */
static bool maps_line(const char *file, uint64_t lineno, char *line, uint64_t user_top,
                      cli_vmas_t *out, cli_maps_stats_t *ms, char *err, size_t len) {
  cli_vma_t v;
  memset(&v, 0, sizeof v);
  v.line = lineno;
  char *e, *p = line;
  if (!parse_num(p, &e, &v.start, 16) || *e != '-' || !parse_num(e + 1, &e, &v.end, 16) ||
      *e != ' ') {
    snprintf(err, len, "%s:%" PRIu64 ": expected START-END PERMS OFFSET DEV INODE [PATH]", file,
             lineno);
    return false;
  }
  if (v.end <= v.start || (v.start & 0xfff) || (v.end & 0xfff)) {
    snprintf(err, len, "%s:%" PRIu64 ": START < END, both multiples of 4096", file, lineno);
    return false;
  }
  p = e + 1;
  static const char want[4][2] = {{'r', '-'}, {'w', '-'}, {'x', '-'}, {'p', 's'}};
  for (int i = 0; i < 4; i++)
    if (p[i] != want[i][0] && p[i] != want[i][1]) {
      snprintf(err, len, "%s:%" PRIu64 ": PERMS is 4 characters: r or -, w or -, x or -, p or s",
               file, lineno);
      return false;
    }
  if (p[4] != ' ') {
    snprintf(err, len, "%s:%" PRIu64 ": PERMS is 4 characters: r or -, w or -, x or -, p or s",
             file, lineno);
    return false;
  }
  v.prot = (p[0] == 'r' ? MMU_PROT_READ : 0) | (p[1] == 'w' ? MMU_PROT_WRITE : 0) |
           (p[2] == 'x' ? MMU_PROT_EXEC : 0);
  bool shared = p[3] == 's';
  p += 5;
  if (!parse_num(p, &e, &v.offset, 16) || (*e != ' ' && *e)) {
    snprintf(err, len, "%s:%" PRIu64 ": OFFSET is a hexadecimal number", file, lineno);
    return false;
  }
  /* DEV (major:minor) and INODE are not needed: the path names the file. */
  p = e + strspn(e, " ");
  size_t dl = strcspn(p, " ");
  p += dl;
  p += strspn(p, " ");
  size_t il = strcspn(p, " ");
  if (!dl || !il || strspn(p, "0123456789") != il) {
    snprintf(err, len, "%s:%" PRIu64 ": expected DEV and INODE after OFFSET", file, lineno);
    return false;
  }
  p += il;
  p += strspn(p, " ");
  char *path = p;
  if (out->n && v.start < out->v[out->n - 1].end) {
    snprintf(err, len, "%s:%" PRIu64 ": %#" PRIx64 "-%#" PRIx64 " is not above the line before",
             file, lineno, v.start, v.end);
    return false;
  }
  /* [vsyscall] (and anything else) beyond user space cannot be a user VMA in the model; lackey
   * never shows an access there either. */
  if (v.end > user_top) {
    ms->skipped++;
    return true;
  }
  static const char deleted[] = " (deleted)";
  size_t pl = strlen(path), dlen = sizeof deleted - 1;
  if (!strcmp(path, "[stack]")) {
    v.kind = CLI_VMA_STACK;
  } else if (path[0] == '/' && !(pl > dlen && !strcmp(path + pl - dlen, deleted))) {
    const char *why = file_problem(path);
    if (why) {
      fprintf(stderr, "mmusim: %s:%" PRIu64 ": file '%s': %s; declared anonymous\n", file, lineno,
              path, why);
      ms->file_as_anon++;
    } else {
      v.kind = CLI_VMA_FILE;
      v.shared = shared;
      if (!(v.path = strdup(path))) {
        snprintf(err, len, "%s:%" PRIu64 ": out of memory", file, lineno);
        return false;
      }
    }
  } else if (path[0] == '/') { /* "(deleted)": the file is gone, its pages are not */
    ms->file_as_anon++;
  }
  /* Everything else is anonymous: no path, [heap], [vdso], [vvar], [anon:NAME], shared
   * anonymous memory (the model has no shared anonymous pages; one process cannot tell). */
  if (v.kind != CLI_VMA_FILE) v.offset = 0;
  if (!cli_vmas_push(out, &v)) {
    free(v.path);
    snprintf(err, len, "%s:%" PRIu64 ": out of memory", file, lineno);
    return false;
  }
  return true;
}

bool cli_maps_load(const char *file, uint64_t user_top, cli_vmas_t *out, cli_maps_stats_t *ms,
                   char *err, size_t len) {
  FILE *f = fopen(file, "r");
  if (!f) {
    snprintf(err, len, "--maps: cannot open '%s': %s", file, strerror(errno));
    return false;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  uint64_t lineno = 0;
  bool ok = true;
  while (ok && (n = getline(&line, &cap, f)) >= 0) {
    lineno++;
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
      line[--n] = '\0';
    /* Blank lines and # comments: for maps files written or annotated by hand. */
    if (!line[strspn(line, " \t")] || line[0] == '#') continue;
    if (strlen(line) != (size_t)n) {
      snprintf(err, len, "%s:%" PRIu64 ": a NUL byte in the line", file, lineno);
      ok = false;
      break;
    }
    ok = maps_line(file, lineno, line, user_top, out, ms, err, len);
    if (ok) ms->lines++;
  }
  if (ok && ferror(f)) {
    snprintf(err, len, "%s: read error: %s", file, strerror(errno));
    ok = false;
  }
  free(line);
  fclose(f);
  return ok;
}
