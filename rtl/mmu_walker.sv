// Models an x86-64 4/5-level page-table walker (A/D update, SMEP/SMAP/PKU checks, 1-entry-per-level PWC).
//
// See docs/rtl.md for the state diagram, port timing and the page-walk cache.
// The walk rules are those of the C model (model/); both must agree bit for bit.
module mmu_walker #(
  parameter int unsigned LEVELS  = 4,   // 4 (48-bit VA) or 5 (57-bit VA)
  parameter int unsigned PA_BITS = 46,  // MAXPHYADDR, 36..52
  parameter int unsigned PWC_EN  = 1    // 1: page-walk cache, one entry per level 1..LEVELS-1
) (
  input  logic        clk_i,
  input  logic        rst_ni,

  // Translation request
  input  logic        req_valid_i,
  output logic        req_ready_o,
  input  logic [63:0] req_va_i,
  input  logic [63:0] req_root_i,
  input  logic [1:0]  req_op_i,       // 0 read, 1 write, 2 exec (3 behaves as read)
  input  logic        req_user_i,
  input  logic        req_wp_i,
  input  logic        req_nxe_i,
  input  logic        req_smep_i,
  input  logic        req_smap_i,
  input  logic        req_ac_i,
  input  logic        req_implicit_i,
  input  logic        req_pke_i,
  input  logic [31:0] req_pkru_i,

  input  logic        pwc_flush_i,

  // Memory port: one outstanding request, exactly one response per request
  output logic        mem_req_valid_o,
  input  logic        mem_req_ready_i,
  output logic [63:0] mem_req_addr_o,
  output logic        mem_req_we_o,
  output logic [63:0] mem_req_wdata_o,
  input  logic        mem_rsp_valid_i,
  input  logic [63:0] mem_rsp_rdata_i,

  // Result
  output logic        rsp_valid_o,
  input  logic        rsp_ready_i,
  output logic [63:0] rsp_pa_o,
  output logic [1:0]  rsp_size_o,
  output logic [3:0]  rsp_fault_o,
  output logic [2:0]  rsp_level_o,
  output logic [63:0] rsp_pte_o,
  output logic [5:0]  rsp_error_code_o,
  output logic [2:0]  rsp_perm_o,
  output logic [3:0]  rsp_refs_o
);

  // ---------------------------------------------------------------------------------------------
  // Constants and types
  // ---------------------------------------------------------------------------------------------
  localparam int unsigned VA_BITS = 12 + 9 * LEVELS;
  // Width of a table level number 0..LEVELS-1.
  localparam int unsigned LW      = $clog2(LEVELS);
  // Width of a PWC tag: va[VA_BITS-1:21]; the entry of level L compares only va[VA_BITS-1:12+9L].
  localparam int unsigned TAG_W   = VA_BITS - 21;
  // Table addresses are kept as 4 KiB frame numbers.
  localparam int unsigned TBL_W   = PA_BITS - 12;

  // PTE bits
  localparam int unsigned PteP  = 0;
  localparam int unsigned PteRw = 1;
  localparam int unsigned PteUs = 2;
  localparam int unsigned PteA  = 5;
  localparam int unsigned PteD  = 6;
  localparam int unsigned PtePs = 7;
  localparam int unsigned PteNx = 63;

  // Address bits of a PTE above MAXPHYADDR that must be zero: [51:PA_BITS].
  localparam logic [63:0] RsvdMask = ((64'd1 << 52) - 64'd1) & ~((64'd1 << PA_BITS) - 64'd1);
  // Physical-address field of a PTE: [PA_BITS-1:0] (low bits are masked per page size).
  localparam logic [63:0] PaMask   = (64'd1 << PA_BITS) - 64'd1;

  localparam logic [1:0] OpWrite = 2'd1;
  localparam logic [1:0] OpExec  = 2'd2;

  localparam logic [2:0] LevelNone = 3'd7;

  typedef enum logic [2:0] {
    StIdle     = 3'd0,  // ready for a request; canonical check and PWC lookup in the accept cycle
    StReadPte  = 3'd1,  // memory read request of the PTE of level_q
    StWaitPte  = 3'd2,  // wait for the PTE; all checks are done in the response cycle
    StUpdateAd = 3'd3,  // A/D write-back of the PTE of level_q (skipped if already set)
    StWaitAd   = 3'd4,  // wait for the write acknowledge
    StRsp      = 3'd5   // result valid until rsp_ready_i
  } state_e;

  typedef enum logic [3:0] {
    FaultNone         = 4'd0,
    FaultNotPresent   = 4'd1,
    FaultRsvd         = 4'd2,
    FaultMisaligned   = 4'd3,
    FaultNonCanonical = 4'd4,
    FaultUser         = 4'd5,
    FaultWrite        = 4'd6,
    FaultNx           = 4'd7,
    FaultSmep         = 4'd8,
    FaultSmap         = 4'd9,
    FaultPkey         = 4'd10
  } fault_e;

  // ---------------------------------------------------------------------------------------------
  // Registers
  // ---------------------------------------------------------------------------------------------
  state_e             state_q, state_d;

  // Latched request
  logic [VA_BITS-1:0] va_q, va_d;
  logic [63:12]       root_q, root_d;
  logic [1:0]         op_q, op_d;
  logic               user_q, user_d;
  logic               wp_q, wp_d;
  logic               nxe_q, nxe_d;
  logic               smep_q, smep_d;
  logic               smap_q, smap_d;
  logic               ac_q, ac_d;
  logic               implicit_q, implicit_d;
  logic               pke_q, pke_d;
  logic [31:0]        pkru_q, pkru_d;

  // Walk state
  logic [LW-1:0]      level_q, level_d;        // level being read (or A/D-updated)
  logic [LW-1:0]      start_level_q, start_level_d;  // first level read in this walk
  logic [63:12]       table_q, table_d;        // frame of the table read at level_q
  logic               w_acc_q, w_acc_d;        // AND of R/W above level_q
  logic               u_acc_q, u_acc_d;        // AND of U/S above level_q
  logic               nx_acc_q, nx_acc_d;      // OR of NX&NXE above level_q
  logic [63:0]        pte_rd_q [LEVELS];       // PTE read at each level (as read)
  logic [63:0]        pte_rd_d [LEVELS];
  logic [63:0]        pte_addr_q [LEVELS];     // its address
  logic [63:0]        pte_addr_d [LEVELS];

  // Result
  fault_e             fault_q, fault_d;
  logic [2:0]         res_level_q, res_level_d;
  logic [63:0]        res_pte_q, res_pte_d;
  logic [63:0]        pa_q, pa_d;
  logic [1:0]         size_q, size_d;
  logic [5:0]         err_q, err_d;
  logic [2:0]         perm_q, perm_d;
  logic [3:0]         refs_q, refs_d;

  // PWC interface (see gen_pwc)
  logic               pwc_hit;
  logic [LW-1:0]      pwc_hit_lvl;             // level of the deepest hit (1..LEVELS-1)
  logic [TBL_W-1:0]   pwc_hit_table;           // next-table frame of that entry
  logic               pwc_hit_w, pwc_hit_u, pwc_hit_nx;
  logic               pwc_fill;
  logic [LW-1:0]      pwc_fill_lvl;
  logic [TBL_W-1:0]   pwc_fill_table;
  logic               pwc_fill_w, pwc_fill_u, pwc_fill_nx;

  // ---------------------------------------------------------------------------------------------
  // Request decode
  // ---------------------------------------------------------------------------------------------
  logic req_canonical;
  // Bits 63..VA_BITS-1 all equal.
  assign req_canonical = (req_va_i[63:VA_BITS-1] == '0) || (req_va_i[63:VA_BITS-1] == '1);

  // The 9-bit index of va_q at level_q.
  logic [8:0] va_idx;
  always_comb begin
    va_idx = '0;
    for (int unsigned l = 0; l < LEVELS; l++) begin
      if (level_q == LW'(l)) begin
        va_idx = va_q[12 + 9 * l +: 9];
      end
    end
  end

  logic [63:0] pte_rd_addr;
  assign pte_rd_addr = {table_q, 12'h000} + {52'd0, va_idx, 3'b000};

  // ---------------------------------------------------------------------------------------------
  // PTE evaluation (combinational on the memory response in StWaitPte)
  // ---------------------------------------------------------------------------------------------
  logic [63:0] pte;
  assign pte = mem_rsp_rdata_i;

  logic        is_write, is_exec;
  assign is_write = (op_q == OpWrite);
  assign is_exec  = (op_q == OpExec);

  logic        pte_rsvd, pte_misaligned, pte_leaf;
  logic [63:0] off_mask;       // VA offset bits of a page mapped at level_q
  always_comb begin
    pte_rsvd = ((pte & RsvdMask) != '0) || (pte[PteNx] && !nxe_q) ||
               (pte[PtePs] && (32'(level_q) >= 32'd3));
    pte_misaligned = 1'b0;
    off_mask       = 64'h0000_0000_0000_0fff;
    if (level_q == LW'(1)) begin
      pte_misaligned = pte[PtePs] && (pte[20:13] != '0);
      off_mask       = 64'h0000_0000_001f_ffff;
    end else if (level_q == LW'(2)) begin
      pte_misaligned = pte[PtePs] && (pte[29:13] != '0);
      off_mask       = 64'h0000_0000_3fff_ffff;
    end
    pte_leaf = (level_q == '0) || pte[PtePs];
  end

  // Effective rights including the PTE just read.
  logic w_eff, u_eff, nx_eff;
  assign w_eff  = w_acc_q & pte[PteRw];
  assign u_eff  = u_acc_q & pte[PteUs];
  assign nx_eff = nx_acc_q | (pte[PteNx] & nxe_q);

  // Protection key of the leaf and its PKRU bits.
  logic [3:0] pkey;
  logic       pk_ad, pk_wd;
  assign pkey  = pte[62:59];
  assign pk_ad = pkru_q[{pkey, 1'b0}];
  assign pk_wd = pkru_q[{pkey, 1'b1}];

  // Leaf permission check, in the order of the specification.
  fault_e leaf_fault;
  always_comb begin
    leaf_fault = FaultNone;
    if (user_q) begin
      if (!u_eff) begin
        leaf_fault = FaultUser;
      end else if (is_write && !w_eff) begin
        leaf_fault = FaultWrite;
      end else if (is_exec && nx_eff) begin
        leaf_fault = FaultNx;
      end else if (pke_q && !is_exec && pk_ad) begin
        leaf_fault = FaultPkey;
      end else if (pke_q && is_write && pk_wd) begin
        leaf_fault = FaultPkey;
      end
    end else begin
      if (u_eff && is_exec && smep_q) begin
        leaf_fault = FaultSmep;
      end else if (u_eff && !is_exec && smap_q && (implicit_q || !ac_q)) begin
        leaf_fault = FaultSmap;
      end else if (is_write && !w_eff && wp_q) begin
        leaf_fault = FaultWrite;
      end else if (is_exec && nx_eff) begin
        leaf_fault = FaultNx;
      end else if (pke_q && u_eff && !is_exec && pk_ad) begin
        leaf_fault = FaultPkey;
      end else if (pke_q && u_eff && is_write && pk_wd && wp_q) begin
        leaf_fault = FaultPkey;
      end
    end
  end

  // PKRU disallows this data access to a user-mode page (SDM 4.6.2): AD, or WD on a write by
  // user mode or by supervisor mode with CR0.WP=1. This is the #PF error code's PK flag for any
  // rights violation found at the leaf (SDM 4.7), whichever kind of fault is reported.
  logic pk_denies;
  assign pk_denies = pke_q && u_eff && !is_exec &&
                     (pk_ad || (is_write && pk_wd && (user_q || wp_q)));

  // #PF error code of a fault of kind k (not used for NONCANONICAL, which reports 0). pk: PKRU
  // denies the access (only meaningful for the leaf rights violations USER..PKEY).
  function automatic logic [5:0] error_code(fault_e k, logic [1:0] op, logic user, logic nxe,
                                            logic smep, logic pk);
    logic [5:0] ec;
    ec[0] = (k != FaultNotPresent);
    ec[1] = (op == OpWrite);
    ec[2] = user;
    ec[3] = (k == FaultRsvd) || (k == FaultMisaligned);
    ec[4] = (op == OpExec) && (nxe || smep);
    ec[5] = pk && (k >= FaultUser) && (k <= FaultPkey);
    return ec;
  endfunction

  // A/D write-back of the PTE of level_q during StUpdateAd.
  logic        upd_is_leaf, upd_set_d, upd_needed;
  logic [63:0] upd_pte, upd_wdata;
  always_comb begin
    upd_pte     = pte_rd_q[level_q];
    upd_is_leaf = (3'(level_q) == res_level_q);
    upd_set_d   = upd_is_leaf && is_write;
    upd_needed  = !upd_pte[PteA] || (upd_set_d && !upd_pte[PteD]);
    upd_wdata   = upd_pte | (64'd1 << PteA) | (upd_set_d ? (64'd1 << PteD) : 64'd0);
  end

  // ---------------------------------------------------------------------------------------------
  // Main FSM
  // ---------------------------------------------------------------------------------------------
  always_comb begin
    // Defaults: hold everything.
    state_d       = state_q;
    va_d          = va_q;
    root_d        = root_q;
    op_d          = op_q;
    user_d        = user_q;
    wp_d          = wp_q;
    nxe_d         = nxe_q;
    smep_d        = smep_q;
    smap_d        = smap_q;
    ac_d          = ac_q;
    implicit_d    = implicit_q;
    pke_d         = pke_q;
    pkru_d        = pkru_q;
    level_d       = level_q;
    start_level_d = start_level_q;
    table_d       = table_q;
    w_acc_d       = w_acc_q;
    u_acc_d       = u_acc_q;
    nx_acc_d      = nx_acc_q;
    pte_rd_d      = pte_rd_q;
    pte_addr_d    = pte_addr_q;
    fault_d       = fault_q;
    res_level_d   = res_level_q;
    res_pte_d     = res_pte_q;
    pa_d          = pa_q;
    size_d        = size_q;
    err_d         = err_q;
    perm_d        = perm_q;
    refs_d        = refs_q;

    req_ready_o     = 1'b0;
    mem_req_valid_o = 1'b0;
    mem_req_addr_o  = pte_rd_addr;
    mem_req_we_o    = 1'b0;
    mem_req_wdata_o = '0;
    rsp_valid_o     = 1'b0;

    pwc_fill       = 1'b0;
    pwc_fill_lvl   = level_q;
    pwc_fill_table = pte[PA_BITS-1:12];
    pwc_fill_w     = w_eff;
    pwc_fill_u     = u_eff;
    pwc_fill_nx    = nx_eff;

    unique case (state_q)
      StIdle: begin
        req_ready_o = 1'b1;
        if (req_valid_i) begin
          va_d        = req_va_i[VA_BITS-1:0];
          root_d      = req_root_i[63:12];
          op_d        = req_op_i;
          user_d      = req_user_i;
          wp_d        = req_wp_i;
          nxe_d       = req_nxe_i;
          smep_d      = req_smep_i;
          smap_d      = req_smap_i;
          ac_d        = req_ac_i;
          implicit_d  = req_implicit_i;
          pke_d       = req_pke_i;
          pkru_d      = req_pkru_i;
          refs_d      = '0;
          fault_d     = FaultNone;
          res_level_d = LevelNone;
          res_pte_d   = '0;
          pa_d        = '0;
          size_d      = '0;
          err_d       = '0;
          perm_d      = '0;
          if (!req_canonical) begin
            fault_d = FaultNonCanonical;
            state_d = StRsp;
          end else begin
            if (pwc_hit) begin
              level_d  = pwc_hit_lvl - LW'(1);
              table_d  = {{(52 - TBL_W){1'b0}}, pwc_hit_table};
              w_acc_d  = pwc_hit_w;
              u_acc_d  = pwc_hit_u;
              nx_acc_d = pwc_hit_nx;
            end else begin
              level_d  = LW'(LEVELS - 1);
              table_d  = req_root_i[63:12];
              w_acc_d  = 1'b1;
              u_acc_d  = 1'b1;
              nx_acc_d = 1'b0;
            end
            start_level_d = level_d;
            state_d       = StReadPte;
          end
        end
      end

      StReadPte: begin
        mem_req_valid_o = 1'b1;
        if (mem_req_ready_i) begin
          refs_d              = refs_q + 4'd1;
          pte_addr_d[level_q] = pte_rd_addr;
          state_d             = StWaitPte;
        end
      end

      StWaitPte: begin
        if (mem_rsp_valid_i) begin
          pte_rd_d[level_q] = pte;
          res_level_d       = 3'(level_q);
          res_pte_d         = pte;
          if (!pte[PteP]) begin
            fault_d = FaultNotPresent;
          end else if (pte_rsvd) begin
            fault_d = FaultRsvd;
          end else if (pte_misaligned) begin
            fault_d = FaultMisaligned;
          end else if (pte_leaf) begin
            fault_d = leaf_fault;
          end
          err_d = error_code(fault_d, op_q, user_q, nxe_q, smep_q, pk_denies);

          if (fault_d != FaultNone) begin
            state_d = StRsp;
          end else if (!pte_leaf) begin
            // Non-leaf: accumulate rights, fill the PWC entry of this level, go down.
            pwc_fill = 1'b1;
            w_acc_d  = w_eff;
            u_acc_d  = u_eff;
            nx_acc_d = nx_eff;
            table_d  = {{(52 - TBL_W){1'b0}}, pte[PA_BITS-1:12]};
            level_d  = level_q - LW'(1);
            state_d  = StReadPte;
          end else begin
            // Successful leaf: compute the result, then write back A/D from the top level read.
            err_d   = '0;
            pa_d    = ((pte & PaMask) & ~off_mask) | ({{(64 - VA_BITS){1'b0}}, va_q} & off_mask);
            size_d  = 2'(level_q);
            perm_d  = {nx_eff, u_eff, w_eff};
            level_d = start_level_q;
            state_d = StUpdateAd;
          end
        end
      end

      StUpdateAd: begin
        mem_req_addr_o  = pte_addr_q[level_q];
        mem_req_wdata_o = upd_wdata;
        if (upd_needed) begin
          mem_req_valid_o = 1'b1;
          mem_req_we_o    = 1'b1;
          if (mem_req_ready_i) begin
            refs_d  = refs_q + 4'd1;
            state_d = StWaitAd;
          end
        end else if (upd_is_leaf) begin
          state_d = StRsp;
        end else begin
          level_d = level_q - LW'(1);
        end
      end

      StWaitAd: begin
        if (mem_rsp_valid_i) begin
          if (upd_is_leaf) begin
            state_d = StRsp;
          end else begin
            level_d = level_q - LW'(1);
            state_d = StUpdateAd;
          end
        end
      end

      StRsp: begin
        rsp_valid_o = 1'b1;
        if (rsp_ready_i) begin
          state_d = StIdle;
        end
      end

      default: begin
        state_d = StIdle;
      end
    endcase
  end

  assign rsp_pa_o         = pa_q;
  assign rsp_size_o       = size_q;
  assign rsp_fault_o      = fault_q;
  assign rsp_level_o      = res_level_q;
  assign rsp_pte_o        = res_pte_q;
  assign rsp_error_code_o = err_q;
  assign rsp_perm_o       = perm_q;
  assign rsp_refs_o       = refs_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q       <= StIdle;
      va_q          <= '0;
      root_q        <= '0;
      op_q          <= '0;
      user_q        <= 1'b0;
      wp_q          <= 1'b0;
      nxe_q         <= 1'b0;
      smep_q        <= 1'b0;
      smap_q        <= 1'b0;
      ac_q          <= 1'b0;
      implicit_q    <= 1'b0;
      pke_q         <= 1'b0;
      pkru_q        <= '0;
      level_q       <= '0;
      start_level_q <= '0;
      table_q       <= '0;
      w_acc_q       <= 1'b0;
      u_acc_q       <= 1'b0;
      nx_acc_q      <= 1'b0;
      for (int unsigned l = 0; l < LEVELS; l++) begin
        pte_rd_q[l]   <= '0;
        pte_addr_q[l] <= '0;
      end
      fault_q       <= FaultNone;
      res_level_q   <= LevelNone;
      res_pte_q     <= '0;
      pa_q          <= '0;
      size_q        <= '0;
      err_q         <= '0;
      perm_q        <= '0;
      refs_q        <= '0;
    end else begin
      state_q       <= state_d;
      va_q          <= va_d;
      root_q        <= root_d;
      op_q          <= op_d;
      user_q        <= user_d;
      wp_q          <= wp_d;
      nxe_q         <= nxe_d;
      smep_q        <= smep_d;
      smap_q        <= smap_d;
      ac_q          <= ac_d;
      implicit_q    <= implicit_d;
      pke_q         <= pke_d;
      pkru_q        <= pkru_d;
      level_q       <= level_d;
      start_level_q <= start_level_d;
      table_q       <= table_d;
      w_acc_q       <= w_acc_d;
      u_acc_q       <= u_acc_d;
      nx_acc_q      <= nx_acc_d;
      pte_rd_q      <= pte_rd_d;
      pte_addr_q    <= pte_addr_d;
      fault_q       <= fault_d;
      res_level_q   <= res_level_d;
      res_pte_q     <= res_pte_d;
      pa_q          <= pa_d;
      size_q        <= size_d;
      err_q         <= err_d;
      perm_q        <= perm_d;
      refs_q        <= refs_d;
    end
  end

  // ---------------------------------------------------------------------------------------------
  // Page-walk cache: one entry per level 1..LEVELS-1. Entry L caches the walk down to and
  // including the PTE of level L: tag va[VA_BITS-1:12+9L] + root frame, data the next-table
  // frame and the rights accumulated over levels LEVELS-1..L. Lookup is combinational in the
  // request-accept cycle; the deepest (lowest-level) hit wins. pwc_flush_i clears all entries at
  // the next edge and also masks hits in the cycle it is asserted.
  // ---------------------------------------------------------------------------------------------
  logic [TAG_W-1:0] req_tag;
  assign req_tag = req_va_i[VA_BITS-1:21];

  if (PWC_EN != 0) begin : gen_pwc
    logic             valid_q [LEVELS];
    logic             valid_d [LEVELS];
    logic [TAG_W-1:0] tag_q   [LEVELS];
    logic [TAG_W-1:0] tag_d   [LEVELS];
    logic [63:12]     root_tag_q [LEVELS];
    logic [63:12]     root_tag_d [LEVELS];
    logic [TBL_W-1:0] next_q  [LEVELS];
    logic [TBL_W-1:0] next_d  [LEVELS];
    logic [2:0]       rights_q [LEVELS];  // {nx, u, w}
    logic [2:0]       rights_d [LEVELS];

    // Lookup. Entry 0 is never filled (level 0 is always a leaf) and is ignored.
    always_comb begin
      pwc_hit       = 1'b0;
      pwc_hit_lvl   = '0;
      pwc_hit_table = '0;
      pwc_hit_w     = 1'b0;
      pwc_hit_u     = 1'b0;
      pwc_hit_nx    = 1'b0;
      // Top-down, so that the deepest hit is the last assignment.
      for (int l = int'(LEVELS) - 1; l >= 1; l--) begin
        if (valid_q[l] && !pwc_flush_i && (root_tag_q[l] == req_root_i[63:12]) &&
            (((tag_q[l] ^ req_tag) >> (9 * (l - 1))) == '0)) begin
          pwc_hit       = 1'b1;
          pwc_hit_lvl   = LW'(l);
          pwc_hit_table = next_q[l];
          {pwc_hit_nx, pwc_hit_u, pwc_hit_w} = rights_q[l];
        end
      end
    end

    // Fill and flush (flush wins).
    always_comb begin
      valid_d    = valid_q;
      tag_d      = tag_q;
      root_tag_d = root_tag_q;
      next_d     = next_q;
      rights_d   = rights_q;
      if (pwc_flush_i) begin
        for (int unsigned l = 0; l < LEVELS; l++) begin
          valid_d[l] = 1'b0;
        end
      end else if (pwc_fill) begin
        valid_d[pwc_fill_lvl]    = 1'b1;
        tag_d[pwc_fill_lvl]      = va_q[VA_BITS-1:21];
        root_tag_d[pwc_fill_lvl] = root_q;
        next_d[pwc_fill_lvl]     = pwc_fill_table;
        rights_d[pwc_fill_lvl]   = {pwc_fill_nx, pwc_fill_u, pwc_fill_w};
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        for (int unsigned l = 0; l < LEVELS; l++) begin
          valid_q[l]    <= 1'b0;
          tag_q[l]      <= '0;
          root_tag_q[l] <= '0;
          next_q[l]     <= '0;
          rights_q[l]   <= '0;
        end
      end else begin
        valid_q    <= valid_d;
        tag_q      <= tag_d;
        root_tag_q <= root_tag_d;
        next_q     <= next_d;
        rights_q   <= rights_d;
      end
    end
  end else begin : gen_no_pwc
    assign pwc_hit       = 1'b0;
    assign pwc_hit_lvl   = '0;
    assign pwc_hit_table = '0;
    assign pwc_hit_w     = 1'b0;
    assign pwc_hit_u     = 1'b0;
    assign pwc_hit_nx    = 1'b0;
    // The fill port, the flush input and the lookup tag have no cache to drive.
    logic unused_pwc;
    assign unused_pwc = ^{pwc_flush_i, pwc_fill, pwc_fill_lvl, pwc_fill_table, pwc_fill_w,
                          pwc_fill_u, pwc_fill_nx, req_tag};
  end

  // ---------------------------------------------------------------------------------------------
  // Unused bits
  // ---------------------------------------------------------------------------------------------
  // The root is 4 KiB aligned; PTE bits PWT/PCD/G/AVL and 52..58 do not affect the walk; VA
  // bits 63..VA_BITS are only used by the canonical check (which reads VA_BITS-1..63).
  logic unused_bits;
  assign unused_bits = ^{req_root_i[11:0], pte[58:52], pte[11:8], pte[4:3]};

`ifndef SYNTHESIS
  initial begin
    if (!(LEVELS == 4 || LEVELS == 5)) $fatal(1, "mmu_walker: LEVELS must be 4 or 5");
    if (PA_BITS < 36 || PA_BITS > 52) $fatal(1, "mmu_walker: PA_BITS must be 36..52");
  end
`endif

endmodule
