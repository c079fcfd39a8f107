// Test harness for the Verilated mmu_walker: sparse memory, memory responder, reference walker.
//
// The reference walker (RefWalker) is written from the specification in docs/rtl.md, not from
// the RTL, and models the page-walk cache too, so RTL and reference must agree on every walk.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "verilated.h"
#include "verilated_fst_c.h"

namespace rtlwalk {

// ---- constants of the specification ------------------------------------------------------------
enum Fault : unsigned {
  kNone = 0,
  kNotPresent = 1,
  kRsvd = 2,
  kMisaligned = 3,
  kNonCanonical = 4,
  kUser = 5,
  kWrite = 6,
  kNx = 7,
  kSmep = 8,
  kSmap = 9,
  kPkey = 10,
};
enum Op : unsigned { kRead = 0, kWriteOp = 1, kExec = 2 };

constexpr uint64_t kP = 1ull << 0, kRw = 1ull << 1, kUs = 1ull << 2, kPwt = 1ull << 3,
                   kPcd = 1ull << 4, kA = 1ull << 5, kD = 1ull << 6, kPs = 1ull << 7,
                   kG = 1ull << 8, kNxBit = 1ull << 63;
constexpr unsigned kLevelNone = 7;

inline uint64_t mask_bits(unsigned n) {
  return n >= 64 ? ~0ull : ((1ull << n) - 1);
}

struct Params {
  unsigned levels;
  unsigned pa_bits;
  bool pwc_en;
  unsigned va_bits() const {
    return 12 + 9 * levels;
  }
};

// Sparse physical memory of 8-byte words, keyed by the (8-byte aligned) byte address.
using Mem = std::unordered_map<uint64_t, uint64_t>;
inline uint64_t mem_read(const Mem &m, uint64_t a) {
  auto it = m.find(a);
  return it == m.end() ? 0 : it->second;
}

struct Request {
  uint64_t va = 0, root = 0;
  unsigned op = kRead;
  bool user = false, wp = true, nxe = true, smep = false, smap = false, ac = false,
       implicit = false, pke = false;
  uint32_t pkru = 0;
  bool flush = false; // assert pwc_flush_i in the request-accept cycle
};

struct MemOp {
  uint64_t addr;
  bool we;
  uint64_t wdata;
  bool operator==(const MemOp &o) const {
    return addr == o.addr && we == o.we && (!we || wdata == o.wdata);
  }
};

struct Result {
  uint64_t pa = 0;
  unsigned size = 0, fault = 0, level = kLevelNone;
  uint64_t pte = 0;
  unsigned error_code = 0, perm = 0, refs = 0;
  std::vector<MemOp> ops; // memory references of this walk, in order
  uint64_t cycles = 0;    // request accept to response handshake (RTL only)

  bool same_fields(const Result &o) const {
    return pa == o.pa && size == o.size && fault == o.fault && level == o.level && pte == o.pte &&
           error_code == o.error_code && perm == o.perm && refs == o.refs && ops == o.ops;
  }
  std::string str() const {
    char b[256];
    std::snprintf(b, sizeof b,
                  "fault=%u level=%u pte=%016llx pa=%016llx size=%u ec=%02x perm=%u refs=%u "
                  "ops=[",
                  fault, level, (unsigned long long)pte, (unsigned long long)pa, size, error_code,
                  perm, refs);
    std::string s = b;
    for (const auto &o : ops) {
      if (o.we)
        std::snprintf(b, sizeof b, " W%llx=%llx", (unsigned long long)o.addr,
                      (unsigned long long)o.wdata);
      else
        std::snprintf(b, sizeof b, " R%llx", (unsigned long long)o.addr);
      s += b;
    }
    return s + " ]";
  }
};

inline std::string req_str(const Request &r) {
  char b[256];
  std::snprintf(b, sizeof b,
                "va=%016llx root=%llx op=%u user=%d wp=%d nxe=%d smep=%d smap=%d ac=%d imp=%d "
                "pke=%d pkru=%08x flush=%d",
                (unsigned long long)r.va, (unsigned long long)r.root, r.op, r.user, r.wp, r.nxe,
                r.smep, r.smap, r.ac, r.implicit, r.pke, r.pkru, r.flush);
  return b;
}

// ---- reference walker
// ----------------------------------------------------------------------------
class RefWalker {
public:
  explicit RefWalker(Params p) : p_(p) {
    flush();
  }
  void flush() {
    for (auto &e : pwc_)
      e.valid = false;
  }

  // Walks r over mem, applying the A/D updates to mem.
  Result walk(Mem &mem, const Request &r) {
    Result res;
    if (r.flush) flush();
    const unsigned vab = p_.va_bits();
    const int64_t sext = static_cast<int64_t>(r.va << (64 - vab)) >> (64 - vab);
    if (static_cast<uint64_t>(sext) != r.va) {
      res.fault = kNonCanonical;
      return res;
    }
    const bool write = r.op == kWriteOp, exec = r.op == kExec;
    const uint64_t root = r.root & ~0xfffull;
    const uint64_t pa_mask = mask_bits(p_.pa_bits);
    const uint64_t rsvd_mask = mask_bits(52) & ~pa_mask;

    int lvl = static_cast<int>(p_.levels) - 1;
    uint64_t table = root;
    bool w = true, u = true, nx = false;
    if (p_.pwc_en) {
      for (unsigned l = 1; l < p_.levels; ++l) { // deepest first
        const Pwc &e = pwc_[l];
        if (e.valid && e.root == root && e.tag == ((r.va & mask_bits(vab)) >> (12 + 9 * l))) {
          lvl = static_cast<int>(l) - 1;
          table = e.next;
          w = e.w, u = e.u, nx = e.nx;
          break;
        }
      }
    }
    const int start = lvl;
    uint64_t addr_at[8] = {}, pte_at[8] = {};

    // SDM 4.7: PK is set for a rights violation at the leaf (USER..PKEY) whenever PKRU denies
    // the data access to a user-mode page (AD, or WD on a user write or a write with CR0.WP=1),
    // whichever kind of fault is reported; leaf_pk_deny is computed once the leaf is known.
    bool leaf_pk_deny = false;
    auto fail = [&](unsigned kind) {
      res.fault = kind;
      const bool pk = leaf_pk_deny && kind >= kUser && kind <= kPkey;
      res.error_code = (kind != kNotPresent ? 1u : 0u) | (write ? 2u : 0u) | (r.user ? 4u : 0u) |
                       ((kind == kRsvd || kind == kMisaligned) ? 8u : 0u) |
                       ((exec && (r.nxe || r.smep)) ? 16u : 0u) | (pk ? 32u : 0u);
      return res;
    };

    for (;;) {
      const uint64_t idx = (r.va >> (12 + 9 * lvl)) & 511;
      const uint64_t addr = table + 8 * idx;
      const uint64_t pte = mem_read(mem, addr);
      res.ops.push_back({addr, false, 0});
      res.refs++;
      res.level = static_cast<unsigned>(lvl);
      res.pte = pte;
      addr_at[lvl] = addr;
      pte_at[lvl] = pte;
      const bool ps = pte & kPs;
      if (!(pte & kP)) return fail(kNotPresent);
      if ((pte & rsvd_mask) || ((pte & kNxBit) && !r.nxe) || (ps && lvl >= 3)) return fail(kRsvd);
      if (ps && (lvl == 1 || lvl == 2)) {
        const uint64_t low = mask_bits(12 + 9 * lvl) & ~mask_bits(13);
        if (pte & low) return fail(kMisaligned);
      }
      w = w && (pte & kRw);
      u = u && (pte & kUs);
      nx = nx || ((pte & kNxBit) && r.nxe);
      if (lvl != 0 && !ps) {
        table = pte & pa_mask & ~0xfffull;
        if (p_.pwc_en) {
          pwc_[lvl] = {true, (r.va & mask_bits(vab)) >> (12 + 9 * lvl), root, table, w, u, nx};
        }
        --lvl;
        continue;
      }
      // Leaf permission checks.
      const unsigned pk = static_cast<unsigned>(pte >> 59) & 15;
      const bool ad = (r.pkru >> (2 * pk)) & 1, wd = (r.pkru >> (2 * pk + 1)) & 1;
      leaf_pk_deny = r.pke && u && !exec && (ad || (write && wd && (r.user || r.wp)));
      if (r.user) {
        if (!u) return fail(kUser);
        if (write && !w) return fail(kWrite);
        if (exec && nx) return fail(kNx);
        if (r.pke && !exec && ad) return fail(kPkey);
        if (r.pke && write && wd) return fail(kPkey);
      } else {
        if (u && exec && r.smep) return fail(kSmep);
        if (u && !exec && r.smap && (r.implicit || !r.ac)) return fail(kSmap);
        if (write && !w && r.wp) return fail(kWrite);
        if (exec && nx) return fail(kNx);
        if (r.pke && u && !exec && ad) return fail(kPkey);
        if (r.pke && u && write && wd && r.wp) return fail(kPkey);
      }
      const unsigned shift = 12 + 9 * lvl;
      res.pa = (pte & pa_mask & ~mask_bits(shift)) | (r.va & mask_bits(shift));
      res.size = static_cast<unsigned>(lvl);
      res.perm = (nx ? 4u : 0u) | (u ? 2u : 0u) | (w ? 1u : 0u);
      for (int l = start; l >= lvl; --l) {
        const bool set_d = (l == lvl) && write;
        const uint64_t p = pte_at[l];
        if (!(p & kA) || (set_d && !(p & kD))) {
          const uint64_t nv = p | kA | (set_d ? kD : 0);
          mem[addr_at[l]] = nv;
          res.ops.push_back({addr_at[l], true, nv});
          res.refs++;
        }
      }
      return res;
    }
  }

private:
  struct Pwc {
    bool valid;
    uint64_t tag, root, next;
    bool w, u, nx;
  };
  Params p_;
  Pwc pwc_[8] = {};
};

// ---- bench around a Verilated model
// --------------------------------------------------------------
struct Timing {
  unsigned lat_min = 1, lat_max = 1; // memory response latency in cycles after the handshake (>=1)
  double mem_ready_p = 1.0;          // probability mem_req_ready_i is high in a cycle
  double rsp_ready_p = 1.0;          // probability rsp_ready_i is high in a cycle
};

template <class M> class Bench {
public:
  explicit Bench(uint64_t seed = 1, const std::string &fst_path = "")
      : ctx_(std::make_unique<VerilatedContext>()), rng_(seed) {
    if (!fst_path.empty()) ctx_->traceEverOn(true);
    m_ = std::make_unique<M>(ctx_.get());
    if (!fst_path.empty()) {
      tfp_ = std::make_unique<VerilatedFstC>();
      m_->trace(tfp_.get(), 99);
      tfp_->open(fst_path.c_str());
    }
    reset();
  }
  ~Bench() {
    close();
  }
  void close() {
    if (tfp_) {
      tfp_->close();
      tfp_.reset();
    }
    if (m_) {
      m_->final();
      m_.reset();
    }
  }

  Mem mem;
  Timing timing;
  std::string protocol_error; // first protocol violation seen, empty if none

  M &model() {
    return *m_;
  }
  uint64_t cycle_count() const {
    return cyc_;
  }

  void reset() {
    m_->rst_ni = 0;
    m_->req_valid_i = 0;
    m_->rsp_ready_i = 0;
    m_->pwc_flush_i = 0;
    m_->mem_req_ready_i = 0;
    m_->mem_rsp_valid_i = 0;
    m_->clk_i = 0;
    m_->eval();
    for (int i = 0; i < 3; ++i)
      cycle();
    m_->rst_ni = 1;
    pending_ = false;
    cycle();
  }

  // One clock cycle; inputs other than the memory port are whatever the caller set.
  void cycle() {
    const bool rsp_now = pending_ && cyc_ == due_;
    m_->mem_rsp_valid_i = rsp_now;
    m_->mem_rsp_rdata_i = rsp_now ? rsp_data_ : rng_(); // garbage when not valid
    m_->mem_req_ready_i = coin(timing.mem_ready_p);
    m_->clk_i = 0;
    m_->eval();
    dump(10 * cyc_);

    // Sample (the walker's outputs are Moore outputs: a function of its registers only).
    const bool vld = m_->mem_req_valid_o;
    const bool fire = vld && m_->mem_req_ready_i;
    if (vld && prev_stall_ &&
        (m_->mem_req_addr_o != prev_addr_ || m_->mem_req_we_o != prev_we_ ||
         (prev_we_ && m_->mem_req_wdata_o != prev_wdata_)))
      note("memory request changed while stalled");
    if (!vld && prev_stall_) note("memory request withdrawn while stalled");
    if (fire && pending_ && !rsp_now) note("second outstanding memory request");
    if (vld && (m_->mem_req_addr_o & 7)) note("unaligned PTE address");
    prev_stall_ = vld && !m_->mem_req_ready_i;
    prev_addr_ = m_->mem_req_addr_o;
    prev_we_ = m_->mem_req_we_o;
    prev_wdata_ = m_->mem_req_wdata_o;
    last_req_fire_ = m_->req_valid_i && m_->req_ready_o;
    last_rsp_fire_ = m_->rsp_valid_o && m_->rsp_ready_i;
    if (fire) {
      MemOp op{m_->mem_req_addr_o, static_cast<bool>(m_->mem_req_we_o), m_->mem_req_wdata_o};
      ops_.push_back(op);
      if (op.we) {
        mem[op.addr] = op.wdata;
        rsp_data_ = rng_(); // ignored by the walker
      } else {
        rsp_data_ = mem_read(mem, op.addr);
      }
    }

    m_->clk_i = 1;
    m_->eval();
    dump(10 * cyc_ + 5);
    if (rsp_now) pending_ = false;
    if (fire) {
      pending_ = true;
      const unsigned span = timing.lat_max - timing.lat_min + 1;
      due_ = cyc_ + timing.lat_min + static_cast<unsigned>(rng_() % span);
    }
    ++cyc_;
  }

  void idle(unsigned n) {
    for (unsigned i = 0; i < n; ++i)
      cycle();
  }

  // Pulse pwc_flush_i for one cycle (walker idle).
  void flush() {
    m_->pwc_flush_i = 1;
    cycle();
    m_->pwc_flush_i = 0;
  }

  // Runs one walk through the valid/ready handshakes and returns what the walker answered.
  Result walk(const Request &r) {
    ops_.clear();
    drive_req(r);
    m_->req_valid_i = 1;
    m_->pwc_flush_i = r.flush;
    m_->rsp_ready_i = 0;
    unsigned guard = 0;
    do {
      cycle();
      if (++guard > 1000) {
        note("request never accepted");
        return {};
      }
    } while (!last_req_fire_);
    const uint64_t t0 = cyc_;
    m_->req_valid_i = 0;
    m_->pwc_flush_i = 0;
    // Garbage on the request fields: the walker must have latched them.
    Request junk;
    junk.va = rng_(), junk.root = rng_(), junk.op = rng_() & 3, junk.pkru = rng_();
    drive_req(junk);
    Result res;
    for (guard = 0;; ++guard) {
      m_->rsp_ready_i = coin(timing.rsp_ready_p);
      // Result outputs are registered: sample them before the edge that completes the handshake.
      res.pa = m_->rsp_pa_o;
      res.size = m_->rsp_size_o;
      res.fault = m_->rsp_fault_o;
      res.level = m_->rsp_level_o;
      res.pte = m_->rsp_pte_o;
      res.error_code = m_->rsp_error_code_o;
      res.perm = m_->rsp_perm_o;
      res.refs = m_->rsp_refs_o;
      cycle();
      if (last_rsp_fire_) break;
      if (guard > 2000) {
        note("walk never completed");
        break;
      }
    }
    m_->rsp_ready_i = 0;
    res.ops = ops_;
    res.cycles = cyc_ - t0;
    if (pending_) note("memory response still pending after the walk");
    return res;
  }

private:
  void drive_req(const Request &r) {
    m_->req_va_i = r.va;
    m_->req_root_i = r.root;
    m_->req_op_i = r.op;
    m_->req_user_i = r.user;
    m_->req_wp_i = r.wp;
    m_->req_nxe_i = r.nxe;
    m_->req_smep_i = r.smep;
    m_->req_smap_i = r.smap;
    m_->req_ac_i = r.ac;
    m_->req_implicit_i = r.implicit;
    m_->req_pke_i = r.pke;
    m_->req_pkru_i = r.pkru;
  }
  bool coin(double p) {
    if (p >= 1.0) return true;
    return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
  }
  void note(const char *what) {
    if (protocol_error.empty()) protocol_error = what;
  }
  void dump(uint64_t t) {
    if (tfp_) tfp_->dump(t);
  }

  std::unique_ptr<VerilatedContext> ctx_;
  std::unique_ptr<M> m_;
  std::unique_ptr<VerilatedFstC> tfp_;
  std::mt19937_64 rng_;
  uint64_t cyc_ = 0, due_ = 0, rsp_data_ = 0;
  bool pending_ = false, prev_stall_ = false, prev_we_ = false;
  uint64_t prev_addr_ = 0, prev_wdata_ = 0;
  bool last_req_fire_ = false, last_rsp_fire_ = false;
  std::vector<MemOp> ops_;
};

// ---- page-table building for directed tests --------------------------------------------------
class PageTables {
public:
  PageTables(Mem &mem, Params p, uint64_t first_frame = 0x100)
      : mem_(mem), p_(p), next_frame_(first_frame) {}

  uint64_t new_table() {
    return (next_frame_++) << 12;
  }

  // Maps va with a leaf at level leaf_lvl (0: 4K, 1: 2M, 2: 1G). Upper entries get
  // upper_flags (created on first use), the leaf gets leaf_flags | pa (| PS for superpages).
  // Returns the address of the leaf PTE.
  uint64_t map(uint64_t root, uint64_t va, unsigned leaf_lvl, uint64_t pa, uint64_t leaf_flags,
               uint64_t upper_flags = kP | kRw | kUs | kA) {
    uint64_t table = root;
    for (int l = static_cast<int>(p_.levels) - 1; l > static_cast<int>(leaf_lvl); --l) {
      const uint64_t a = entry_addr(table, va, l);
      uint64_t e = mem_read(mem_, a);
      if (!(e & kP)) {
        e = new_table() | upper_flags;
        mem_[a] = e;
      }
      table = e & mask_bits(p_.pa_bits) & ~0xfffull;
    }
    const uint64_t a = entry_addr(table, va, leaf_lvl);
    mem_[a] = pa | leaf_flags | (leaf_lvl ? kPs : 0);
    return a;
  }

  // Address of the entry of va at level lvl, following the present entries from root.
  uint64_t pte_addr(uint64_t root, uint64_t va, unsigned lvl) const {
    uint64_t table = root;
    for (int l = static_cast<int>(p_.levels) - 1; l > static_cast<int>(lvl); --l)
      table = mem_read(mem_, entry_addr(table, va, l)) & mask_bits(p_.pa_bits) & ~0xfffull;
    return entry_addr(table, va, lvl);
  }

  static uint64_t entry_addr(uint64_t table, uint64_t va, int lvl) {
    return table + 8 * ((va >> (12 + 9 * lvl)) & 511);
  }

private:
  Mem &mem_;
  Params p_;
  uint64_t next_frame_;
};

// Sign-extends a VA of va_bits bits to a canonical 64-bit address.
inline uint64_t canon(uint64_t va, unsigned va_bits) {
  return static_cast<uint64_t>(static_cast<int64_t>(va << (64 - va_bits)) >> (64 - va_bits));
}

} // namespace rtlwalk
