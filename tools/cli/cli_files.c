/* cli_files.c — the files behind the file VMAs of a replay, as private copies.
 *
 * Why copies: the firmware writes the dirty pages of shared mappings back to the file, reopening
 * it read-write for the first shared writable mapping (mmu_kfile_open). Run as root on the files
 * of a maps file, a shared mapping the trace writes would be written back to the original, and
 * the executable could not be started by anyone on the machine while it is open for writing
 * (ETXTBSY). So each file gets a sparse copy in a temporary directory, of the same
 * size, holding the bytes of the ranges that are mapped; it is unlinked as soon as the firmware
 * holds it open, and the directory is removed at the end of the set-up. The originals are only
 * read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

typedef struct copy {
  char *path;    /* the original */
  int kfd;       /* the firmware's descriptor of the copy */
  int src, dst;  /* the original (read) and the copy (written) */
  uint64_t size; /* of the original */
} copy_t;

struct cli_files {
  char dir[4096]; /* the temporary directory ("" until the first copy) */
  copy_t *v;
  size_t n, cap;
};

cli_files_t *cli_files_new(void) {
  return calloc(1, sizeof(cli_files_t));
}

static bool copy_range(copy_t *c, uint64_t off, uint64_t len, char *err, size_t elen) {
  char buf[1 << 16];
  uint64_t end = off + len < c->size ? off + len : c->size;
  while (off < end) {
    size_t want = end - off < sizeof buf ? (size_t)(end - off) : sizeof buf;
    ssize_t r = pread(c->src, buf, want, (off_t)off);
    if (r <= 0) {
      snprintf(err, elen, "reading '%s': %s", c->path, r ? strerror(errno) : "file shrank");
      return false;
    }
    for (ssize_t done = 0; done < r;) {
      ssize_t w = pwrite(c->dst, buf + done, (size_t)(r - done), (off_t)off + done);
      if (w < 0) {
        snprintf(err, elen, "writing the copy of '%s': %s", c->path, strerror(errno));
        return false;
      }
      done += w;
    }
    off += (uint64_t)r;
  }
  return true;
}

/* A new copy of path (an entry with descriptors, not yet in the list), or false and err. */
static bool copy_new(cli_files_t *f, mmu_kernel_t *k, const char *path, copy_t *c, char *err,
                     size_t elen) {
  memset(c, 0, sizeof *c);
  c->src = c->dst = c->kfd = -1;
  if (!f->dir[0]) {
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/mmusim-files-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
      snprintf(err, elen, "temporary directory '%s': %s", f->dir, strerror(errno));
      f->dir[0] = '\0';
      return false;
    }
  }
  struct stat sb;
  if ((c->src = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(c->src, &sb) != 0) {
    snprintf(err, elen, "'%s': %s", path, strerror(errno));
    return false;
  }
  if (!S_ISREG(sb.st_mode)) {
    snprintf(err, elen, "'%s': not a regular file", path);
    return false;
  }
  c->size = (uint64_t)sb.st_size;
  char copy[4200];
  snprintf(copy, sizeof copy, "%s/%zu", f->dir, f->n);
  c->dst = open(copy, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (c->dst < 0 || ftruncate(c->dst, (off_t)c->size) != 0) {
    snprintf(err, elen, "copy of '%s' at '%s': %s", path, copy, strerror(errno));
    if (c->dst >= 0) unlink(copy);
    return false;
  }
  mmu_status_t s = mmu_kfile_open(k, copy, &c->kfd);
  int open_errno = errno;
  unlink(copy);
  if (s) {
    snprintf(err, elen, "copy of '%s': %s", path,
             s == MMU_ERR_IO ? strerror(open_errno) : mmu_strerror(s));
    c->kfd = -1;
    return false;
  }
  if (!(c->path = strdup(path))) {
    snprintf(err, elen, "out of memory");
    return false;
  }
  return true;
}

static void copy_close(mmu_kernel_t *k, copy_t *c) {
  if (c->src >= 0) close(c->src);
  if (c->dst >= 0) close(c->dst);
  if (c->kfd >= 0) mmu_kfile_close(k, c->kfd); /* the mappings keep the file */
  free(c->path);
}

int cli_files_map(cli_files_t *f, mmu_kernel_t *k, const char *path, uint64_t offset, uint64_t len,
                  char *err, size_t elen) {
  size_t i = 0;
  while (i < f->n && strcmp(f->v[i].path, path))
    i++;
  if (i == f->n) {
    if (f->n == f->cap) {
      size_t cap = f->cap ? 2 * f->cap : 16;
      copy_t *nv = realloc(f->v, cap * sizeof *nv);
      if (!nv) {
        snprintf(err, elen, "out of memory");
        return -1;
      }
      f->v = nv;
      f->cap = cap;
    }
    copy_t c;
    if (!copy_new(f, k, path, &c, err, elen)) {
      copy_close(k, &c);
      return -1;
    }
    f->v[f->n++] = c;
  }
  return copy_range(&f->v[i], offset, len, err, elen) ? f->v[i].kfd : -1;
}

void cli_files_done(cli_files_t *f, mmu_kernel_t *k) {
  if (!f) return;
  for (size_t i = 0; i < f->n; i++)
    copy_close(k, &f->v[i]);
  if (f->dir[0]) rmdir(f->dir);
  free(f->v);
  free(f);
}
