/* config_json.c — configuration files and statistics as JSON, through jansson. */
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmusim.h"

static const char *const k_fmt_names[MMU_FMT_COUNT] = {"x86_64_4l", "x86_64_5l", "sv39", "sv48"};
static const char *const k_repl_names[3] = {"lru", "plru", "random"};
static const char *const k_size_names[MMU_PAGE_SIZES] = {"4k", "2m", "1g"};

static mmu_status_t jerr(char *err, size_t n, const char *fmt, ...) {
  if (err && n) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
  }
  return MMU_ERR_CONFIG;
}

/* Reads an unsigned integer field into *dst (of width bytes). */
static mmu_status_t get_uint(json_t *v, const char *name, uint64_t max, void *dst, int width,
                             char *err, size_t n) {
  if (!json_is_integer(v)) return jerr(err, n, "%s: expected an integer", name);
  json_int_t x = json_integer_value(v);
  if (x < 0 || (uint64_t)x > max)
    return jerr(err, n, "%s: %lld out of range (allowed 0..%llu)", name, (long long)x,
                (unsigned long long)max);
  if (width == 8)
    *(uint64_t *)dst = (uint64_t)x;
  else
    *(uint32_t *)dst = (uint32_t)x;
  return MMU_OK;
}

static mmu_status_t get_enum(json_t *v, const char *name, const char *const *names, int count,
                             int *dst, char *err, size_t n) {
  if (json_is_string(v)) {
    for (int i = 0; i < count; i++)
      if (strcmp(json_string_value(v), names[i]) == 0) return *dst = i, MMU_OK;
  }
  char allowed[128] = "";
  for (int i = 0; i < count; i++) {
    strcat(allowed, i ? ", " : "");
    strcat(allowed, names[i]);
  }
  return jerr(err, n, "%s: expected one of %s", name, allowed);
}

/* A flat object of unsigned 32-bit fields, described by a table. */
typedef struct uint_field {
  const char *name;
  size_t offset;
  uint64_t max;
} uint_field_t;

static mmu_status_t load_fields(json_t *o, const char *path, const uint_field_t *f, int nf,
                                void *base, char *err, size_t n) {
  if (!json_is_object(o)) return jerr(err, n, "%s: expected an object", path);
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    char p[128];
    snprintf(p, sizeof p, "%s.%s", path, key);
    int i = 0;
    while (i < nf && strcmp(key, f[i].name) != 0)
      i++;
    if (i == nf) {
      char allowed[96] = "";
      for (int j = 0; j < nf; j++) {
        strcat(allowed, j ? ", " : "");
        strcat(allowed, f[j].name);
      }
      return jerr(err, n, "%s: unknown field (allowed: %s)", p, allowed);
    }
    mmu_status_t s = get_uint(v, p, f[i].max, (char *)base + f[i].offset, 4, err, n);
    if (s) return s;
  }
  return MMU_OK;
}

/* An array of such objects, at most max elements of elem_size bytes. */
static mmu_status_t load_field_array(json_t *a, const char *name, int max, size_t elem_size,
                                     const uint_field_t *f, int nf, void *base, char *err,
                                     size_t n) {
  if (!json_is_array(a)) return jerr(err, n, "%s: expected an array", name);
  if ((int)json_array_size(a) > max)
    return jerr(err, n, "%s: %zu elements (allowed at most %d)", name, json_array_size(a), max);
  size_t i;
  json_t *e;
  json_array_foreach(a, i, e) {
    char p[64];
    snprintf(p, sizeof p, "%s[%zu]", name, i);
    mmu_status_t s = load_fields(e, p, f, nf, (char *)base + i * elem_size, err, n);
    if (s) return s;
  }
  return MMU_OK;
}

static const uint_field_t k_array_fields[] = {{"sets", offsetof(mmu_array_config_t, sets), 65536},
                                              {"ways", offsetof(mmu_array_config_t, ways), 64}};
static const uint_field_t k_pwc_fields[] = {{"entries", offsetof(mmu_pwc_config_t, entries), 4096},
                                            {"ways", offsetof(mmu_pwc_config_t, ways), 4096},
                                            {"latency", offsetof(mmu_pwc_config_t, latency), 1000}};
static const uint_field_t k_cache_fields[] = {
    {"size_bytes", offsetof(mmu_cache_config_t, size_bytes), 1u << 30},
    {"ways", offsetof(mmu_cache_config_t, ways), 64},
    {"latency", offsetof(mmu_cache_config_t, latency), 100000}};
#define NFIELDS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static mmu_status_t load_tlb(json_t *o, const char *name, mmu_tlb_config_t *t, char *err,
                             size_t n) {
  if (!json_is_object(o)) return jerr(err, n, "%s: expected an object", name);
  const char *key;
  json_t *v;
  char path[96];
  json_object_foreach(o, key, v) {
    snprintf(path, sizeof path, "%s.%s", name, key);
    mmu_status_t s = MMU_OK;
    int sz = -1;
    for (int i = 0; i < MMU_PAGE_SIZES; i++)
      if (strcmp(key, k_size_names[i]) == 0) sz = i;
    if (sz >= 0) {
      s = load_fields(v, path, k_array_fields, NFIELDS(k_array_fields), &t->size[sz], err, n);
    } else if (strcmp(key, "latency") == 0) {
      s = get_uint(v, path, 1000, &t->latency, 4, err, n);
    } else if (strcmp(key, "repl") == 0) {
      int r = 0;
      s = get_enum(v, path, k_repl_names, 3, &r, err, n);
      if (!s) t->repl = (mmu_repl_t)r;
    } else {
      return jerr(err, n, "%s: unknown field (allowed: 4k, 2m, 1g, latency, repl)", path);
    }
    if (s) return s;
  }
  return MMU_OK;
}

static mmu_status_t load_obj(json_t *root, mmu_config_t *c, char *err, size_t n) {
  if (!json_is_object(root)) return jerr(err, n, "top level: expected an object");
  const char *key;
  json_t *v;
  json_object_foreach(root, key, v) {
    mmu_status_t s = MMU_OK;
    if (strcmp(key, "format") == 0) {
      int f = 0;
      s = get_enum(v, key, k_fmt_names, MMU_FMT_COUNT, &f, err, n);
      if (!s) c->format = (mmu_format_t)f;
    } else if (strcmp(key, "phys_bytes") == 0) {
      s = get_uint(v, key, 1ull << 40, &c->phys_bytes, 8, err, n);
    } else if (strcmp(key, "pa_bits") == 0) {
      s = get_uint(v, key, 52, &c->pa_bits, 4, err, n);
    } else if (strcmp(key, "itlb") == 0) {
      s = load_tlb(v, key, &c->itlb, err, n);
    } else if (strcmp(key, "dtlb") == 0) {
      s = load_tlb(v, key, &c->dtlb, err, n);
    } else if (strcmp(key, "stlb") == 0) {
      s = load_tlb(v, key, &c->stlb, err, n);
    } else if (strcmp(key, "pwc") == 0) {
      s = load_field_array(v, key, MMU_PWC_LEVELS, sizeof c->pwc[0], k_pwc_fields,
                           NFIELDS(k_pwc_fields), c->pwc, err, n);
    } else if (strcmp(key, "cache") == 0) {
      s = load_field_array(v, key, MMU_CACHE_LEVELS, sizeof c->cache[0], k_cache_fields,
                           NFIELDS(k_cache_fields), c->cache, err, n);
    } else if (strcmp(key, "dram_latency") == 0) {
      s = get_uint(v, key, 100000, &c->dram_latency, 4, err, n);
    } else if (strcmp(key, "ad_update_latency") == 0) {
      s = get_uint(v, key, 100000, &c->ad_update_latency, 4, err, n);
    } else if (strcmp(key, "walk_start_latency") == 0) {
      s = get_uint(v, key, 100000, &c->walk_start_latency, 4, err, n);
    } else if (strcmp(key, "seed") == 0) {
      s = get_uint(v, key, (uint64_t)INT64_MAX, &c->seed, 8, err, n);
    } else {
      return jerr(err, n,
                  "%s: unknown field (allowed: format, phys_bytes, pa_bits, itlb, dtlb, stlb, "
                  "pwc, cache, dram_latency, ad_update_latency, walk_start_latency, seed)",
                  key);
    }
    if (s) return s;
  }
  return MMU_OK;
}

mmu_status_t mmu_config_load_json(const char *path, mmu_config_t *cfg, char *err, size_t n) {
  if (err && n) err[0] = '\0';
  if (!path || !cfg) return MMU_ERR_NULL;
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!root) {
    if (err && n && je.line > 0)
      snprintf(err, n, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    else if (err && n)
      snprintf(err, n, "%s", je.text); /* "unable to open PATH: reason" */
    return je.line <= 0 && strstr(je.text, "unable to open") ? MMU_ERR_IO : MMU_ERR_PARSE;
  }
  mmu_config_t tmp = *cfg;
  char msg[384] = "";
  mmu_status_t s = load_obj(root, &tmp, msg, sizeof msg);
  json_decref(root);
  if (!s) s = mmu_config_validate(&tmp, msg, sizeof msg);
  if (s) {
    if (err && n) snprintf(err, n, "%s: %s", path, msg);
    return s;
  }
  *cfg = tmp;
  return MMU_OK;
}

static json_t *tlb_json(const mmu_tlb_config_t *t) {
  json_t *o = json_object();
  for (int i = 0; i < MMU_PAGE_SIZES; i++)
    json_object_set_new(o, k_size_names[i],
                        json_pack("{s:I,s:I}", "sets", (json_int_t)t->size[i].sets, "ways",
                                  (json_int_t)t->size[i].ways));
  json_object_set_new(o, "latency", json_integer(t->latency));
  json_object_set_new(o, "repl", json_string(k_repl_names[t->repl % 3]));
  return o;
}

char *mmu_config_to_json(const mmu_config_t *c) {
  if (!c || (unsigned)c->format >= MMU_FMT_COUNT) return NULL;
  json_t *o = json_object();
  json_object_set_new(o, "format", json_string(k_fmt_names[c->format]));
  json_object_set_new(o, "phys_bytes", json_integer((json_int_t)c->phys_bytes));
  json_object_set_new(o, "pa_bits", json_integer(c->pa_bits));
  json_object_set_new(o, "itlb", tlb_json(&c->itlb));
  json_object_set_new(o, "dtlb", tlb_json(&c->dtlb));
  json_object_set_new(o, "stlb", tlb_json(&c->stlb));
  json_t *pwc = json_array(), *cache = json_array();
  for (int i = 0; i < MMU_PWC_LEVELS; i++)
    json_array_append_new(pwc, json_pack("{s:I,s:I,s:I}", "entries", (json_int_t)c->pwc[i].entries,
                                         "ways", (json_int_t)c->pwc[i].ways, "latency",
                                         (json_int_t)c->pwc[i].latency));
  for (int i = 0; i < MMU_CACHE_LEVELS; i++)
    json_array_append_new(
        cache, json_pack("{s:I,s:I,s:I}", "size_bytes", (json_int_t)c->cache[i].size_bytes, "ways",
                         (json_int_t)c->cache[i].ways, "latency", (json_int_t)c->cache[i].latency));
  json_object_set_new(o, "pwc", pwc);
  json_object_set_new(o, "cache", cache);
  json_object_set_new(o, "dram_latency", json_integer(c->dram_latency));
  json_object_set_new(o, "ad_update_latency", json_integer(c->ad_update_latency));
  json_object_set_new(o, "walk_start_latency", json_integer(c->walk_start_latency));
  json_object_set_new(o, "seed", json_integer((json_int_t)c->seed));
  char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(o);
  return s;
}

static json_t *tlb_stats_json(const mmu_tlb_stats_t *t) {
  return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "lookups", (json_int_t)t->lookups, "hits",
                   (json_int_t)t->hits, "misses", (json_int_t)t->misses, "fills",
                   (json_int_t)t->fills, "evictions", (json_int_t)t->evictions, "invalidated",
                   (json_int_t)t->invalidated);
}

static json_t *u64_array(const uint64_t *v, int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++)
    json_array_append_new(a, json_integer((json_int_t)v[i]));
  return a;
}

char *mmu_stats_to_json(const mmu_stats_t *s) {
  if (!s) return NULL;
  json_t *o = json_object();
  json_object_set_new(o, "translations", json_integer((json_int_t)s->translations));
  json_object_set_new(o, "faults", json_integer((json_int_t)s->faults));
  json_t *fk = json_object();
  for (int k = 1; k < MMU_FAULT_KIND_COUNT; k++)
    if (s->faults_by_kind[k])
      json_object_set_new(fk, mmu_fault_kind_name((mmu_fault_kind_t)k),
                          json_integer((json_int_t)s->faults_by_kind[k]));
  json_object_set_new(o, "faults_by_kind", fk);
  json_object_set_new(o, "itlb", tlb_stats_json(&s->itlb));
  json_object_set_new(o, "dtlb", tlb_stats_json(&s->dtlb));
  json_object_set_new(o, "stlb", tlb_stats_json(&s->stlb));
  json_object_set_new(o, "pwc_lookups", json_integer((json_int_t)s->pwc_lookups));
  json_object_set_new(o, "pwc_hits_by_level", u64_array(s->pwc_hits_by_level, MMU_MAX_LEVELS));
  json_object_set_new(o, "walks", json_integer((json_int_t)s->walks));
  json_object_set_new(o, "walk_reads", json_integer((json_int_t)s->walk_reads));
  json_object_set_new(o, "walk_writes", json_integer((json_int_t)s->walk_writes));
  json_object_set_new(o, "walk_reads_by_level", u64_array(s->walk_reads_by_level, MMU_MAX_LEVELS));
  json_object_set_new(o, "dirty_assists", json_integer((json_int_t)s->dirty_assists));
  json_object_set_new(o, "cache_hits", u64_array(s->cache_hits, MMU_CACHE_LEVELS));
  json_object_set_new(o, "dram_reads", json_integer((json_int_t)s->dram_reads));
  json_object_set_new(o, "cycles",
                      json_pack("{s:I,s:I,s:I,s:I,s:I}", "tlb", (json_int_t)s->cycles.tlb, "pwc",
                                (json_int_t)s->cycles.pwc, "walk", (json_int_t)s->cycles.walk, "ad",
                                (json_int_t)s->cycles.ad, "total", (json_int_t)s->cycles.total));
  char *r = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(o);
  return r;
}
