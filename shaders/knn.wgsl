// k-th-nearest codebook search (the VQ step of VQD-SR's stochastic top-k quantiser).
//
// Problem: latent z in the ONNX NCHW layout with N = 1, i.e. [nz, P] (P = H·W positions, channel c
// of position p at z[c·P + p]); codebook E [N, nz] row-major. For every position find the k-th
// entry in the order (squared L2 distance, index) — exact, ties to the smaller index — and write
// its index and zq = E[index] in the same [nz, P] layout (what decoder.onnx takes).
//
// Distance. d(p, j) = ‖e_j‖² − 2·z_p·e_j. ‖z_p‖² is the same for every j, so dropping it keeps
// the order. All f32 (no shader-f16 on SwiftShader), in one fixed order that the CPU reference
// (src/pipeline/vqd/knn-cpu.ts) reproduces bit for bit:
//   ‖e_j‖²: s = +0; for c = 0..nz-1: s = s + e[j,c]·e[j,c]                    (prepare_codebook)
//   dot:    a = +0; for c = 0..nz-1: a = a + z[c,p]·e[j,c]                    (distances)
//   d     = ‖e_j‖² − 2·a            (2·a is exact, so a fused form rounds the same)
// every product and every sum rounded to f32. WGSL allows an implementation to fuse a·b + c into
// an fma ("at least as accurate"), which can move the last bit; SwiftShader does not (knn.gputest.ts
// checks exact agreement on generic floats), and the grid-valued test inputs make every product and
// every partial sum exact, so those agree on any conforming GPU.
//
// Design: two passes over a distance matrix D in global memory, then a gather; the host records
// them into one command encoder and splits P into chunks so D fits maxStorageBufferBindingSize.
// Shaped by two targets: real GPUs (coalescing, register blocking, reuse through workgroup memory)
// and SwiftShader, the CPU rasteriser our CI runs WebGPU on, where (measured with Dawn + SwiftShader
// on this 2-core machine) every workgroup barrier costs a fibre switch per 4-lane group (a
// cooperative radix select with workgroup scans ran ~20 ms per position), every lane-varying load
// is a per-lane scalar load, and large workgroup arrays cost milliseconds per workgroup (16 KiB:
// ~4 ms; 2 KiB: negligible). Hence: few barriers, 2 KiB tiles, and big register blocks (loads per
// multiply-add is the figure of merit on both targets).
//
// 0. prepare_codebook (once per codebook): E [N, nz] → Eᵀ [nz, Npad] (entries contiguous, zero
//    padded to Npad = a multiple of 512) and ‖e‖² [Npad]. One thread per entry.
//
// 1. distances — D[j, p] = ‖e_j‖² − 2·Σ_c z[c,p]·Eᵀ[c,j], D stored [Npad, Ppad] (positions
//    contiguous) so the select's reads coalesce.
//    Workgroup = 64 threads = a block of 8 positions × 512 entries; grid = (P/8) × (Npad/512).
//    The channels are walked in tiles of 64: the block's z tile (64 channels × 8 positions, 2 KiB)
//    is staged in workgroup memory between two barriers and read by all 64 threads at the same
//    addresses (broadcasts). Each thread owns 8 entries (j, j+64, …, j+448 — so a warp's codebook
//    loads are contiguous) × 8 positions = 64 f32 accumulators in registers, and streams its
//    entries' Eᵀ columns from global memory exactly once: every codebook value is read once per
//    workgroup and reused for the workgroup's 8 positions from a register, every z value is read
//    once per workgroup and reused for its 512 entries from workgroup memory. Per channel a thread
//    does 8 global loads + 2 vec4 workgroup loads for 64 multiply-adds (vs. 2 loads per
//    multiply-add in a naive kernel).
//    Arithmetic intensity against global memory: per workgroup 4·nz·(8 + 512) bytes read for
//    2·8·512·nz FLOP = 3.9 FLOP/byte, plus 4 bytes of D written per 2·nz FLOP (128 FLOP/byte at
//    nz = 256) → ≈ 3.8 FLOP/byte overall (0.25 for the naive kernel). The codebook (1 MiB at
//    1024 × 256) stays cache-resident across workgroups, so DRAM sees z once and D written once:
//    2·P·N·nz FLOP over 4·P·(nz + N) bytes ≈ 102 FLOP/byte for N = 1024, nz = 256 (≈ 20 FLOP/byte
//    for the whole search, counting the select's ≤ 5 reads of D).
//    (Measured on SwiftShader: the 8 entries × 8 positions block ran 1.4× the 4 × 16 block at the
//    same 64 accumulators; 16 × 16 blocks (256 accumulators, too many registers for real GPUs) were
//    within noise of 8 × 8; 2 KiB z tiles beat one 16 KiB tile by 1.5× at nz = 256.)
//
// 2. select_kth — one thread per position (32 per workgroup), an exact radix select over its N
//    keys with no sort and no barrier. Distances map to order-preserving u32 keys (flip all bits of
//    negatives, set the sign bit of positives; −0 folds into +0 so key order = the numeric order
//    the CPU compares). Up to four MSB-first rounds of 8 bits: a 256-bin histogram of the keys that
//    match the prefix found so far, kept in the thread's own slice of workgroup memory (16-bit
//    counters packed in pairs: 128 words × 32 threads = 16 KiB, bank = thread, conflict-free),
//    then a walk over the bins finds the bin holding rank k → 8 more key bits and the rank inside
//    the bin. A round whose bin holds one key ends the search. Ties (equal keys) are broken by
//    index with a last walk in index order counting matches. Reads of D are coalesced across the
//    warp; each position's row is read ≤ 5 times (≤ 4 rounds + the tie walk): O(N) work, no sort.
//    (4-bit digits with 1 KiB of histograms measured 1.4× slower on SwiftShader: more passes.)
//
// 3. gather — zq[c, p] = Eᵀ[c, idx[p]], one thread per (p, c), coalesced writes along p; zq is a
//    bit-exact copy of the codebook row.
//
// Limits: 1 ≤ k ≤ N ≤ 65535 (16-bit histogram counters); any nz ≥ 1 (VQD-SR: 256), any P.

struct Params {
  P: u32,        // positions in z (row stride of z and zq)
  p0: u32,       // first position of this chunk
  count: u32,    // positions in this chunk
  N: u32,        // codebook entries
  Npad: u32,     // N rounded up to 512: row stride of Eᵀ, rows of D
  nz: u32,       // channels
  k: u32,        // rank wanted, 1-based
  Ppad: u32,     // count rounded up to 8: row stride of D
}

const BLOCK_P: u32 = 8u;      // positions per distances workgroup
const BLOCK_E: u32 = 512u;    // entries per distances workgroup (8 per thread)
const ZCH: u32 = 64u;         // channels staged per z tile (2 KiB)
const SEL_WG: u32 = 32u;      // positions (threads) per select workgroup

// ---------------------------------------------------------------------------------------------
// 0. prepare_codebook: Eᵀ and ‖e‖²
// ---------------------------------------------------------------------------------------------

@group(0) @binding(0) var<uniform> prep: Params;
@group(0) @binding(1) var<storage, read> cbIn: array<f32>;
@group(0) @binding(2) var<storage, read_write> cbT: array<f32>;
@group(0) @binding(3) var<storage, read_write> cbNorm: array<f32>;

@compute @workgroup_size(64)
fn prepare_codebook(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= prep.Npad) { return; }
  var s = 0.0;
  for (var c = 0u; c < prep.nz; c++) {
    var v = 0.0;
    if (j < prep.N) { v = cbIn[j * prep.nz + c]; }
    cbT[c * prep.Npad + j] = v;
    s = s + v * v;
  }
  cbNorm[j] = s;
}

// ---------------------------------------------------------------------------------------------
// 1. distances: D [Npad, Ppad] for one chunk of positions
// ---------------------------------------------------------------------------------------------

@group(0) @binding(0) var<uniform> dp: Params;
@group(0) @binding(1) var<storage, read> zIn: array<f32>;
@group(0) @binding(2) var<storage, read> eT: array<f32>;
@group(0) @binding(3) var<storage, read> eNorm: array<f32>;
@group(0) @binding(4) var<storage, read_write> dist4: array<vec4<f32>>;

// [channel][position quad]: 4 consecutive positions per vec4, 2 quads (8 positions) per channel.
var<workgroup> zTile: array<vec4<f32>, 128>;    // ZCH × BLOCK_P floats = 2 KiB

// Stage z[c0 .. c0+channels) of the block's 8 positions; positions past the chunk load 0 (their
// distances are computed but never read).
fn stageZ(t: u32, pBlock: u32, c0: u32, channels: u32) {
  for (var q = t; q < channels * 2u; q += 64u) {
    let c = c0 + q / 2u;
    let pl = pBlock + 4u * (q % 2u);
    let base = c * dp.P + dp.p0 + pl;
    var v = vec4<f32>(0.0);
    if (pl + 0u < dp.count) { v.x = zIn[base + 0u]; }
    if (pl + 1u < dp.count) { v.y = zIn[base + 1u]; }
    if (pl + 2u < dp.count) { v.z = zIn[base + 2u]; }
    if (pl + 3u < dp.count) { v.w = zIn[base + 3u]; }
    zTile[q] = v;
  }
}

@compute @workgroup_size(64)
fn distances(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let pBlock = wg.x * BLOCK_P;                 // chunk-relative
  let j0 = wg.y * BLOCK_E + t;                 // entries j0 + 64·q, q = 0..7
  // a<q><m>: entry j0 + 64·q, positions pBlock + 4m .. +3
  var a00 = vec4<f32>(0.0); var a01 = vec4<f32>(0.0);
  var a10 = vec4<f32>(0.0); var a11 = vec4<f32>(0.0);
  var a20 = vec4<f32>(0.0); var a21 = vec4<f32>(0.0);
  var a30 = vec4<f32>(0.0); var a31 = vec4<f32>(0.0);
  var a40 = vec4<f32>(0.0); var a41 = vec4<f32>(0.0);
  var a50 = vec4<f32>(0.0); var a51 = vec4<f32>(0.0);
  var a60 = vec4<f32>(0.0); var a61 = vec4<f32>(0.0);
  var a70 = vec4<f32>(0.0); var a71 = vec4<f32>(0.0);

  for (var c0 = 0u; c0 < dp.nz; c0 += ZCH) {
    if (c0 > 0u) { workgroupBarrier(); }       // everyone is done with the previous tile
    let cEnd = min(ZCH, dp.nz - c0);
    stageZ(t, pBlock, c0, cEnd);
    workgroupBarrier();
    var e = c0 * dp.Npad + j0;                 // Eᵀ[c0, j0]
    for (var cl = 0u; cl < cEnd; cl++) {
      let e0 = eT[e + 0u];
      let e1 = eT[e + 64u];
      let e2 = eT[e + 128u];
      let e3 = eT[e + 192u];
      let e4 = eT[e + 256u];
      let e5 = eT[e + 320u];
      let e6 = eT[e + 384u];
      let e7 = eT[e + 448u];
      e += dp.Npad;
      let z0 = zTile[cl * 2u];
      let z1 = zTile[cl * 2u + 1u];
      a00 = a00 + z0 * e0; a01 = a01 + z1 * e0;
      a10 = a10 + z0 * e1; a11 = a11 + z1 * e1;
      a20 = a20 + z0 * e2; a21 = a21 + z1 * e2;
      a30 = a30 + z0 * e3; a31 = a31 + z1 * e3;
      a40 = a40 + z0 * e4; a41 = a41 + z1 * e4;
      a50 = a50 + z0 * e5; a51 = a51 + z1 * e5;
      a60 = a60 + z0 * e6; a61 = a61 + z1 * e6;
      a70 = a70 + z0 * e7; a71 = a71 + z1 * e7;
    }
  }

  // D rows are Ppad (a multiple of 8) long, so a block's 8 positions are 2 aligned vec4s.
  let rowQ = dp.Ppad / 4u;
  let colQ = pBlock / 4u;
  var r = 0u;
  var n = 0.0;
  r = (j0 + 0u) * rowQ + colQ; n = eNorm[j0 + 0u]; dist4[r + 0u] = n - 2.0 * a00; dist4[r + 1u] = n - 2.0 * a01;
  r = (j0 + 64u) * rowQ + colQ; n = eNorm[j0 + 64u]; dist4[r + 0u] = n - 2.0 * a10; dist4[r + 1u] = n - 2.0 * a11;
  r = (j0 + 128u) * rowQ + colQ; n = eNorm[j0 + 128u]; dist4[r + 0u] = n - 2.0 * a20; dist4[r + 1u] = n - 2.0 * a21;
  r = (j0 + 192u) * rowQ + colQ; n = eNorm[j0 + 192u]; dist4[r + 0u] = n - 2.0 * a30; dist4[r + 1u] = n - 2.0 * a31;
  r = (j0 + 256u) * rowQ + colQ; n = eNorm[j0 + 256u]; dist4[r + 0u] = n - 2.0 * a40; dist4[r + 1u] = n - 2.0 * a41;
  r = (j0 + 320u) * rowQ + colQ; n = eNorm[j0 + 320u]; dist4[r + 0u] = n - 2.0 * a50; dist4[r + 1u] = n - 2.0 * a51;
  r = (j0 + 384u) * rowQ + colQ; n = eNorm[j0 + 384u]; dist4[r + 0u] = n - 2.0 * a60; dist4[r + 1u] = n - 2.0 * a61;
  r = (j0 + 448u) * rowQ + colQ; n = eNorm[j0 + 448u]; dist4[r + 0u] = n - 2.0 * a70; dist4[r + 1u] = n - 2.0 * a71;
}

// ---------------------------------------------------------------------------------------------
// 2. select_kth: exact k-th by (distance, index), one thread per position
// ---------------------------------------------------------------------------------------------

@group(0) @binding(0) var<uniform> sp: Params;
@group(0) @binding(1) var<storage, read> distIn: array<f32>;
@group(0) @binding(2) var<storage, read_write> idxOut: array<u32>;

// Thread t's histogram word w (bins 2w and 2w+1, 16 bits each) at hist[w·SEL_WG + t].
var<workgroup> hist: array<u32, 4096>;

// Order-preserving map f32 → u32 (for non-NaN input); −0 and +0 map to the same key.
fn orderKey(d: f32) -> u32 {
  let b = bitcast<u32>(d);
  if ((b & 0x7fffffffu) == 0u) { return 0x80000000u; }
  if ((b & 0x80000000u) != 0u) { return ~b; }
  return b | 0x80000000u;
}

@compute @workgroup_size(32)
fn select_kth(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) t: u32) {
  let p = gid.x + gid.y * nwg.x * SEL_WG;   // chunk-relative position (grid split over x and y)
  if (p >= sp.count) { return; }            // no barriers below: divergence is fine
  let n = sp.N;
  let stride = sp.Ppad;

  var prefix = 0u;
  var mask = 0u;
  var rank = sp.k;                          // 1-based rank among keys matching prefix under mask
  for (var shift = 24i; shift >= 0i; shift -= 8i) {
    let sh = u32(shift);
    for (var w = 0u; w < 128u; w++) { hist[w * SEL_WG + t] = 0u; }
    for (var j = 0u; j < n; j++) {
      let key = orderKey(distIn[j * stride + p]);
      if ((key & mask) == prefix) {
        let bin = (key >> sh) & 0xffu;
        let at = (bin >> 1u) * SEL_WG + t;
        hist[at] = hist[at] + (1u << ((bin & 1u) * 16u));
      }
    }
    // Walk the bins up to the one holding rank; rank ≤ the matching count, so one always does.
    var below = 0u;
    var bin = 0u;
    var inBin = 0u;
    for (var w = 0u; w < 128u; w++) {
      let h = hist[w * SEL_WG + t];
      let lo = h & 0xffffu;
      let hi = h >> 16u;
      if (below + lo >= rank) { bin = 2u * w; inBin = lo; break; }
      below += lo;
      if (below + hi >= rank) { bin = 2u * w + 1u; inBin = hi; break; }
      below += hi;
    }
    rank -= below;
    prefix |= bin << sh;
    mask |= 0xffu << sh;
    if (inBin == 1u) { break; }             // a unique key carries this prefix
  }

  // The rank-th key (in index order) matching the prefix: equal keys are ordered by index.
  for (var j = 0u; j < n; j++) {
    if ((orderKey(distIn[j * stride + p]) & mask) == prefix) {
      rank -= 1u;
      if (rank == 0u) { idxOut[sp.p0 + p] = j; break; }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 3. gather: zq[c, p] = Eᵀ[c, idx[p]]
// ---------------------------------------------------------------------------------------------

@group(0) @binding(0) var<uniform> gp: Params;
@group(0) @binding(1) var<storage, read> idxIn: array<u32>;
@group(0) @binding(2) var<storage, read> cbTIn: array<f32>;
@group(0) @binding(3) var<storage, read_write> zqOut: array<f32>;

@compute @workgroup_size(64)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = gid.x;
  let c = gid.y;
  if (p >= gp.P || c >= gp.nz) { return; }
  zqOut[c * gp.P + p] = cbTIn[c * gp.Npad + idxIn[p]];
}
