// blur.wgsl — 2-D correlation of a planar image with a square kernel (the Blur stage).
//
// Layout: src/dst planar CHW float32 (index (c*H + y)*W + x); kernel row-major
// size×size f32 (row = y). Semantics = src/pipeline/blur/blur-cpu.ts: PyTorch
// F.pad(mode='reflect') + conv2d, i.e. out(c,y,x) = Σ k[i,j]·in(c, refl(y+i−h), refl(x+j−h))
// with h = (size−1)/2, mirrored without repeating the edge sample (periodically for tiny images).
// Compiled as reflect.wgsl + '\n' + blur.wgsl (reflect_index lives there; WGSL has no imports).
//
// Design: one 16×16 workgroup per 16×16 output tile of one channel (dispatch z = channel).
// The tile plus a fixed 10-px apron (36×36 samples, reflect applied while loading) and the
// kernel taps are staged in workgroup memory once, so each of the up to 441 taps per pixel
// reads shared memory instead of global memory. Only taps within `support` (the radius
// outside which every tap is exactly 0, computed on the CPU) are visited: a σ 0.2 Gaussian
// underflows to 0 beyond radius 2 and costs 25 taps, not 441. Sums in f32 row by row (dy, then dx), the CPU order.

struct Params {
  width: u32,
  height: u32,
  size: u32,      // kernel side (odd, ≤ 21)
  support: u32,   // radius of non-zero taps (≤ (size−1)/2 ≤ 10)
};

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> taps_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

const TILE: u32 = 16u;
const APRON: u32 = 10u;
const SPAN: u32 = 36u;          // TILE + 2*APRON
const MAX_TAPS: u32 = 441u;     // 21*21

var<workgroup> tile: array<f32, 1296>;   // SPAN*SPAN
var<workgroup> taps: array<f32, 441>;

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>,
        @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let W = i32(P.width);
  let H = i32(P.height);
  let c = wg.z;
  let plane = c * P.height * P.width;
  let ox = i32(wg.x * TILE) - i32(APRON);
  let oy = i32(wg.y * TILE) - i32(APRON);
  for (var i = li; i < SPAN * SPAN; i += TILE * TILE) {
    let sx = reflect_index(ox + i32(i % SPAN), W);
    let sy = reflect_index(oy + i32(i / SPAN), H);
    tile[i] = src[plane + u32(sy) * P.width + u32(sx)];
  }
  let ntaps = P.size * P.size;
  for (var i = li; i < ntaps; i += TILE * TILE) {
    taps[i] = taps_in[i];
  }
  workgroupBarrier();

  let x = wg.x * TILE + lid.x;
  let y = wg.y * TILE + lid.y;
  if (x >= P.width || y >= P.height) { return; }
  let r = i32(P.support);
  let half = i32(P.size / 2u);
  var acc: f32 = 0.0;
  for (var dy = -r; dy <= r; dy++) {
    let trow = u32(i32(lid.y + APRON) + dy) * SPAN;
    let krow = u32((half + dy) * i32(P.size) + half);
    for (var dx = -r; dx <= r; dx++) {
      acc += taps[u32(i32(krow) + dx)] * tile[trow + u32(i32(lid.x + APRON) + dx)];
    }
  }
  dst[plane + y * P.width + x] = acc;
}

// Variant without workgroup memory: every tap reads global memory (reflecting only
// outside the image). Same taps, same order, same f32 sums as `main`, hence the same
// bits. CPU-emulated adapters (SwiftShader) run it far faster than `main`, whose
// barriers and shared-memory staging they emulate expensively; real GPUs get `main`.
@compute @workgroup_size(16, 16, 1)
fn main_direct(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= P.width || gid.y >= P.height) { return; }
  let W = i32(P.width);
  let H = i32(P.height);
  let plane = gid.z * P.height * P.width;
  let x = i32(gid.x);
  let y = i32(gid.y);
  let r = i32(P.support);
  let half = i32(P.size / 2u);
  var acc: f32 = 0.0;
  for (var dy = -r; dy <= r; dy++) {
    var sy = y + dy;
    if (sy < 0 || sy >= H) { sy = reflect_index(sy, H); }
    let row = plane + u32(sy) * P.width;
    let krow = (half + dy) * i32(P.size) + half;
    for (var dx = -r; dx <= r; dx++) {
      var sx = x + dx;
      if (sx < 0 || sx >= W) { sx = reflect_index(sx, W); }
      acc += taps_in[u32(krow + dx)] * src[row + u32(sx)];
    }
  }
  dst[plane + gid.y * P.width + gid.x] = acc;
}
