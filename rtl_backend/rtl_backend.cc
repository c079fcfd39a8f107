// rtl_backend.cc — the Verilated RTL page walker (rtl/mmu_walker.sv) behind the C API
// (mmu_rtl_attach and friends, declared in c_api/mmusim.h, section "RTL walker").
//
// The walker is plugged into the model through struct mmu's walk_fn hook, so that every timed
// walk of mmu_core_translate (after the TLBs missed) goes through here:
//   ONLY:     the RTL walks; its memory port is served clock by clock from the model's memory,
//             each reference answered after the latency model's cycles (A/D writes: plus
//             ad_update_latency), writes applied when accepted. The mmu_walk_t record is built
//             from the RTL's result and its memory references.
//   LOCKSTEP: the RTL walks first with reads served functionally (no cache-state change) and its
//             A/D writes logged, not applied; then the C walker walks for real (timing, PWC,
//             writes). Both results are compared; the C result is returned. The RTL's cycle
//             count is that of a 1-cycle memory plus the latencies the C walk paid for the same
//             references (exact: one outstanding request, the FSM waits for each response).
// See docs/cosim.md.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "Vrtl_walker_l4.h"
#include "Vrtl_walker_l5.h"
#include "verilated.h"
#include "verilated_fst_c.h"

extern "C" {
#include "mmu.h"
}

namespace {

constexpr uint64_t kPteUs = 1ull << 2, kPteRw = 1ull << 1, kPteG = 1ull << 8, kPteD = 1ull << 6;
constexpr unsigned kRtlPaBits = 46;
constexpr unsigned kLevelNone = 7;

struct MemRef {
  uint64_t addr;
  bool we;
  uint64_t data; // read: value served; write: value written
  bool ok;       // read: inside physical memory
  int where;     // latency model level that answered (reads, ONLY mode)
};

struct RtlIn {
  uint64_t va, root;
  unsigned op;
  bool user, wp, nxe, smep, smap, ac, implicit, pke;
  uint32_t pkru;
  bool flush;
};

struct RtlOut {
  uint64_t pa = 0, pte = 0;
  unsigned size = 0, fault = 0, level = kLevelNone, ec = 0, perm = 0, refs = 0;
  uint64_t cycles = 0;      // accept cycle .. result handshake cycle, inclusive
  uint64_t walk_cycles = 0; // accept cycle .. last read response, inclusive
  uint64_t clocks = 0;      // clock cycles simulated for this walk
  std::vector<MemRef> ops;
};

// Serves the walker's memory port: returns the latency of the reference (>= 1 cycle).
class Responder {
public:
  virtual ~Responder() = default;
  virtual unsigned access(MemRef &r) = 0;
};

class Driver {
public:
  virtual ~Driver() = default;
  virtual RtlOut walk(const RtlIn &in, Responder &mem) = 0;
};

template <class M> class DriverT final : public Driver {
public:
  explicit DriverT(const char *wave) : ctx_(std::make_unique<VerilatedContext>()) {
    if (wave) ctx_->traceEverOn(true);
    m_ = std::make_unique<M>(ctx_.get()); // hierarchy TOP.mmu_walker, as waves/mmu_walker.gtkw
    if (wave) {
      tfp_ = std::make_unique<VerilatedFstC>();
      m_->trace(tfp_.get(), 99);
      tfp_->open(wave);
    }
    m_->rst_ni = 0;
    m_->req_valid_i = 0;
    m_->rsp_ready_i = 1;
    m_->pwc_flush_i = 0;
    m_->mem_req_ready_i = 1;
    m_->mem_rsp_valid_i = 0;
    m_->mem_rsp_rdata_i = 0;
    m_->clk_i = 0;
    m_->eval();
    for (int i = 0; i < 2; ++i)
      edge();
    m_->rst_ni = 1;
    edge();
  }
  ~DriverT() override {
    if (tfp_) tfp_->close();
    m_->final();
  }
  bool wave_ok() const {
    return !tfp_ || tfp_->isOpen();
  }

  RtlOut walk(const RtlIn &in, Responder &mem) override {
    RtlOut out;
    m_->req_va_i = in.va;
    m_->req_root_i = in.root;
    m_->req_op_i = in.op;
    m_->req_user_i = in.user;
    m_->req_wp_i = in.wp;
    m_->req_nxe_i = in.nxe;
    m_->req_smep_i = in.smep;
    m_->req_smap_i = in.smap;
    m_->req_ac_i = in.ac;
    m_->req_implicit_i = in.implicit;
    m_->req_pke_i = in.pke;
    m_->req_pkru_i = in.pkru;
    m_->req_valid_i = 1;
    m_->pwc_flush_i = in.flush;
    bool pending = false, accepted = false;
    uint64_t due = 0, rsp_data = 0, t0 = 0;
    for (unsigned guard = 0; guard < 1000000; ++guard) {
      ++out.clocks;
      const bool rsp_now = pending && cyc_ == due;
      m_->mem_rsp_valid_i = rsp_now;
      m_->mem_rsp_rdata_i = rsp_now ? rsp_data : 0;
      m_->clk_i = 0;
      m_->eval();
      dump(10 * cyc_);
      // The walker's outputs are functions of its registers only: sample them before the edge.
      const bool req_fire = m_->req_valid_i && m_->req_ready_o;
      const bool rsp_fire = m_->rsp_valid_o;     // rsp_ready_i is always 1
      const bool mem_fire = m_->mem_req_valid_o; // mem_req_ready_i is always 1
      if (req_fire) t0 = cyc_, accepted = true;
      if (rsp_now && !out.ops.empty() && !out.ops.back().we) out.walk_cycles = cyc_ - t0 + 1;
      unsigned lat = 0;
      if (mem_fire) {
        MemRef r{m_->mem_req_addr_o, static_cast<bool>(m_->mem_req_we_o), m_->mem_req_wdata_o, true,
                 MMU_CACHE_LEVELS};
        lat = mem.access(r);
        rsp_data = r.we ? 0 : r.data;
        out.ops.push_back(r);
      }
      if (rsp_fire) {
        out.pa = m_->rsp_pa_o;
        out.size = m_->rsp_size_o;
        out.fault = m_->rsp_fault_o;
        out.level = m_->rsp_level_o;
        out.pte = m_->rsp_pte_o;
        out.ec = m_->rsp_error_code_o;
        out.perm = m_->rsp_perm_o;
        out.refs = m_->rsp_refs_o;
        out.cycles = cyc_ - t0 + 1;
        if (!out.walk_cycles) out.walk_cycles = out.cycles;
      }
      m_->clk_i = 1;
      m_->eval();
      dump(10 * cyc_ + 5);
      if (rsp_now) pending = false;
      if (mem_fire) {
        pending = true;
        due = cyc_ + (lat ? lat : 1);
      }
      ++cyc_;
      if (accepted) {
        m_->req_valid_i = 0;
        m_->pwc_flush_i = 0;
      }
      if (rsp_fire) break;
    }
    return out;
  }

private:
  void edge() {
    m_->clk_i = 0;
    m_->eval();
    dump(10 * cyc_);
    m_->clk_i = 1;
    m_->eval();
    dump(10 * cyc_ + 5);
    ++cyc_;
  }
  void dump(uint64_t t) {
    if (tfp_) tfp_->dump(t);
  }
  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<M> m_;
  std::unique_ptr<VerilatedFstC> tfp_;
  uint64_t cyc_ = 0;
};

// ONLY mode: the model's memory and latency model, writes applied.
class TimedResponder final : public Responder {
public:
  TimedResponder(mmu_mem_t *mem, uint32_t ad_lat) : mem_(mem), ad_lat_(ad_lat) {}
  unsigned access(MemRef &r) override {
    unsigned lat;
    if (r.we) {
      mmu_mem_write64(mem_, r.addr, r.data);
      lat = ad_lat_ + mmu_mem_timed_access(mem_, r.addr, nullptr);
    } else {
      uint64_t v = 0;
      r.ok = mmu_mem_read64(mem_, r.addr, &v);
      r.data = r.ok ? v : 0;
      if (!r.ok) return 1; // the C walker does not time a bus error either
      lat = mmu_mem_timed_access(mem_, r.addr, &r.where);
    }
    paid += lat;
    return lat;
  }
  uint64_t paid = 0; // latency cycles served, as the C walker would charge them

private:
  mmu_mem_t *mem_;
  uint32_t ad_lat_;
};

// LOCKSTEP: functional reads, writes only logged (the C walk writes for real afterwards).
class ShadowResponder final : public Responder {
public:
  explicit ShadowResponder(const mmu_mem_t *mem) : mem_(mem) {}
  unsigned access(MemRef &r) override {
    if (r.we) return 1;
    uint64_t v = 0;
    r.ok = mmu_mem_read64(mem_, r.addr, &v);
    r.data = r.ok ? v : 0;
    return 1;
  }

private:
  const mmu_mem_t *mem_;
};

struct Backend {
  mmu_t *mmu = nullptr;
  mmu_rtl_mode_t mode = MMU_RTL_OFF;
  std::unique_ptr<Driver> drv;
  bool pwc_on = true; // the C configuration has the 1-entry-per-level PWC
  bool flush_next = false;
  std::unordered_map<uint16_t, uint64_t> root_of; // ASID <-> root seen since the last flush
  std::unordered_map<uint64_t, uint16_t> asid_of;
  mmu_rtl_stats_t st{};
  bool have_mismatch = false;
  mmu_rtl_mismatch_t last{};
  mmu_rtl_mismatch_fn fn = nullptr;
  void *fn_ctx = nullptr;
};

Backend *backend_of(const mmu_t *m) {
  return m && m->walk_destroy_fn ? static_cast<Backend *>(m->walk_ctx) : nullptr;
}

RtlIn make_in(const mmu_walk_env_t *env, uint64_t root, const mmu_access_t *acc) {
  const mmu_ctrl_t *c = env->ctrl;
  return RtlIn{acc->va,       root,    static_cast<unsigned>(acc->op),
               acc->user,     c->wp,   c->nxe,
               c->smep,       c->smap, c->ac,
               acc->implicit, c->pke,  c->pkru,
               false};
}

// Builds the walk record the C walker would have produced from the RTL's answer.
void record_from_rtl(const mmu_walk_env_t *env, const mmu_access_t *acc, const RtlOut &o,
                     int levels, mmu_walk_t *w) {
  std::memset(w, 0, sizeof *w);
  w->pwc_level = -1;
  uint32_t reads = 0, writes = 0;
  int bus_at = -1;
  for (size_t i = 0; i < o.ops.size(); ++i) {
    const MemRef &r = o.ops[i];
    if (r.we) {
      ++writes;
    } else if (!r.ok) {
      bus_at = static_cast<int>(i);
    } else {
      ++reads;
    }
  }
  const bool noncanon = o.level == kLevelNone;
  const int level = noncanon ? -1 : static_cast<int>(o.level);
  // Levels read: from the first one (below the deepest PWC hit) down to `level`.
  const int nread = static_cast<int>(reads) + (bus_at >= 0 ? 1 : 0);
  const int start = noncanon ? -1 : level + nread - 1;
  if (!noncanon && start < levels - 1) w->pwc_level = start + 1;
  for (int l = start, i = 0; !noncanon && l >= level; --l, ++i) {
    const MemRef &r = o.ops[static_cast<size_t>(i)];
    if (!r.ok) break;
    w->reads_by_level[l]++;
    w->cache_level_hits[r.where]++;
  }
  w->reads = reads;
  w->writes = writes;
  const uint64_t pte_addr =
      (noncanon || o.ops.empty()) ? 0 : o.ops[static_cast<size_t>(nread - 1)].addr;
  w->leaf_level = level;
  if (bus_at >= 0) {
    mmu_fault_make(&w->fault, env->fmt, env->ctrl, MMU_FAULT_BUS, acc, level, 0, pte_addr);
    return;
  }
  const auto kind = static_cast<mmu_fault_kind_t>(o.fault);
  if (kind != MMU_FAULT_NONE) {
    mmu_fault_make(&w->fault, env->fmt, env->ctrl, kind, acc, level, o.pte, pte_addr);
    w->fault.error_code = o.ec;
    return;
  }
  mmu_fault_none(&w->fault, acc, level, o.pte, pte_addr);
  w->pa = o.pa;
  w->rights.r = true;
  w->rights.w = o.perm & 1;
  w->rights.u = (o.perm >> 1) & 1;
  w->rights.x = !((o.perm >> 2) & 1);
  w->rights.pkey = static_cast<uint8_t>((o.pte >> 59) & 15);
  w->global = o.pte & kPteG;
  w->dirty = (o.pte & kPteD) || acc->op == MMU_OP_WRITE;
}

void view_of(const mmu_walk_t &w, mmu_rtl_walk_view_t *v) {
  std::memset(v, 0, sizeof *v);
  v->kind = w.fault.kind;
  v->level = w.fault.level;
  v->pte = w.fault.pte;
  v->pte_addr = w.fault.pte_addr;
  v->pa = w.fault.kind == MMU_FAULT_NONE ? w.pa : 0;
  v->leaf_level = w.fault.kind == MMU_FAULT_NONE ? w.leaf_level : -1;
  if (w.fault.kind == MMU_FAULT_NONE) {
    v->writable = w.rights.w;
    v->user = w.rights.u;
    v->executable = w.rights.x;
  }
  v->error_code = w.fault.error_code;
  v->reads = w.reads;
  v->writes = w.writes;
  v->cycles = w.cyc_pwc + w.cyc_walk + w.cyc_ad;
}

void flush_c_pwc(mmu_t *m) {
  if (m->pwc) mmu_pwc_invalidate(m->pwc, MMU_INVAL_ALL, 0);
}

// Whether the RTL PWC (tagged by root) must be flushed before this walk so that it holds the
// same entries as the C PWC (tagged by ASID): only while ASIDs and roots pair one to one.
bool root_flush_needed(Backend *b, uint16_t asid, uint64_t root) {
  auto a = b->root_of.find(asid);
  auto r = b->asid_of.find(root);
  const bool ok =
      (a == b->root_of.end() || a->second == root) && (r == b->asid_of.end() || r->second == asid);
  if (!ok) {
    b->root_of.clear();
    b->asid_of.clear();
  }
  b->root_of[asid] = root;
  b->asid_of[root] = asid;
  return !ok;
}

void walk_hook(void *ctx, const mmu_walk_env_t *env, uint64_t root, const mmu_access_t *acc,
               mmu_walk_t *out) {
  Backend *b = static_cast<Backend *>(ctx);
  mmu_t *m = b->mmu;
  RtlIn in = make_in(env, root & ~0xfffull, acc);
  const bool canonical = mmu_va_canonical(env->fmt, acc->va);
  bool flush = b->flush_next || !b->pwc_on;
  if (canonical && root_flush_needed(b, acc->asid, in.root)) {
    flush = true;
    if (b->mode == MMU_RTL_LOCKSTEP) flush_c_pwc(m);
  }
  in.flush = flush;
  if (flush) {
    b->flush_next = false;
    if (b->pwc_on) b->st.pwc_flushes++;
  }
  const uint32_t pwc_lat = env->pwc ? mmu_pwc_latency(env->pwc) : 0;
  const int levels = env->fmt->levels;

  if (b->mode == MMU_RTL_ONLY) {
    TimedResponder mem(env->mem, env->ad_update_latency);
    const RtlOut o = b->drv->walk(in, mem);
    record_from_rtl(env, acc, o, levels, out);
    // Timing: walk start (outside the walker), then the RTL's own cycles.
    out->cyc_pwc = canonical ? env->walk_start_latency : 0;
    out->cyc_walk = canonical ? o.walk_cycles : 0;
    out->cyc_ad = canonical ? o.cycles - o.walk_cycles : 0;
    // The C walker would charge walk start + PWC lookup + every reference's latency: the same
    // latencies the RTL was served with.
    if (canonical) b->st.model_cycles += env->walk_start_latency + pwc_lat + mem.paid;
    b->st.walks++;
    b->st.rtl_cycles += o.cycles;
    b->st.clocks += o.clocks;
    b->st.reads += out->reads;
    b->st.writes += out->writes;
    return;
  }

  // LOCKSTEP
  ShadowResponder shadow(env->mem);
  const RtlOut o = b->drv->walk(in, shadow);
  mmu_walk_t r;
  record_from_rtl(env, acc, o, levels, &r);
  mmu_walk(env, root, acc, out);
  const mmu_walk_t &c = *out;

  mmu_rtl_mismatch_t mm;
  std::memset(&mm, 0, sizeof mm);
  view_of(r, &mm.rtl);
  view_of(c, &mm.model);
  uint32_t diff = 0;
  if (r.fault.kind != c.fault.kind) diff |= MMU_RTL_DIFF_KIND;
  if (r.fault.level != c.fault.level) diff |= MMU_RTL_DIFF_LEVEL;
  if (r.fault.pte != c.fault.pte || r.fault.pte_addr != c.fault.pte_addr) diff |= MMU_RTL_DIFF_PTE;
  if (mm.rtl.pa != mm.model.pa || mm.rtl.leaf_level != mm.model.leaf_level ||
      mm.rtl.writable != mm.model.writable || mm.rtl.user != mm.model.user ||
      mm.rtl.executable != mm.model.executable)
    diff |= MMU_RTL_DIFF_PA;
  if (r.fault.error_code != c.fault.error_code) diff |= MMU_RTL_DIFF_EC;
  if (r.reads != c.reads || r.writes != c.writes) diff |= MMU_RTL_DIFF_REFS;
  for (const MemRef &w : o.ops) {
    if (!w.we) continue;
    uint64_t now = 0;
    mmu_mem_read64(env->mem, w.addr, &now);
    const uint32_t i = mm.rtl.nwrites;
    if (i < 2 * MMU_MAX_LEVELS) {
      mm.rtl.write_addr[i] = mm.model.write_addr[i] = w.addr;
      mm.rtl.write_val[i] = w.data;
      mm.model.write_val[i] = now;
      mm.rtl.nwrites = mm.model.nwrites = i + 1;
    }
    if (now != w.data) diff |= MMU_RTL_DIFF_AD;
  }
  // RTL cycles with the latencies the C walk paid for the same references (see the top).
  const uint64_t refs = o.ops.size();
  const uint64_t paid = c.cyc_walk + c.cyc_ad;
  const uint64_t rtl_cycles = o.cycles + (paid > refs ? paid - refs : 0);
  mm.rtl.cycles = rtl_cycles;
  b->st.walks++;
  b->st.rtl_cycles += rtl_cycles;
  b->st.clocks += o.clocks;
  b->st.model_cycles += c.cyc_pwc + c.cyc_walk + c.cyc_ad;
  b->st.reads += r.reads;
  b->st.writes += r.writes;
  if (diff) {
    mm.walk = b->st.walks - 1;
    mm.acc = *acc;
    mm.root = root;
    mm.ctrl = *env->ctrl;
    mm.diff = diff;
    b->st.mismatches++;
    b->last = mm;
    b->have_mismatch = true;
    // Resynchronise the two page-walk caches.
    b->flush_next = true;
    flush_c_pwc(m);
    if (b->fn) b->fn(&mm, b->fn_ctx);
  }
}

void inval_hook(void *ctx, mmu_inval_t, uint16_t, uint64_t) {
  Backend *b = static_cast<Backend *>(ctx);
  b->flush_next = true;
  if (b->mode == MMU_RTL_LOCKSTEP) flush_c_pwc(b->mmu);
}

void destroy_hook(void *ctx) {
  delete static_cast<Backend *>(ctx);
}

void detach(mmu_t *m) {
  Backend *b = backend_of(m);
  if (!b) return;
  m->walk_fn = nullptr;
  m->walk_inval_fn = nullptr;
  m->walk_destroy_fn = nullptr;
  m->walk_ctx = nullptr;
  delete b;
}

} // namespace

extern "C" {

mmu_status_t mmu_rtl_attach(mmu_t *mmu, mmu_rtl_mode_t mode, const char *wave_path) {
  if (!mmu) return MMU_ERR_NULL;
  if (static_cast<unsigned>(mode) >= MMU_RTL_MODE_COUNT) return MMU_ERR_ARG;
  if (mode == MMU_RTL_OFF) {
    detach(mmu);
    return MMU_OK;
  }
  if (!mmu->fmt->x86) return MMU_ERR_STATE;
  if (mmu->walk_fn && !backend_of(mmu)) return MMU_ERR_STATE; // someone else's walker
  const mmu_config_t &c = mmu->cfg;
  if (c.pa_bits != kRtlPaBits) return MMU_ERR_CONFIG;
  const int levels = mmu->fmt->levels;
  bool all_one = true, all_off = true;
  for (int i = 0; i < levels - 1; ++i) {
    all_one = all_one && c.pwc[i].entries == 1 && c.pwc[i].ways == 1;
    all_off = all_off && c.pwc[i].entries == 0;
  }
  if (!all_one && !all_off) return MMU_ERR_CONFIG;
  detach(mmu);
  auto b = std::make_unique<Backend>();
  b->mmu = mmu;
  b->mode = mode;
  b->pwc_on = all_one;
  try {
    if (levels == 4) {
      auto d = std::make_unique<DriverT<Vrtl_walker_l4>>(wave_path);
      if (!d->wave_ok()) return MMU_ERR_IO;
      b->drv = std::move(d);
    } else {
      auto d = std::make_unique<DriverT<Vrtl_walker_l5>>(wave_path);
      if (!d->wave_ok()) return MMU_ERR_IO;
      b->drv = std::move(d);
    }
  } catch (const std::bad_alloc &) {
    return MMU_ERR_NOMEM;
  }
  b->st.mode = mode;
  if (mode == MMU_RTL_LOCKSTEP) flush_c_pwc(mmu); // both caches start empty
  mmu->walk_ctx = b.release();
  mmu->walk_fn = walk_hook;
  mmu->walk_inval_fn = inval_hook;
  mmu->walk_destroy_fn = destroy_hook;
  return MMU_OK;
}

mmu_status_t mmu_rtl_stats(const mmu_t *mmu, mmu_rtl_stats_t *out) {
  if (!mmu || !out) return MMU_ERR_NULL;
  const Backend *b = backend_of(mmu);
  if (!b) return MMU_ERR_STATE;
  *out = b->st;
  return MMU_OK;
}

mmu_status_t mmu_rtl_stats_reset(mmu_t *mmu) {
  if (!mmu) return MMU_ERR_NULL;
  Backend *b = backend_of(mmu);
  if (!b) return MMU_ERR_STATE;
  b->st = mmu_rtl_stats_t{};
  b->st.mode = b->mode;
  return MMU_OK;
}

mmu_status_t mmu_rtl_last_mismatch(const mmu_t *mmu, mmu_rtl_mismatch_t *out) {
  if (!mmu || !out) return MMU_ERR_NULL;
  const Backend *b = backend_of(mmu);
  if (!b || !b->have_mismatch) return MMU_ERR_STATE;
  *out = b->last;
  return MMU_OK;
}

mmu_status_t mmu_rtl_set_mismatch_fn(mmu_t *mmu, mmu_rtl_mismatch_fn fn, void *ctx) {
  if (!mmu) return MMU_ERR_NULL;
  Backend *b = backend_of(mmu);
  if (!b) return MMU_ERR_STATE;
  b->fn = fn;
  b->fn_ctx = ctx;
  return MMU_OK;
}

const char *mmu_rtl_mismatch_str(const mmu_rtl_mismatch_t *m, char *buf, size_t len) {
  if (!buf || !len) return buf;
  if (!m) {
    buf[0] = '\0';
    return buf;
  }
  auto side = [](const mmu_rtl_walk_view_t &v) {
    char s[512];
    int n = std::snprintf(s, sizeof s,
                          "%s level=%d pte=%016llx@%llx pa=%llx size=%d rights=%c%c%c ec=%02x "
                          "reads=%u writes=%u ad=[",
                          mmu_fault_kind_name(v.kind), v.level, (unsigned long long)v.pte,
                          (unsigned long long)v.pte_addr, (unsigned long long)v.pa, v.leaf_level,
                          v.writable ? 'w' : '-', v.user ? 'u' : '-', v.executable ? 'x' : '-',
                          v.error_code, v.reads, v.writes);
    for (uint32_t i = 0; i < v.nwrites && n > 0 && static_cast<size_t>(n) < sizeof s; ++i)
      n += std::snprintf(s + n, sizeof s - static_cast<size_t>(n), " %llx=%llx",
                         (unsigned long long)v.write_addr[i], (unsigned long long)v.write_val[i]);
    std::string r = s;
    return r + " ]";
  };
  const mmu_ctrl_t &c = m->ctrl;
  std::snprintf(buf, len,
                "walk %llu diff=%#x: va=%016llx op=%d user=%d implicit=%d asid=%u root=%llx "
                "wp=%d nxe=%d smep=%d smap=%d ac=%d pke=%d pkru=%08x\n  rtl:   %s\n  model: %s",
                (unsigned long long)m->walk, m->diff, (unsigned long long)m->acc.va, m->acc.op,
                m->acc.user, m->acc.implicit, m->acc.asid, (unsigned long long)m->root, c.wp, c.nxe,
                c.smep, c.smap, c.ac, c.pke, c.pkru, side(m->rtl).c_str(), side(m->model).c_str());
  return buf;
}

} // extern "C"
