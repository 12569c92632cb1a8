// resize.wgsl — separable image resize (area / bilinear / bicubic / Lanczos-3, down or up).
//
// Layout: planar CHW float32, sample (c, y, x) at (c * H + y) * W + x, so the
// `channels * H` rows of all planes form one stack of rows of width W.
//
// Design: two passes, one invocation per output sample.
//   horizontal: src [C, inH, inW]  → dst [C, inH, outW]   (rows stacked over channels)
//   vertical:   src [C, inH, outW] → dst [C, outH, outW]
// Each pass reads a per-output-index table of `taps_*` (input index, weight)
// pairs built on the CPU (src/pipeline/resize/taps.ts) — the very tables the
// CPU reference multiplies by — so the method (area coverage, PyTorch bilinear,
// Keys bicubic, antialiased variants, and PIL's Lanczos-3 for the Upscale tab's
// output sizes and enhance: up to 6·factor taps per sample, negative lobes
// included, src/pipeline/vsr/output-resample-gpu.ts), border replication and zero padding all
// live in the table, and the kernel is one branch-free weighted sum that agrees
// with the CPU reference up to float32 summation order. Weights are tiny and
// reused by every row (horizontal) or column (vertical), so they stay in cache;
// in the vertical pass neighbouring invocations read neighbouring x (coalesced).
// No result clamping: bicubic and Lanczos may overshoot [0, 1] (as PyTorch's and PIL's
// float paths do); the 8-bit quantisation that follows clamps.

struct Params {
  in_w: u32,
  in_h: u32,
  out_w: u32,
  out_h: u32,
  channels: u32,
  taps_x: u32,   // taps per output column (horizontal table)
  taps_y: u32,   // taps per output row (vertical table)
  _pad: u32,
}

struct Tap {
  index: u32,
  weight: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> table: array<Tap>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(64, 4)
fn horizontal(@builtin(global_invocation_id) gid: vec3u) {
  let x = gid.x;
  let row = gid.y; // c * in_h + y
  if (x >= p.out_w || row >= p.channels * p.in_h) {
    return;
  }
  let src_row = row * p.in_w;
  let t0 = x * p.taps_x;
  var acc = 0.0;
  for (var k = 0u; k < p.taps_x; k++) {
    let t = table[t0 + k];
    acc += t.weight * src[src_row + t.index];
  }
  dst[row * p.out_w + x] = acc;
}

@compute @workgroup_size(64, 4)
fn vertical(@builtin(global_invocation_id) gid: vec3u) {
  let x = gid.x;
  let row = gid.y; // c * out_h + y
  if (x >= p.out_w || row >= p.channels * p.out_h) {
    return;
  }
  let c = row / p.out_h;
  let y = row - c * p.out_h;
  let plane = c * p.in_h * p.out_w;
  let t0 = y * p.taps_y;
  var acc = 0.0;
  for (var k = 0u; k < p.taps_y; k++) {
    let t = table[t0 + k];
    acc += t.weight * src[plane + t.index * p.out_w + x];
  }
  dst[row * p.out_w + x] = acc;
}
