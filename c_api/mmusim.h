/* mmusim.h — public C API of mmusim, a cycle-approximate model of a CPU's MMU. */
#ifndef MMUSIM_H
#define MMUSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MMU_VERSION_MAJOR 0
#define MMU_VERSION_MINOR 1
#define MMU_VERSION_PATCH 0

/* ---- status codes: API misuse or resource problems; a page fault is NOT one of these ---- */
typedef enum mmu_status {
  MMU_OK = 0,
  MMU_ERR_NULL,       /* a required pointer argument was NULL */
  MMU_ERR_CONFIG,     /* a configuration field is out of its allowed range */
  MMU_ERR_NOMEM,      /* the host could not allocate memory */
  MMU_ERR_ALIGN,      /* an address or length is not aligned to the page size */
  MMU_ERR_RANGE,      /* an address lies beyond physical memory or the virtual address width */
  MMU_ERR_OVERLAP,    /* the mapping overlaps an existing mapping */
  MMU_ERR_NOT_MAPPED, /* unmap/protect/lookup of an address that has no mapping */
  MMU_ERR_ASID,       /* ASID out of range, already in use, or without an address space */
  MMU_ERR_NO_FRAME,   /* no free physical frame is left */
  MMU_ERR_ARG,        /* an argument is out of range (enum value, size, flag) */
  MMU_ERR_IO,         /* a host file could not be opened, read or written */
  MMU_ERR_PARSE,      /* malformed input (trace line, configuration file) */
  MMU_ERR_EOF,        /* end of a trace */
  MMU_ERR_STATE,      /* the call is not valid in the object's current state */
  MMU_STATUS_COUNT
} mmu_status_t;

const char *mmu_strerror(mmu_status_t status);
const char *mmu_version(void); /* "major.minor.patch" */

/* ---- architectural enums ---------------------------------------------------------------- */
typedef enum mmu_format {
  MMU_FMT_X86_64_4L = 0, /* x86-64, 4-level paging, 48-bit VA */
  MMU_FMT_X86_64_5L,     /* x86-64, 5-level paging (CR4.LA57), 57-bit VA */
  MMU_FMT_SV39,          /* RISC-V Sv39, 3 levels */
  MMU_FMT_SV48,          /* RISC-V Sv48, 4 levels */
  MMU_FMT_COUNT
} mmu_format_t;

typedef enum mmu_op { MMU_OP_READ = 0, MMU_OP_WRITE, MMU_OP_EXEC, MMU_OP_COUNT } mmu_op_t;

typedef enum mmu_page_size {
  MMU_PAGE_4K = 0, /* leaf at level 0 */
  MMU_PAGE_2M,     /* leaf at level 1 */
  MMU_PAGE_1G,     /* leaf at level 2 */
  MMU_PAGE_SIZES
} mmu_page_size_t;

uint64_t mmu_page_bytes(mmu_page_size_t size);

typedef enum mmu_repl {
  MMU_REPL_LRU = 0,
  MMU_REPL_PLRU,  /* tree pseudo-LRU; ways must be a power of two */
  MMU_REPL_RANDOM /* seeded from mmu_config_t.seed */
} mmu_repl_t;

/* Fault kinds. The numbering is shared with the Verilog walker (rtl/mmu_walker.sv). */
typedef enum mmu_fault_kind {
  MMU_FAULT_NONE = 0,
  MMU_FAULT_NOT_PRESENT,  /* P=0 (x86) / V=0 (RISC-V) */
  MMU_FAULT_RSVD,         /* reserved bit or reserved encoding set */
  MMU_FAULT_MISALIGNED,   /* superpage whose frame is not aligned to its size */
  MMU_FAULT_NONCANONICAL, /* VA not sign-extended from the top implemented bit */
  MMU_FAULT_USER,         /* user access to a supervisor page */
  MMU_FAULT_WRITE,        /* write to a read-only page */
  MMU_FAULT_NX,           /* instruction fetch from a no-execute page */
  MMU_FAULT_SMEP,         /* supervisor fetch from a user page with CR4.SMEP */
  MMU_FAULT_SMAP,         /* supervisor data access to a user page with CR4.SMAP (and !AC) */
  MMU_FAULT_PKEY,         /* protection-key rights (PKRU) forbid the access */
  MMU_FAULT_READ,         /* RISC-V: load from a page without R (and not X with MXR) */
  MMU_FAULT_AD,           /* RISC-V without Svadu: A clear, or D clear on a store */
  MMU_FAULT_BUS,          /* a PTE address lies outside physical memory (machine check) */
  MMU_FAULT_KIND_COUNT
} mmu_fault_kind_t;

const char *mmu_fault_kind_name(mmu_fault_kind_t kind);

/* x86 #PF error code bits (Intel SDM vol. 3, 4.7). */
#define MMU_PFEC_P (1u << 0)
#define MMU_PFEC_W (1u << 1)
#define MMU_PFEC_U (1u << 2)
#define MMU_PFEC_RSVD (1u << 3)
#define MMU_PFEC_I (1u << 4)
#define MMU_PFEC_PK (1u << 5)

/* RISC-V scause values for page faults. */
#define MMU_CAUSE_FETCH_PAGE_FAULT 12u
#define MMU_CAUSE_LOAD_PAGE_FAULT 13u
#define MMU_CAUSE_STORE_PAGE_FAULT 15u

/* ---- configuration ------------------------------------------------------------------------ */
/* One set-associative array. entries = sets * ways; ways == 0 means "this page size is not
 * cached at this level". */
typedef struct mmu_array_config {
  uint32_t sets;
  uint32_t ways;
} mmu_array_config_t;

typedef struct mmu_tlb_config {
  mmu_array_config_t size[MMU_PAGE_SIZES]; /* one array per page size, probed in parallel */
  uint32_t latency;                        /* cycles per lookup, hit or miss */
  mmu_repl_t repl;
} mmu_tlb_config_t;

/* Page-walk cache for one upper level (entries pointing to the next table). */
typedef struct mmu_pwc_config {
  uint32_t entries; /* 0 disables this level's cache */
  uint32_t ways;    /* entries must be a multiple of ways */
  uint32_t latency; /* cycles; all levels are probed in parallel, the walk pays the maximum */
} mmu_pwc_config_t;

/* One level of the cache hierarchy that PTE loads go through (64-byte lines, LRU). */
typedef struct mmu_cache_config {
  uint32_t size_bytes; /* 0 disables the level */
  uint32_t ways;
  uint32_t latency; /* load-to-use cycles when the line hits at this level (total, not added) */
} mmu_cache_config_t;

#define MMU_MAX_LEVELS 5
#define MMU_PWC_LEVELS (MMU_MAX_LEVELS - 1)
#define MMU_CACHE_LEVELS 3
#define MMU_MAX_ASID 4095u /* 12-bit PCID / ASID */

typedef struct mmu_config {
  mmu_format_t format;   /* default MMU_FMT_X86_64_4L */
  uint64_t phys_bytes;   /* physical memory size; default 16 GiB; 4 KiB multiple, <= 2^46 */
  uint32_t pa_bits;      /* x86 MAXPHYADDR: PTE address bits above it are reserved; default 46 */
  mmu_tlb_config_t itlb; /* L1 instruction TLB */
  mmu_tlb_config_t dtlb; /* L1 data TLB */
  mmu_tlb_config_t stlb; /* unified L2 TLB */
  /* pwc[0] caches level-1 entries (x86 PDE cache), pwc[1] level 2 (PDPTE), pwc[2] level 3
   * (PML4E), pwc[3] level 4 (PML5E). Levels a format does not have are ignored. */
  mmu_pwc_config_t pwc[MMU_PWC_LEVELS];
  mmu_cache_config_t cache[MMU_CACHE_LEVELS]; /* L1D, L2, LLC as seen by the page walker */
  uint32_t dram_latency;                      /* cycles for a PTE load that misses every cache */
  uint32_t ad_update_latency;                 /* extra cycles of the locked A/D read-modify-write */
  uint32_t walk_start_latency;                /* cycles from TLB miss to the walker's first load */
  uint64_t seed;                              /* for random replacement */
} mmu_config_t;

/* Fills *cfg with the documented defaults (a recent x86 server core; see docs/cost-model.md). */
void mmu_config_default(mmu_config_t *cfg);
/* Checks every field. On error writes "field: value N, allowed range ..." into err. */
mmu_status_t mmu_config_validate(const mmu_config_t *cfg, char *err, size_t err_len);
/* Reads a JSON file of fields (same names as the struct; nested objects for tlbs/caches) over
 * the values already in *cfg. Unknown fields and wrong types are errors naming the field. */
mmu_status_t mmu_config_load_json(const char *path, mmu_config_t *cfg, char *err, size_t err_len);
/* Writes the configuration as JSON (a string the caller frees with free()). */
char *mmu_config_to_json(const mmu_config_t *cfg);

/* Processor control state, per MMU instance (per CPU). Defaults: wp, nxe, smep, smap, svadu
 * on; everything else off. */
typedef struct mmu_ctrl {
  bool wp;   /* CR0.WP: supervisor writes honour read-only pages */
  bool nxe;  /* EFER.NXE: NX bit honoured (else it is a reserved bit) */
  bool smep; /* CR4.SMEP */
  bool smap; /* CR4.SMAP */
  bool ac;   /* RFLAGS.AC: suspends SMAP for explicit supervisor accesses */
  bool pke;  /* CR4.PKE: protection keys for user pages */
  uint32_t pkru;
  bool mxr;   /* RISC-V sstatus.MXR: loads from execute-only pages */
  bool sum;   /* RISC-V sstatus.SUM: supervisor access to U pages */
  bool svadu; /* RISC-V: hardware A/D update (else a page fault when A/D must change) */
} mmu_ctrl_t;

/* ---- the MMU ------------------------------------------------------------------------------- */
typedef struct mmu mmu_t; /* opaque */

mmu_status_t mmu_create(const mmu_config_t *cfg, mmu_t **out); /* cfg NULL = defaults */
void mmu_destroy(mmu_t *mmu);
const mmu_config_t *mmu_config(const mmu_t *mmu);
mmu_status_t mmu_get_ctrl(const mmu_t *mmu, mmu_ctrl_t *ctrl);
mmu_status_t mmu_set_ctrl(mmu_t *mmu, const mmu_ctrl_t *ctrl);

/* One memory access as the core issues it. */
typedef struct mmu_access {
  uint64_t va;
  mmu_op_t op;
  bool user;     /* CPL 3 / U-mode */
  bool implicit; /* implicit supervisor access (descriptor tables...): SMAP ignores AC */
  uint16_t asid; /* PCID / ASID; selects the address space's root table */
} mmu_access_t;

/* A page fault is data, not an error status. */
typedef struct mmu_fault {
  mmu_fault_kind_t kind; /* MMU_FAULT_NONE when the translation succeeded */
  uint64_t va;
  mmu_op_t op;
  bool user;
  uint16_t asid;
  int level;           /* level where the walk stopped (0 = leaf table); -1 before the walk */
  uint64_t pte;        /* the PTE found at that level (0 if none) */
  uint64_t pte_addr;   /* its physical address (0 if none) */
  uint32_t error_code; /* x86 #PF error code (MMU_PFEC_*); 0 for a non-canonical #GP */
  uint32_t cause;      /* RISC-V scause (MMU_CAUSE_*); 0 for x86 */
} mmu_fault_t;

typedef enum mmu_hit_where {
  MMU_HIT_L1 = 0, /* L1 ITLB/DTLB */
  MMU_HIT_L2,     /* unified L2 TLB */
  MMU_HIT_WALK,   /* page walk (possibly shortened by a page-walk-cache hit) */
  MMU_HIT_NONE    /* fault before or during the walk */
} mmu_hit_where_t;

typedef struct mmu_cycles {
  uint64_t tlb;  /* L1 and L2 TLB lookups */
  uint64_t pwc;  /* page-walk-cache lookup and walk start */
  uint64_t walk; /* PTE loads through the cache hierarchy / DRAM */
  uint64_t ad;   /* accessed/dirty bit updates */
  uint64_t total;
} mmu_cycles_t;

typedef struct mmu_result {
  uint64_t pa;
  mmu_page_size_t size;
  mmu_hit_where_t where;
  int pwc_level;        /* deepest page-walk-cache hit (level whose entry was cached), -1 none */
  uint32_t walk_reads;  /* PTE loads issued */
  uint32_t walk_writes; /* A/D updates issued */
  bool writable, user, executable; /* effective rights of the translation */
  mmu_cycles_t cycles;
  mmu_fault_t fault;
} mmu_result_t;

/* Timed translation: TLBs, page-walk caches, walker, A/D updates, statistics. Returns MMU_OK
 * whenever the access was translated or faulted (see out->fault.kind). */
mmu_status_t mmu_translate(mmu_t *mmu, const mmu_access_t *acc, mmu_result_t *out);

/* One access of a batch, in brief: what a loop over many accesses keeps of each (16 bytes). */
typedef struct mmu_brief {
  uint64_t pa;        /* physical address; 0 when the access faulted */
  uint32_t cycles;    /* MMU cycles of the access (cycles.total of its mmu_result_t) */
  uint8_t where;      /* mmu_hit_where_t */
  uint8_t fault;      /* mmu_fault_kind_t: MMU_FAULT_NONE when the access was translated */
  uint8_t size;       /* mmu_page_size_t of the translation (MMU_PAGE_4K when it faulted) */
  uint8_t walk_reads; /* PTE loads issued */
} mmu_brief_t;

/* Timed translation of acc[0..n) in order, with exactly the state changes and statistics of n
 * mmu_translate calls, but a brief result per access (a TLB hit costs the host about half as
 * much as through mmu_translate). Stops after the first access that faults, so that a fault
 * handler can run before the accesses behind it; stops at an access that is an argument error
 * (bad op or ASID: that status is returned, and that access is not counted in *done).
 * *done (may be NULL) = accesses translated, the faulting one included; fault (may be NULL)
 * receives the full result of the access that faulted. */
mmu_status_t mmu_translate_batch(mmu_t *mmu, const mmu_access_t *acc, size_t n, mmu_brief_t *out,
                                 size_t *done, mmu_result_t *fault);

/* Zero-time functional translation: same walk and checks, but no TLB/PWC/cache lookups or fills,
 * no A/D writes, no statistics. Cycles are reported as 0. */
mmu_status_t mmu_probe(mmu_t *mmu, const mmu_access_t *acc, mmu_result_t *out);

/* ---- address spaces and page tables (real PTEs written into model memory) ------------------ */
#define MMU_PERM_R (1u << 0)
#define MMU_PERM_W (1u << 1)
#define MMU_PERM_X (1u << 2)
#define MMU_PERM_U (1u << 3) /* user-accessible */
#define MMU_PERM_G (1u << 4) /* global (survives non-global invalidation) */
#define MMU_PERM_ALL (MMU_PERM_R | MMU_PERM_W | MMU_PERM_X | MMU_PERM_U | MMU_PERM_G)
/* Protection key (x86 PK, 0..15) goes in bits 8..11 of perm. */
#define MMU_PERM_PKEY(k) (((uint32_t)(k)&15u) << 8)
#define MMU_PERM_PKEY_OF(p) (((p) >> 8) & 15u)

/* Creates the address space for asid (allocates its root table). */
mmu_status_t mmu_space_create(mmu_t *mmu, uint16_t asid);
/* Frees every page table of asid (not the mapped frames). Does not invalidate TLBs. */
mmu_status_t mmu_space_destroy(mmu_t *mmu, uint16_t asid);
mmu_status_t mmu_space_root(const mmu_t *mmu, uint16_t asid, uint64_t *root_pa);

/* Maps [va, va+len) to [pa, pa+len) with pages of one size. va, pa and len must be aligned to
 * the page size. Fails with MMU_ERR_OVERLAP (and changes nothing) if any page is mapped.
 * Page-table edits never invalidate TLBs: call mmu_invalidate as an OS would. */
mmu_status_t mmu_map(mmu_t *mmu, uint16_t asid, uint64_t va, uint64_t pa, uint64_t len,
                     uint32_t perm, mmu_page_size_t size);
/* Unmaps every page in [va, va+len); all must be mapped; superpages must lie wholly inside. */
mmu_status_t mmu_unmap(mmu_t *mmu, uint16_t asid, uint64_t va, uint64_t len);
/* Changes permissions of every page in [va, va+len); all must be mapped. */
mmu_status_t mmu_protect(mmu_t *mmu, uint16_t asid, uint64_t va, uint64_t len, uint32_t perm);

/* The leaf (or the first non-present) PTE that translates va. */
typedef struct mmu_pte_ref {
  uint64_t pte_addr; /* physical address of the PTE */
  uint64_t pte;      /* its raw value */
  int level;         /* 0 = 4 KiB page table */
  bool present;
  bool leaf;
} mmu_pte_ref_t;
/* Finds where a walk for va stops: the present leaf, or else the first non-present entry (at any
 * level; its raw value may be a swap entry). Zero-time, touches nothing. */
mmu_status_t mmu_pte_lookup(const mmu_t *mmu, uint16_t asid, uint64_t va, mmu_pte_ref_t *ref);
/* Writes a raw PTE value (e.g. a swap entry with P clear) at the 4 KiB-level slot for va,
 * allocating the page-table levels above it if needed. */
mmu_status_t mmu_pte_set(mmu_t *mmu, uint16_t asid, uint64_t va, uint64_t pte);

/* Format-independent view of a leaf PTE. */
typedef struct mmu_pte_fields {
  bool present, accessed, dirty;
  uint32_t perm; /* MMU_PERM_* and pkey */
  uint64_t pa;   /* frame address */
} mmu_pte_fields_t;
mmu_status_t mmu_pte_decode(const mmu_t *mmu, uint64_t pte, int level, mmu_pte_fields_t *f);
/* Encodes a present leaf at level (0 = 4 KiB), A and D set as given. */
mmu_status_t mmu_pte_encode(const mmu_t *mmu, const mmu_pte_fields_t *f, int level, uint64_t *pte);

/* ---- physical memory ------------------------------------------------------------------------ */
mmu_status_t mmu_phys_read(const mmu_t *mmu, uint64_t pa, void *buf, size_t len);
mmu_status_t mmu_phys_write(mmu_t *mmu, uint64_t pa, const void *buf, size_t len);
mmu_status_t mmu_phys_zero(mmu_t *mmu, uint64_t pa, size_t len);
/* Frame allocator shared by page tables and users (e.g. the firmware). */
mmu_status_t mmu_frame_alloc(mmu_t *mmu, uint64_t *pa);
mmu_status_t mmu_frame_free(mmu_t *mmu, uint64_t pa);
uint64_t mmu_frames_free(const mmu_t *mmu);

/* ---- invalidation ----------------------------------------------------------------------- */
typedef enum mmu_inval {
  MMU_INVAL_PAGE = 0,  /* one page of asid (and global entries for it), like INVLPG/INVPCID 0 */
  MMU_INVAL_ASID,      /* all non-global entries of asid (INVPCID 1) */
  MMU_INVAL_NONGLOBAL, /* all non-global entries (MOV CR3 without PCID) */
  MMU_INVAL_ALL        /* everything, global too (INVPCID 2) */
} mmu_inval_t;
/* Invalidates TLBs and page-walk caches. PAGE also drops the asid's page-walk-cache entries
 * (as INVLPG does). */
mmu_status_t mmu_invalidate(mmu_t *mmu, mmu_inval_t kind, uint16_t asid, uint64_t va);

/* ---- statistics ----------------------------------------------------------------------------- */
typedef struct mmu_tlb_stats {
  uint64_t lookups, hits, misses, fills, evictions, invalidated;
  uint64_t hits_by_size[MMU_PAGE_SIZES];
} mmu_tlb_stats_t;

typedef struct mmu_stats {
  uint64_t translations;
  uint64_t faults;
  uint64_t faults_by_kind[MMU_FAULT_KIND_COUNT];
  mmu_tlb_stats_t itlb, dtlb, stlb;
  uint64_t pwc_lookups, pwc_hits_by_level[MMU_MAX_LEVELS]; /* index = level of the cached entry */
  uint64_t walks, walk_reads, walk_writes;
  uint64_t walk_reads_by_level[MMU_MAX_LEVELS];
  uint64_t dirty_assists; /* write hit on a TLB entry with D clear: re-walk to set D */
  uint64_t cache_hits[MMU_CACHE_LEVELS], dram_reads;
  mmu_cycles_t cycles; /* summed over all translations */
} mmu_stats_t;

mmu_status_t mmu_stats_get(const mmu_t *mmu, mmu_stats_t *out);
mmu_status_t mmu_stats_reset(mmu_t *mmu);
/* JSON text of the statistics; caller frees with free(). NULL on error. */
char *mmu_stats_to_json(const mmu_stats_t *stats);

/* ---- traces --------------------------------------------------------------------------------- */
typedef enum mmu_trace_format {
  MMU_TRACE_AUTO = 0, /* lackey if the first access line looks like lackey, else text */
  MMU_TRACE_TEXT,     /* "R|W|X <hex address> [size]" per line, '#' comments */
  MMU_TRACE_LACKEY    /* valgrind --tool=lackey --trace-mem=yes output */
} mmu_trace_format_t;

typedef struct mmu_trace mmu_trace_t;
typedef struct mmu_trace_rec {
  uint64_t va;
  uint32_t size; /* bytes, >= 1 */
  mmu_op_t op;
} mmu_trace_rec_t;

mmu_status_t mmu_trace_open(const char *path, mmu_trace_format_t fmt, mmu_trace_t **out);
/* Next access; MMU_ERR_EOF at the end; MMU_ERR_PARSE on a malformed line, with
 * mmu_trace_error() giving "file:line: what". A lackey 'M' line yields a read then a write. */
mmu_status_t mmu_trace_next(mmu_trace_t *tr, mmu_trace_rec_t *rec);
const char *mmu_trace_error(const mmu_trace_t *tr);
uint64_t mmu_trace_line(const mmu_trace_t *tr);
void mmu_trace_close(mmu_trace_t *tr);

/* Translates one trace record; an access that straddles a page boundary is translated once per
 * page it touches (results summed; the first fault stops it). pages_out may be NULL. */
mmu_status_t mmu_translate_range(mmu_t *mmu, const mmu_access_t *acc, uint32_t size,
                                 mmu_result_t *out, uint32_t *pages_out);

/* ==== RTL walker ==== */
/* The Verilog page walker (rtl/mmu_walker.sv, Verilated) as the MMU's walker. These functions are
 * in the separate library mmusim_rtl (rtl_backend/, built when MMUSIM_RTL=ON); see docs/cosim.md.
 * Only the x86 formats (else MMU_ERR_STATE), and the configuration must match the RTL's
 * (else MMU_ERR_CONFIG): pa_bits == 46, and a page-walk cache of one entry per upper level
 * (pwc[i] = {1, 1, latency} for every i < levels-1) or no page-walk cache (all entries 0).
 * Only timed walks (mmu_translate) go to the RTL; mmu_probe keeps the C walker. Any
 * mmu_invalidate flushes the RTL page-walk cache (it has no per-ASID flush); in LOCKSTEP the C
 * page-walk cache is then flushed whole as well so that both stay identical. */
typedef enum mmu_rtl_mode {
  MMU_RTL_OFF = 0,  /* the C walker (detaches the RTL, closes its waveform) */
  MMU_RTL_ONLY,     /* each walk runs on the RTL, clock by clock; its memory port is served from
                       the model's memory with the latency model's cycles */
  MMU_RTL_LOCKSTEP, /* each walk runs on both; the C walk's result is used; the two must agree */
  MMU_RTL_MODE_COUNT
} mmu_rtl_mode_t;

/* wave_path: FST waveform of the walker's signals, NULL for none. Re-attaching starts afresh. */
mmu_status_t mmu_rtl_attach(mmu_t *mmu, mmu_rtl_mode_t mode, const char *wave_path);

/* One side of a LOCKSTEP comparison. */
typedef struct mmu_rtl_walk_view {
  mmu_fault_kind_t kind;
  int level; /* fault.level (the leaf level on success; -1 non-canonical) */
  uint64_t pte, pte_addr;
  uint64_t pa; /* 0 on a fault */
  int leaf_level;
  bool writable, user, executable; /* effective rights on success */
  uint32_t error_code;
  uint32_t reads, writes; /* memory references */
  uint32_t nwrites;       /* A/D writes listed below (RTL: as issued; model: the words */
  uint64_t write_addr[2 * MMU_MAX_LEVELS]; /* at those addresses after the C walk) */
  uint64_t write_val[2 * MMU_MAX_LEVELS];
  uint64_t cycles; /* RTL: clock cycles request to result; model: pwc + walk + ad cycles */
} mmu_rtl_walk_view_t;

/* What differs (bit mask). */
#define MMU_RTL_DIFF_KIND (1u << 0)
#define MMU_RTL_DIFF_LEVEL (1u << 1)
#define MMU_RTL_DIFF_PTE (1u << 2)  /* PTE value or address */
#define MMU_RTL_DIFF_PA (1u << 3)   /* PA, page size or rights */
#define MMU_RTL_DIFF_EC (1u << 4)   /* #PF error code */
#define MMU_RTL_DIFF_REFS (1u << 5) /* number of reads or writes */
#define MMU_RTL_DIFF_AD (1u << 6)   /* A/D write addresses or values */

typedef struct mmu_rtl_mismatch {
  uint64_t walk;    /* index of the walk (0-based, counted since attach) */
  mmu_access_t acc; /* the walk's inputs */
  uint64_t root;
  mmu_ctrl_t ctrl;
  uint32_t diff; /* MMU_RTL_DIFF_* */
  mmu_rtl_walk_view_t rtl, model;
} mmu_rtl_mismatch_t;

typedef struct mmu_rtl_stats {
  mmu_rtl_mode_t mode;
  uint64_t walks;        /* walks run on the RTL */
  uint64_t mismatches;   /* LOCKSTEP walks where RTL and C disagreed */
  uint64_t rtl_cycles;   /* RTL clock cycles, request to result handshake, summed (LOCKSTEP:
                            with the latencies the C walk paid, see docs/cosim.md) */
  uint64_t model_cycles; /* the C model's cycles (pwc + walk + ad) of the same walks */
  uint64_t reads, writes;
  uint64_t pwc_flushes; /* RTL page-walk-cache flushes requested */
  uint64_t clocks;      /* clock cycles actually simulated (LOCKSTEP serves every memory
                           reference in one cycle, so fewer than rtl_cycles) */
} mmu_rtl_stats_t;

mmu_status_t mmu_rtl_stats(const mmu_t *mmu, mmu_rtl_stats_t *out); /* MMU_ERR_STATE: detached */
mmu_status_t mmu_rtl_stats_reset(mmu_t *mmu);
/* The most recent LOCKSTEP disagreement; MMU_ERR_STATE if there was none since attach. */
mmu_status_t mmu_rtl_last_mismatch(const mmu_t *mmu, mmu_rtl_mismatch_t *out);
/* Called at every disagreement (after the walk; the translation goes on with the C result). */
typedef void (*mmu_rtl_mismatch_fn)(const mmu_rtl_mismatch_t *m, void *ctx);
mmu_status_t mmu_rtl_set_mismatch_fn(mmu_t *mmu, mmu_rtl_mismatch_fn fn, void *ctx);
/* One line describing a mismatch (both results and the inputs) into buf; returns buf. */
const char *mmu_rtl_mismatch_str(const mmu_rtl_mismatch_t *m, char *buf, size_t len);

/* ==== firmware (kernel) API ==== */
/* A small fault-handling kernel on top of the MMU model (see docs/firmware.md). An access by a
 * process goes translate -> page fault -> firmware handler -> retry; every cycle is counted on
 * the hardware side (mmu_result_t.cycles of each translation) or the kernel side (the named
 * items of the kernel cost table, docs/kernel-cost-model.md). A segmentation fault is data in
 * an outcome record, never an error status. */
typedef struct mmu_kernel mmu_kernel_t; /* opaque; owned by the mmu_t it was created on */

/* ---- the kernel cost table: one named cost per item ---- */
typedef enum mmu_kcost_item {
  MMU_KC_ENTRY = 0,    /* exception entry: user->kernel switch, register save */
  MMU_KC_EXIT,         /* exception return: register restore, kernel->user switch */
  MMU_KC_DISPATCH,     /* handler dispatch (do_user_addr_fault -> handle_mm_fault) */
  MMU_KC_VMA_LOOKUP,   /* find the VMA of the faulting address */
  MMU_KC_VMA_LOCK,     /* take the mmap/VMA write lock to change a VMA (stack growth) */
  MMU_KC_FRAME_ALLOC,  /* allocate a physical frame */
  MMU_KC_FRAME_FREE,   /* free a physical frame */
  MMU_KC_ZERO_PAGE,    /* zero 4 KiB */
  MMU_KC_COPY_PAGE,    /* copy 4 KiB */
  MMU_KC_PTE_UPDATE,   /* write one PTE (with its lock and rmap/refcount bookkeeping) */
  MMU_KC_TLB_INVAL,    /* one TLB invalidation (INVLPG or a whole-ASID flush) */
  MMU_KC_PAGECACHE,    /* page-cache lookup or insertion */
  MMU_KC_RECLAIM_SCAN, /* reclaim: examine one frame (clock hand step, rmap walk) */
  MMU_KC_SIGNAL,       /* deliver SIGSEGV/SIGBUS (signal frame set-up) */
  MMU_KC_SYSCALL,      /* system call entry + exit (mmap, munmap, mprotect, msync, fork) */
  MMU_KC_SWAP_READ,    /* read one page from swap: given in microseconds */
  MMU_KC_SWAP_WRITE,   /* write one page to swap: microseconds */
  MMU_KC_FILE_READ,    /* one read request to a backing file: microseconds */
  MMU_KC_FILE_WRITE,   /* write back one page to a backing file: microseconds */
  MMU_KC_COUNT
} mmu_kcost_item_t;
#define MMU_KC_FIRST_US MMU_KC_SWAP_READ /* items from here on are given in microseconds */

typedef struct mmu_kcost_table {
  double clock_ghz;           /* converts the microsecond items to cycles; default 3.0 */
  double value[MMU_KC_COUNT]; /* cycles, or microseconds for items >= MMU_KC_FIRST_US */
} mmu_kcost_table_t;

const char *mmu_kcost_name(mmu_kcost_item_t item); /* "entry", "zero_page", ... */
const char *mmu_kcost_unit(mmu_kcost_item_t item); /* "cycles" or "us" */
/* The cost of one item in cycles (microseconds converted at clock_ghz, rounded). */
uint64_t mmu_kcost_cycles(const mmu_kcost_table_t *t, mmu_kcost_item_t item);

/* ---- configuration ---- */
typedef struct mmu_kernel_config {
  uint64_t max_frames;         /* frames for user pages and the page cache; default 65536 */
  uint64_t swap_slots;         /* swap device size in pages (0 = no swap); default 65536 */
  uint64_t stack_rlimit;       /* RLIMIT_STACK in bytes; default 8 MiB */
  uint64_t stack_guard_gap;    /* pages kept free below a stack (stack_guard_gap); default 256 */
  uint64_t fault_around_bytes; /* fault-around window (<= 4096 disables); default 65536 */
  uint32_t readaround_pages;   /* pages read per disk request on a file miss, centred on the
                                  missing page (mmap read-around); default 32 (128 KiB) */
  mmu_kcost_table_t cost;
} mmu_kernel_config_t;

void mmu_kernel_config_default(mmu_kernel_config_t *cfg);
mmu_status_t mmu_kernel_config_validate(const mmu_kernel_config_t *cfg, char *err, size_t len);

/* Creates the kernel on mmu (mmu keeps it: mmu_destroy destroys it too). One kernel per mmu;
 * it owns every address space it creates. cfg NULL = defaults. */
mmu_status_t mmu_kernel_create(mmu_t *mmu, const mmu_kernel_config_t *cfg, mmu_kernel_t **out);
void mmu_kernel_destroy(mmu_kernel_t *k); /* also detaches it from its mmu */
mmu_t *mmu_kernel_mmu(mmu_kernel_t *k);
const mmu_kernel_config_t *mmu_kernel_config(const mmu_kernel_t *k);

/* ---- processes ---- */
mmu_status_t mmu_proc_create(mmu_kernel_t *k, uint32_t *pid); /* empty address space */
/* fork: the child gets a copy of every VMA; private pages are shared copy-on-write (read-only,
 * reference counted), swap entries are shared; shared file mappings are refaulted lazily. */
mmu_status_t mmu_proc_fork(mmu_kernel_t *k, uint32_t parent, uint32_t *child);
mmu_status_t mmu_proc_exit(mmu_kernel_t *k, uint32_t pid);
mmu_status_t mmu_proc_asid(const mmu_kernel_t *k, uint32_t pid, uint16_t *asid);

/* ---- host files backing mmap (read/written with pread/pwrite through the page cache) ---- */
/* Opens path read-only; the first MAP_SHARED mapping with PROT_WRITE (mmu_mmap, mmu_mprotect)
 * reopens it read-write for write-back, or fails with MMU_ERR_IO if the host refuses (or path
 * now names another file). */
mmu_status_t mmu_kfile_open(mmu_kernel_t *k, const char *path, int *fd);
/* Closing drops the descriptor; mappings keep the file until they are unmapped. */
mmu_status_t mmu_kfile_close(mmu_kernel_t *k, int fd);

/* ---- mmap and friends ---- */
#define MMU_PROT_NONE 0u
#define MMU_PROT_READ (1u << 0)
#define MMU_PROT_WRITE (1u << 1)
#define MMU_PROT_EXEC (1u << 2)

#define MMU_MAP_PRIVATE (1u << 0)
#define MMU_MAP_SHARED (1u << 1) /* file mappings only */
#define MMU_MAP_ANON (1u << 2)   /* anonymous; fd and offset are ignored */
#define MMU_MAP_FIXED (1u << 3)  /* exactly at addr, replacing what is there */
#define MMU_MAP_STACK (1u << 4)  /* grows-down stack VMA (MAP_GROWSDOWN); anonymous private */

/* Maps len bytes (rounded up to pages). Without MMU_MAP_FIXED, addr is a hint and the kernel
 * picks a free range top-down below its mmap base. Pages are faulted in lazily. */
mmu_status_t mmu_mmap(mmu_kernel_t *k, uint32_t pid, uint64_t addr, uint64_t len, uint32_t prot,
                      uint32_t flags, int fd, uint64_t offset, uint64_t *out_addr);
/* Unmaps [addr, addr+len): frees private frames and swap slots, writes dirty shared file pages
 * back to their file, invalidates the TLB entries; parts of VMAs are split off. */
mmu_status_t mmu_munmap(mmu_kernel_t *k, uint32_t pid, uint64_t addr, uint64_t len);
mmu_status_t mmu_mprotect(mmu_kernel_t *k, uint32_t pid, uint64_t addr, uint64_t len,
                          uint32_t prot);
/* Writes the dirty pages of shared file mappings in the range back to their files. */
mmu_status_t mmu_msync(mmu_kernel_t *k, uint32_t pid, uint64_t addr, uint64_t len);

typedef enum mmu_vma_kind { MMU_VMA_ANON = 0, MMU_VMA_STACK, MMU_VMA_FILE } mmu_vma_kind_t;
typedef struct mmu_vma_info {
  uint64_t start, end; /* [start, end) */
  uint32_t prot;       /* MMU_PROT_* */
  uint32_t flags;      /* MMU_MAP_* */
  mmu_vma_kind_t kind;
  bool grows_down;
  int fd;          /* file VMAs: the descriptor it was mapped from (may be closed since) */
  uint64_t offset; /* file offset of start */
} mmu_vma_info_t;
/* The VMA containing va (MMU_ERR_NOT_MAPPED if none). */
mmu_status_t mmu_proc_vma(const mmu_kernel_t *k, uint32_t pid, uint64_t va, mmu_vma_info_t *out);
size_t mmu_proc_vma_count(const mmu_kernel_t *k, uint32_t pid);

/* ---- page-level state, for inspection ---- */
/* Swap entries are PTEs with P (V) clear, bit 1 set, and the slot number in bits 12..51. */
#define MMU_SWAP_PTE_TAG 0x2ull
bool mmu_kpte_is_swap(uint64_t pte, uint64_t *slot);
typedef struct mmu_kframe_info {
  bool managed;      /* a frame the kernel gave to user pages or the page cache */
  uint32_t refs;     /* page-table mappings, plus one if it is in the page cache */
  uint32_t mappings; /* page-table mappings */
  bool page_cache;   /* a page-cache frame (file page) */
  bool dirty;        /* page cache: dirty, not yet written back */
} mmu_kframe_info_t;
mmu_status_t mmu_kframe_info(const mmu_kernel_t *k, uint64_t pa, mmu_kframe_info_t *out);
/* Slots in use and the number of PTEs that refer to slot. */
uint64_t mmu_kswap_used(const mmu_kernel_t *k);
uint32_t mmu_kswap_count(const mmu_kernel_t *k, uint64_t slot);
/* Frames the kernel holds (user pages + page cache). */
uint64_t mmu_kframes_used(const mmu_kernel_t *k);

/* ---- faults, outcomes, handlers ---- */
typedef enum mmu_kfault_kind {
  MMU_KF_NONE = 0,
  MMU_KF_ANON,         /* first touch of an anonymous page: zeroed frame */
  MMU_KF_STACK,        /* access below a grows-down stack: VMA extended, zeroed frame */
  MMU_KF_COW,          /* write to a shared (or page-cache) page: copied */
  MMU_KF_COW_REUSE,    /* write by the last owner of a COW page: made writable, no copy */
  MMU_KF_SWAP_IN,      /* major fault: page read back from swap */
  MMU_KF_FILE_MINOR,   /* file page found in the page cache */
  MMU_KF_FILE_MAJOR,   /* file page read from the disk */
  MMU_KF_WRITE_NOTIFY, /* first write to a clean shared file page: marked dirty */
  MMU_KF_SPURIOUS,     /* nothing to fix (stale TLB entry, raced change): just retried */
  MMU_KF_SIGNAL,       /* a signal was delivered (SIGSEGV or SIGBUS) */
  MMU_KF_OOM,          /* no frame could be found: the access is killed */
  MMU_KF_CUSTOM,       /* handled by a registered handler that did not name a kind */
  MMU_KF_COUNT
} mmu_kfault_kind_t;
const char *mmu_kfault_kind_name(mmu_kfault_kind_t kind);

typedef enum mmu_ksig {
  MMU_SIG_NONE = 0,
  MMU_SIG_SEGV,
  MMU_SIG_BUS,
  MMU_SIG_KILL,
  MMU_SIG_OOPS /* a kernel-mode access faulted in a way the kernel cannot fix (SMAP, SMEP) */
} mmu_ksig_t;
#define MMU_SEGV_MAPERR 1  /* si_code: no mapping at the address */
#define MMU_SEGV_ACCERR 2  /* si_code: mapping forbids the access */
#define MMU_SEGV_PKUERR 4  /* si_code: protection key */
#define MMU_BUS_ADRERR 2   /* si_code: file page beyond the end of the file */
#define MMU_SI_KERNEL 0x80 /* si_code: #GP (non-canonical address), corrupt page table */

/* One page fault: what the hardware reported, what the kernel did, and what it cost. */
typedef struct mmu_kfault_rec {
  uint32_t pid;
  mmu_fault_t fault; /* the hardware fault record (error_code for x86) */
  mmu_kfault_kind_t kind;
  bool major;     /* I/O was needed (swap or file read) */
  mmu_ksig_t sig; /* signal delivered, if any */
  int si_code;
  mmu_cycles_t hw;               /* faulting translation + the retry */
  uint64_t kernel_cycles;        /* sum of items[] */
  uint64_t items[MMU_KC_COUNT];  /* kernel cycles per cost item */
  uint32_t counts[MMU_KC_COUNT]; /* how many times each item was charged */
} mmu_kfault_rec_t;

/* The result of one user access (mmu_kload/kstore/kfetch/kaccess). */
typedef struct mmu_koutcome {
  mmu_ksig_t sig; /* MMU_SIG_NONE: every byte was transferred */
  int si_code;
  uint64_t addr;         /* faulting address when sig != NONE */
  size_t bytes_done;     /* bytes transferred before the signal */
  uint32_t faults;       /* page faults taken */
  uint32_t translations; /* translations including retries */
  uint64_t hw_cycles, kernel_cycles;
  mmu_kfault_rec_t last; /* the last fault (kind NONE if none) */
} mmu_koutcome_t;

mmu_status_t mmu_kload(mmu_kernel_t *k, uint32_t pid, uint64_t va, void *buf, size_t len,
                       mmu_koutcome_t *out);
mmu_status_t mmu_kstore(mmu_kernel_t *k, uint32_t pid, uint64_t va, const void *buf, size_t len,
                        mmu_koutcome_t *out);
mmu_status_t mmu_kfetch(mmu_kernel_t *k, uint32_t pid, uint64_t va, void *buf, size_t len,
                        mmu_koutcome_t *out);
/* An access without data (trace replay): translation, faults and retries only. */
mmu_status_t mmu_kaccess(mmu_kernel_t *k, uint32_t pid, uint64_t va, mmu_op_t op, size_t len,
                         mmu_koutcome_t *out);

/* The kernel itself touching a process's user memory (copy_from_user / copy_to_user): a
 * supervisor data access (op READ or WRITE) in the process's address space. stac = true sets
 * RFLAGS.AC for the access as uaccess code does, so SMAP lets it through and faults are handled
 * as for the user (demand paging, COW); without it, SMAP stops the access and the outcome is an
 * oops (MMU_SIG_OOPS) with the fault record (kind MMU_FAULT_SMAP, error code without U). Other
 * unfixable faults are reported as the signal the user would get (uaccess would return -EFAULT).
 * rbuf receives the bytes of a read, wbuf supplies those of a write (either may be NULL). */
mmu_status_t mmu_kuaccess(mmu_kernel_t *k, uint32_t pid, uint64_t va, mmu_op_t op, void *rbuf,
                          const void *wbuf, size_t len, bool stac, mmu_koutcome_t *out);

/* What a handler decides. RETRY: the access is translated again (it must have fixed the PTE);
 * SIGNAL: rec->sig / rec->si_code are delivered to the process. */
typedef enum mmu_kverdict { MMU_KV_RETRY = 0, MMU_KV_SIGNAL } mmu_kverdict_t;
/* A pluggable fault handler. rec arrives with pid, fault and the entry/dispatch items charged;
 * the handler sets rec->kind, charges its work with mmu_kernel_charge, and may call
 * mmu_kernel_default_handler to do (part of) the work the built-in way. */
typedef mmu_kverdict_t (*mmu_kfault_handler_t)(mmu_kernel_t *k, mmu_kfault_rec_t *rec, void *ctx);
/* NULL restores the built-in handler. */
mmu_status_t mmu_kernel_set_handler(mmu_kernel_t *k, mmu_kfault_handler_t fn, void *ctx);
mmu_kverdict_t mmu_kernel_default_handler(mmu_kernel_t *k, mmu_kfault_rec_t *rec, void *ctx);
/* Charges n times item to the fault being handled (MMU_ERR_STATE outside a handler). */
mmu_status_t mmu_kernel_charge(mmu_kernel_t *k, mmu_kcost_item_t item, uint32_t n);
/* Called with every completed fault record (after the retry), e.g. for a log. */
typedef void (*mmu_kfault_log_t)(const mmu_kfault_rec_t *rec, void *ctx);
mmu_status_t mmu_kernel_set_fault_log(mmu_kernel_t *k, mmu_kfault_log_t fn, void *ctx);

/* ---- statistics ---- */
typedef struct mmu_kstats {
  uint64_t accesses;     /* user accesses (calls of kload/kstore/kfetch/kaccess) */
  uint64_t translations; /* translations, retries included */
  uint64_t faults;       /* exceptions taken */
  uint64_t faults_by_kind[MMU_KF_COUNT];
  uint64_t major_faults;
  uint64_t signals;
  uint64_t hw_cycles;      /* sum of mmu_result_t.cycles.total of every translation */
  mmu_cycles_t hw;         /* the same, by component */
  uint64_t kernel_cycles;  /* fault_cycles + syscall_cycles */
  uint64_t fault_cycles;   /* kernel cycles spent in page faults */
  uint64_t syscall_cycles; /* kernel cycles of mmap/munmap/mprotect/msync/fork/exit */
  uint64_t kernel_cycles_by_kind[MMU_KF_COUNT];
  uint64_t item_cycles[MMU_KC_COUNT];
  uint64_t item_counts[MMU_KC_COUNT];
  uint64_t cow_copies, cow_reuses, swap_outs, swap_ins, file_reads, file_writes;
  uint64_t pagecache_hits, pagecache_misses, fault_around_mapped, reclaim_scanned;
  uint64_t stack_expansions, frames_used, frames_peak, forks;
} mmu_kstats_t;
mmu_status_t mmu_kernel_stats(const mmu_kernel_t *k, mmu_kstats_t *out);
mmu_status_t mmu_kernel_stats_reset(mmu_kernel_t *k);
/* JSON text of the statistics; caller frees with free(). NULL on error. */
char *mmu_kstats_to_json(const mmu_kstats_t *st);

/* Where the kernel maps its own (supervisor-only) page in every process. */
#define MMU_KERNEL_VA 0xffffffff80000000ull
/* ==== end firmware API ==== */

#ifdef __cplusplus
}
#endif
#endif /* MMUSIM_H */
