// mmu_cosim — SystemC co-simulation of the Verilog page walker against the C model.
//
//   clock ─┬─> Vcosim_walker (rtl/mmu_walker.sv, verilator --sc; LEVELS 4, PA_BITS 46, PWC)
//          ├─> Driver    (SC_METHOD): issues walks, takes results, runs the C walker, compares
//          └─> Responder (SC_METHOD): the walker's memory port, served from mmu_t "A"'s physical
//                                     memory; each reference answered after the cycles of A's
//                                     latency model (A/D writes: + ad_update_latency)
//
// The C walker runs the same walk on mmu_t "B", built identically (same page tables, same
// latency model state), through mmu_translate with the TLBs disabled and the RTL's page-walk-cache
// shape (one entry per upper level). Every walk must agree on: fault kind and level, the PTE, the
// #PF error code, PA, page size and rights, the number of memory references, and the A/D
// writes (addresses and values, in B's memory after the C walk and in A's after the RTL's).
// The RTL's cycle count (request accept to result handshake) is reported beside the model's.
// A disagreement stops the run with both results and the walk's inputs (exit status 1).
//
// Only SC_METHODs: AddressSanitizer does not follow SC_THREAD stack switches.
// Options: --walks N  --seed S  --trace FILE  --wave FILE (.fst, or .vcd)  --make-trace FILE
//          --check-wave (read the waveform back and check the walker's signals)  --quiet.
// See docs/cosim.md.
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <systemc.h>
#include <vector>

#include "Vcosim_walker.h"
#include "cosim_gen.h"
#include "gtkwave/fstapi.h"
#include "verilated.h"
#include "verilated_fst_sc.h"

extern "C" {
#include "mmu.h"
}

#ifndef COSIM_SOURCE_DIR
#define COSIM_SOURCE_DIR "."
#endif
#ifndef COSIM_DEFAULT_WAVE_DIR
#define COSIM_DEFAULT_WAVE_DIR "waves"
#endif

using cosim::Scenario;

namespace {

constexpr int kLevels = 4;

struct Options {
  uint64_t walks = 100000;
  uint64_t seed = 1;
  std::string trace, wave, make_trace;
  bool quiet = false, check_wave = false;
};

struct Walk { // one walk's inputs
  mmu_access_t acc{};
  uint64_t root = 0;
  mmu_ctrl_t ctrl{};
  bool flush = false;
};

struct MemOp {
  uint64_t addr, data;
  bool we, ok;
};

// The walk source: random scenario or trace replay. Builds identical page tables in A and B.
class Source {
public:
  Source(const Options &o, mmu_t *a, mmu_t *b) : o_(o), a_(a), b_(b), g_(o.seed * 31 + 7) {
    if (o.trace.empty()) {
      sc_ = std::make_unique<Scenario>(MMU_FMT_X86_64_4L, o.seed);
      sc_->build(a);
      sc_->build(b);
      ctrl_ = Scenario::random_ctrl(g_);
    } else {
      load_trace();
    }
  }
  bool ok() const {
    return error_.empty();
  }
  const std::string &error() const {
    return error_;
  }

  // The next walk; false at the end.
  bool next(Walk *w) {
    w->flush = false;
    if (sc_) {
      if (issued_ >= o_.walks) return false;
      const unsigned k = g_() % 1000;
      if (k < 40) {
        ctrl_ = Scenario::random_ctrl(g_);
      } else if (k < 50) {
        w->flush = true;
      } else if (k < 70) { // PTE change without invalidation: stale PWC entries on both sides
        const cosim::Corruption c = sc_->random_corruption(g_);
        sc_->apply(a_, c);
        sc_->apply(b_, c);
        live_.push_back(c);
        if (live_.size() > 6) { // undo the oldest change (XOR again) so damage stays bounded
          sc_->apply(a_, live_.front());
          sc_->apply(b_, live_.front());
          live_.pop_front();
        }
      }
      w->acc = sc_->random_access(g_);
      w->ctrl = ctrl_;
    } else {
      if (pos_ >= accesses_.size()) return false;
      w->acc = accesses_[pos_++];
      mmu_get_ctrl(b_, &w->ctrl);
    }
    mmu_space_root(a_, w->acc.asid, &w->root);
    ++issued_;
    return true;
  }

private:
  // Maps every page the trace touches (a 2M page where a 2M region is touched densely, else
  // 4K pages), user RWX; then one walk per record whose page differs from the previous one.
  void load_trace() {
    mmu_trace_t *t = nullptr;
    if (mmu_trace_open(o_.trace.c_str(), MMU_TRACE_AUTO, &t) != MMU_OK) {
      error_ = "cannot open trace " + o_.trace;
      return;
    }
    std::vector<mmu_trace_rec_t> recs;
    mmu_trace_rec_t r;
    mmu_status_t s;
    while ((s = mmu_trace_next(t, &r)) == MMU_OK)
      recs.push_back(r);
    if (s != MMU_ERR_EOF) error_ = mmu_trace_error(t);
    mmu_trace_close(t);
    if (!error_.empty()) return;
    std::map<uint64_t, std::map<uint64_t, bool>> by2m; // 2M region -> 4K pages touched
    for (const auto &x : recs)
      by2m[x.va >> 21][x.va >> 12] = true;
    uint64_t pa = 1ull << 30;
    for (mmu_t *m : {a_, b_})
      mmu_space_create(m, 1);
    for (const auto &reg : by2m) {
      const uint32_t perm = MMU_PERM_R | MMU_PERM_W | MMU_PERM_X | MMU_PERM_U;
      if (reg.second.size() > 64) {
        pa = (pa + (2u << 20) - 1) & ~((2ull << 20) - 1);
        for (mmu_t *m : {a_, b_})
          mmu_map(m, 1, reg.first << 21, pa, 2u << 20, perm, MMU_PAGE_2M);
        pa += 2u << 20;
      } else {
        for (const auto &p : reg.second) {
          for (mmu_t *m : {a_, b_})
            mmu_map(m, 1, p.first << 12, pa, 4096, perm, MMU_PAGE_4K);
          pa += 4096;
        }
      }
    }
    uint64_t prev = ~0ull;
    for (const auto &x : recs) {
      if ((x.va >> 12) == prev) continue;
      prev = x.va >> 12;
      mmu_access_t a{};
      a.va = x.va;
      a.op = x.op;
      a.user = true;
      a.asid = 1;
      accesses_.push_back(a);
    }
  }

  const Options &o_;
  mmu_t *a_, *b_;
  std::mt19937_64 g_;
  std::unique_ptr<Scenario> sc_;
  mmu_ctrl_t ctrl_{};
  std::vector<mmu_access_t> accesses_;
  std::deque<cosim::Corruption> live_;
  size_t pos_ = 0;
  uint64_t issued_ = 0;
  std::string error_;
};

std::string walk_str(const Walk &w) {
  char b[512];
  const mmu_ctrl_t &c = w.ctrl;
  std::snprintf(b, sizeof b,
                "va=%016llx op=%d user=%d implicit=%d asid=%u root=%llx flush=%d wp=%d nxe=%d "
                "smep=%d smap=%d ac=%d pke=%d pkru=%08x",
                (unsigned long long)w.acc.va, w.acc.op, w.acc.user, w.acc.implicit, w.acc.asid,
                (unsigned long long)w.root, w.flush, c.wp, c.nxe, c.smep, c.smap, c.ac, c.pke,
                c.pkru);
  return b;
}

SC_MODULE(Bench) {
  sc_in<bool> clk;

  sc_signal<bool> rst_n, req_valid, req_ready, req_user, req_wp, req_nxe, req_smep, req_smap,
      req_ac, req_implicit, req_pke, pwc_flush;
  sc_signal<uint64_t> req_va, req_root;
  sc_signal<uint32_t> req_op, req_pkru;
  sc_signal<bool> mem_req_valid, mem_req_ready, mem_req_we, mem_rsp_valid;
  sc_signal<uint64_t> mem_req_addr, mem_req_wdata, mem_rsp_rdata;
  sc_signal<bool> rsp_valid, rsp_ready;
  sc_signal<uint64_t> rsp_pa, rsp_pte;
  sc_signal<uint32_t> rsp_size, rsp_fault, rsp_level, rsp_error_code, rsp_perm, rsp_refs;

  Vcosim_walker dut;

  // Results for the report.
  uint64_t walks = 0, rtl_cycles = 0, model_cycles = 0, refs = 0, faults = 0, cycles = 0;
  std::map<int, uint64_t> by_kind;
  bool failed = false;
  std::string failure;

  SC_HAS_PROCESS(Bench);
  Bench(sc_module_name n, const Options &o, mmu_t *a, mmu_t *b)
      : sc_module(n), dut("mmu_walker"), o_(o), a_(a), b_(b), src_(o, a, b) {
    dut.clk_i(clk);
    dut.rst_ni(rst_n);
    dut.req_valid_i(req_valid);
    dut.req_ready_o(req_ready);
    dut.req_va_i(req_va);
    dut.req_root_i(req_root);
    dut.req_op_i(req_op);
    dut.req_user_i(req_user);
    dut.req_wp_i(req_wp);
    dut.req_nxe_i(req_nxe);
    dut.req_smep_i(req_smep);
    dut.req_smap_i(req_smap);
    dut.req_ac_i(req_ac);
    dut.req_implicit_i(req_implicit);
    dut.req_pke_i(req_pke);
    dut.req_pkru_i(req_pkru);
    dut.pwc_flush_i(pwc_flush);
    dut.mem_req_valid_o(mem_req_valid);
    dut.mem_req_ready_i(mem_req_ready);
    dut.mem_req_addr_o(mem_req_addr);
    dut.mem_req_we_o(mem_req_we);
    dut.mem_req_wdata_o(mem_req_wdata);
    dut.mem_rsp_valid_i(mem_rsp_valid);
    dut.mem_rsp_rdata_i(mem_rsp_rdata);
    dut.rsp_valid_o(rsp_valid);
    dut.rsp_ready_i(rsp_ready);
    dut.rsp_pa_o(rsp_pa);
    dut.rsp_size_o(rsp_size);
    dut.rsp_fault_o(rsp_fault);
    dut.rsp_level_o(rsp_level);
    dut.rsp_pte_o(rsp_pte);
    dut.rsp_error_code_o(rsp_error_code);
    dut.rsp_perm_o(rsp_perm);
    dut.rsp_refs_o(rsp_refs);
    SC_METHOD(driver);
    sensitive << clk.pos();
    dont_initialize();
    SC_METHOD(responder);
    sensitive << clk.pos();
    dont_initialize();
    mem_req_ready.write(true);
    rsp_ready.write(true);
  }
  bool source_ok() const {
    return src_.ok();
  }
  const std::string &source_error() const {
    return src_.error();
  }

  // At a rising edge: the values read are those of the cycle that just ended (the DUT's edge
  // sees the same ones); the values written are driven during the next cycle.
  void driver() {
    ++cycles;
    if (reset_ < 3) {
      rst_n.write(++reset_ == 3);
      if (reset_ == 3) issue();
      return;
    }
    if (req_valid.read() && req_ready.read()) { // request handshake at this edge
      req_valid.write(false);
      pwc_flush.write(false);
      t0_ = cycles;
    }
    if (rsp_valid.read() && rsp_ready.read()) { // result handshake at this edge
      check(cycles - t0_ + 1);
      if (failed) {
        sc_stop();
        return;
      }
      issue();
    }
  }

  void responder() {
    ++rcyc_;
    if (mem_req_valid.read() && mem_req_ready.read()) { // memory handshake at this edge
      MemOp op{mem_req_addr.read(), mem_req_wdata.read(), mem_req_we.read(), true};
      unsigned lat;
      if (op.we) {
        mmu_mem_write64(a_->mem, op.addr, op.data);
        lat = a_->cfg.ad_update_latency + mmu_mem_timed_access(a_->mem, op.addr, nullptr);
      } else {
        uint64_t v = 0;
        op.ok = mmu_mem_read64(a_->mem, op.addr, &v);
        op.data = op.ok ? v : 0;
        lat = op.ok ? mmu_mem_timed_access(a_->mem, op.addr, nullptr) : 1;
      }
      ops_.push_back(op);
      pending_ = true;
      due_ = rcyc_ + (lat ? lat : 1); // the edge at which the walker samples the response
      rsp_data_ = op.we ? 0 : op.data;
    }
    const bool present = pending_ && rcyc_ + 1 == due_; // valid during the next cycle
    mem_rsp_valid.write(present);
    mem_rsp_rdata.write(present ? rsp_data_ : 0);
    if (present) pending_ = false;
  }

private:
  void issue() {
    ops_.clear();
    if (!src_.next(&cur_)) {
      sc_stop();
      return;
    }
    mmu_set_ctrl(a_, &cur_.ctrl);
    mmu_set_ctrl(b_, &cur_.ctrl);
    if (cur_.flush) mmu_invalidate(b_, MMU_INVAL_ALL, 0, 0);
    req_va.write(cur_.acc.va);
    req_root.write(cur_.root);
    req_op.write(cur_.acc.op);
    req_user.write(cur_.acc.user);
    req_implicit.write(cur_.acc.implicit);
    req_wp.write(cur_.ctrl.wp);
    req_nxe.write(cur_.ctrl.nxe);
    req_smep.write(cur_.ctrl.smep);
    req_smap.write(cur_.ctrl.smap);
    req_ac.write(cur_.ctrl.ac);
    req_pke.write(cur_.ctrl.pke);
    req_pkru.write(cur_.ctrl.pkru);
    pwc_flush.write(cur_.flush);
    req_valid.write(true);
  }

  void check(uint64_t rtl_cyc) {
    // The RTL's answer, as a C walk record would put it.
    const unsigned rl = rsp_level.read();
    int level = rl == 7 ? -1 : static_cast<int>(rl);
    int kind = static_cast<int>(rsp_fault.read());
    uint64_t pte = rsp_pte.read(), pte_addr = 0;
    uint32_t ec = rsp_error_code.read(), reads = 0, writes = 0;
    bool bus = false;
    for (const MemOp &op : ops_) {
      if (op.we) {
        ++writes;
      } else {
        if (!op.ok)
          bus = true;
        else
          ++reads;
        pte_addr = op.addr;
      }
    }
    if (bus) kind = MMU_FAULT_BUS, pte = 0, ec = 0;
    // The C walk on B.
    mmu_result_t c;
    const mmu_status_t s = mmu_translate(b_, &cur_.acc, &c);
    std::string why;
    auto diff = [&](const char *what, unsigned long long r, unsigned long long m) {
      if (r == m) return;
      char b[160];
      std::snprintf(b, sizeof b, " %s(rtl %llx, model %llx)", what, r, m);
      why += b;
    };
    if (s != MMU_OK) why += " mmu_translate failed";
    diff("kind", kind, c.fault.kind);
    diff("level", level, c.fault.level);
    diff("pte", pte, c.fault.pte);
    diff("pte_addr", pte_addr, c.fault.pte_addr);
    diff("error_code", ec, c.fault.error_code);
    diff("reads", reads, c.walk_reads);
    diff("writes", writes, c.walk_writes);
    diff("refs", rsp_refs.read(), ops_.size());
    if (kind == MMU_FAULT_NONE) {
      diff("pa", rsp_pa.read(), c.pa);
      diff("size", rsp_size.read(), c.size);
      const uint32_t perm = rsp_perm.read();
      diff("w", perm & 1, c.writable);
      diff("u", (perm >> 1) & 1, c.user);
      diff("x", !((perm >> 2) & 1), c.executable);
    }
    for (const MemOp &op : ops_) {
      if (!op.we) continue;
      uint64_t va = 0, vb = 0;
      mmu_mem_read64(a_->mem, op.addr, &va);
      mmu_mem_read64(b_->mem, op.addr, &vb);
      diff("A/D write (RTL value vs model memory)", op.data, vb);
      diff("A/D write (RTL memory vs model memory)", va, vb);
    }
    const uint64_t model_cyc = c.cycles.pwc + c.cycles.walk + c.cycles.ad;
    ++walks;
    by_kind[c.fault.kind]++;
    faults += c.fault.kind != MMU_FAULT_NONE;
    refs += ops_.size();
    if (kind != MMU_FAULT_NONCANONICAL) {
      rtl_cycles += rtl_cyc;
      model_cycles += model_cyc;
    }
    if (why.empty()) return;
    failed = true;
    char b[1024];
    std::string rtl_ops;
    for (const MemOp &op : ops_) {
      std::snprintf(b, sizeof b, " %c%llx=%llx%s", op.we ? 'W' : 'R', (unsigned long long)op.addr,
                    (unsigned long long)op.data, op.ok ? "" : "(bus)");
      rtl_ops += b;
    }
    std::snprintf(
        b, sizeof b,
        "MISMATCH at walk %llu:%s\n  inputs: %s\n  rtl:   fault=%s level=%d pte=%016llx@%llx "
        "pa=%llx size=%u perm=%u ec=%02x refs=%u cycles=%llu ops=[%s ]\n"
        "  model: fault=%s level=%d pte=%016llx@%llx pa=%llx size=%d ec=%02x reads=%u "
        "writes=%u cycles=%llu\n",
        (unsigned long long)walks - 1, why.c_str(), walk_str(cur_).c_str(),
        mmu_fault_kind_name(static_cast<mmu_fault_kind_t>(kind)), level, (unsigned long long)pte,
        (unsigned long long)pte_addr, (unsigned long long)rsp_pa.read(), (unsigned)rsp_size.read(),
        (unsigned)rsp_perm.read(), ec, (unsigned)rsp_refs.read(), (unsigned long long)rtl_cyc,
        rtl_ops.c_str(), mmu_fault_kind_name(c.fault.kind), c.fault.level,
        (unsigned long long)c.fault.pte, (unsigned long long)c.fault.pte_addr,
        (unsigned long long)c.pa, c.size, c.fault.error_code, c.walk_reads, c.walk_writes,
        (unsigned long long)model_cyc);
    failure = b;
  }

  const Options &o_;
  mmu_t *a_, *b_;
  Source src_;
  Walk cur_;
  std::vector<MemOp> ops_;
  unsigned reset_ = 0;
  uint64_t t0_ = 0, rcyc_ = 0, due_ = 0, rsp_data_ = 0;
  bool pending_ = false;
};

bool fst_to_vcd(const std::string &fst, const std::string &vcd) {
  void *ctx = fstReaderOpen(fst.c_str());
  if (!ctx) return false;
  FILE *f = std::fopen(vcd.c_str(), "w");
  if (!f) {
    fstReaderClose(ctx);
    return false;
  }
  fstReaderProcessHier(ctx, f);
  fstReaderSetFacProcessMaskAll(ctx);
  fstReaderIterBlocks(ctx, nullptr, nullptr, f);
  fstReaderClose(ctx);
  return std::fclose(f) == 0;
}

// Checks that a waveform written by --wave holds the walker's ports and internal state, and
// every signal that waves/mmu_cosim.gtkw shows (full hierarchical names).
bool check_wave(const std::string &path, bool vcd) {
  std::set<std::string> names, full;
  std::vector<std::string> scope;
  auto add = [&](const std::string &n) {
    std::string s;
    for (const auto &c : scope)
      s += c + ".";
    names.insert(n);
    full.insert(s + n);
  };
  if (vcd) {
    std::ifstream f(path);
    for (std::string line; std::getline(f, line);) {
      std::istringstream in(line);
      std::string tok, type, width, id, name;
      in >> tok;
      if (tok == "$var" && (in >> type >> width >> id >> name)) add(name);
      if (tok == "$scope" && (in >> type >> name)) scope.push_back(name);
      if (tok == "$upscope" && !scope.empty()) scope.pop_back();
      if (tok == "$enddefinitions") break;
    }
  } else {
    void *ctx = fstReaderOpen(path.c_str());
    if (!ctx) return false;
    while (fstHier *h = fstReaderIterateHier(ctx)) {
      if (h->htyp == FST_HT_SCOPE) scope.push_back(h->u.scope.name);
      if (h->htyp == FST_HT_UPSCOPE && !scope.empty()) scope.pop_back();
      if (h->htyp == FST_HT_VAR) {
        const std::string n = h->u.var.name;
        add(n.substr(0, n.find(' ')));
      }
    }
    fstReaderClose(ctx);
  }
  bool ok = true;
  for (const char *sig : {"clk_i", "rst_ni", "req_va_i", "state_q", "level_q", "mem_req_addr_o",
                          "mem_rsp_valid_i", "rsp_fault_o", "rsp_error_code_o", "refs_q"}) {
    if (!full.count(std::string("bench.mmu_walker.mmu_walker.") + sig)) {
      std::printf("wave check: bench.mmu_walker.mmu_walker.%s missing in %s\n", sig, path.c_str());
      ok = false;
    }
  }
  unsigned shown = 0;
  std::ifstream gtkw(std::string(COSIM_SOURCE_DIR) + "/waves/mmu_cosim.gtkw");
  for (std::string line; std::getline(gtkw, line);) {
    if (line.rfind("bench.", 0) != 0) continue;
    ++shown;
    const std::string sig = line.substr(0, line.find('['));
    if (!full.count(sig)) {
      std::printf("wave check: %s (waves/mmu_cosim.gtkw) missing in %s\n", sig.c_str(),
                  path.c_str());
      ok = false;
    }
  }
  if (shown < 30) {
    std::printf("wave check: waves/mmu_cosim.gtkw shows only %u signals\n", shown);
    ok = false;
  }
  if (ok)
    std::printf("wave check: %s holds %zu signals incl. the walker's ports, its state and the %u "
                "of waves/mmu_cosim.gtkw\n",
                path.c_str(), names.size(), shown);
  return ok;
}

int usage(const char *argv0) {
  std::fprintf(stderr,
               "usage: %s [--walks N] [--seed S] [--trace FILE] [--wave FILE(.fst|.vcd)] "
               "[--make-trace FILE] [--check-wave] [--quiet]\n",
               argv0);
  return 2;
}

} // namespace

int sc_main(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
    const char *v = nullptr;
    if (a == "--quiet") {
      o.quiet = true;
    } else if (a == "--check-wave") {
      o.check_wave = true;
    } else if (a == "--walks" && (v = val())) {
      o.walks = std::strtoull(v, nullptr, 0);
    } else if (a == "--seed" && (v = val())) {
      o.seed = std::strtoull(v, nullptr, 0);
    } else if (a == "--trace" && (v = val())) {
      o.trace = v;
    } else if (a == "--wave" && (v = val())) {
      o.wave = v;
    } else if (a == "--make-trace" && (v = val())) {
      o.make_trace = v;
    } else {
      return usage(argv[0]);
    }
  }
  if (!o.make_trace.empty()) return cosim::write_lackey_trace(o.make_trace, 3000, o.seed) ? 0 : 1;
  // A bare file name goes to the waves/ directory at the repository root.
  if (!o.wave.empty() && o.wave.find('/') == std::string::npos) {
    ::mkdir(COSIM_DEFAULT_WAVE_DIR, 0755);
    o.wave = std::string(COSIM_DEFAULT_WAVE_DIR) + "/" + o.wave;
  }
  const bool vcd = o.wave.size() > 4 && o.wave.compare(o.wave.size() - 4, 4, ".vcd") == 0;
  const std::string fst_path = vcd ? o.wave + ".tmp.fst" : o.wave;

  const mmu_config_t cfg = cosim::rtl_config(MMU_FMT_X86_64_4L, false);
  mmu_t *a = nullptr, *b = nullptr;
  if (mmu_create(&cfg, &a) != MMU_OK || mmu_create(&cfg, &b) != MMU_OK) {
    std::fprintf(stderr, "mmu_create failed\n");
    return 1;
  }
  if (!o.wave.empty()) Verilated::traceEverOn(true);
  sc_clock clk("clk", 10, SC_NS);
  auto bench = std::make_unique<Bench>("bench", o, a, b);
  bench->clk(clk);
  if (!bench->source_ok()) {
    std::fprintf(stderr, "%s\n", bench->source_error().c_str());
    return 1;
  }
  std::unique_ptr<VerilatedFstSc> tfp;
  sc_start(SC_ZERO_TIME);
  if (!o.wave.empty()) {
    tfp = std::make_unique<VerilatedFstSc>();
    bench->dut.trace(tfp.get(), 99);
    tfp->open(fst_path.c_str());
    if (!tfp->isOpen()) {
      std::fprintf(stderr, "cannot write %s\n", fst_path.c_str());
      return 1;
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  sc_start();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (tfp) tfp->close();
  bench->dut.final();
  if (vcd) {
    if (!fst_to_vcd(fst_path, o.wave)) std::fprintf(stderr, "cannot write %s\n", o.wave.c_str());
    std::remove(fst_path.c_str());
  }

  const Bench &r = *bench;
  if (r.failed) {
    std::fputs(r.failure.c_str(), stdout);
  }
  const uint64_t timed =
      r.walks -
      (r.by_kind.count(MMU_FAULT_NONCANONICAL) ? r.by_kind.at(MMU_FAULT_NONCANONICAL) : 0);
  std::printf("%s: %llu walks (%s, seed %llu), %llu faults, %llu memory references, %llu clock "
              "cycles in %.2f s (%.0f walks/s)\n",
              r.failed ? "FAIL" : "PASS", (unsigned long long)r.walks,
              o.trace.empty() ? "random page tables" : o.trace.c_str(), (unsigned long long)o.seed,
              (unsigned long long)r.faults, (unsigned long long)r.refs,
              (unsigned long long)r.cycles, secs, secs > 0 ? r.walks / secs : 0.0);
  if (timed)
    std::printf("cycles per walk (non-canonical excluded): RTL %.2f, model %.2f (RTL - model = "
                "%.2f)\n",
                double(r.rtl_cycles) / timed, double(r.model_cycles) / timed,
                (double(r.rtl_cycles) - double(r.model_cycles)) / timed);
  if (!o.quiet) {
    std::printf("walks by result:");
    for (const auto &k : r.by_kind)
      std::printf(" %s=%llu", mmu_fault_kind_name(static_cast<mmu_fault_kind_t>(k.first)),
                  (unsigned long long)k.second);
    std::printf("\n");
  }
  if (!o.wave.empty()) std::printf("waveform: %s\n", o.wave.c_str());
  bool failed = r.failed || r.walks == 0;
  if (o.check_wave && (o.wave.empty() || !check_wave(o.wave, vcd))) failed = true;
  bench.reset();
  mmu_destroy(a);
  mmu_destroy(b);
  return failed ? 1 : 0;
}
