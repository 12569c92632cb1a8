// tile.wgsl — cutting frames into overlapping tiles and blending them back.
//
// Why: ORT tensors and our buffers must stay under the device's maxBufferSize /
// maxStorageBufferBindingSize (1 GiB on SwiftShader, often 256 MiB–2 GiB on real
// GPUs), and a VQGAN/VSR activation is C× the frame. Large frames therefore run
// as tiles with an overlap; the overlaps are cross-faded so no seam shows.
//
// Layout: planar CHW float32, C = P.channels, index (c*H + y)*W + x.
//   extract     dst[c,y,x] = a*src[c, clamp(y0+y), clamp(x0+x)] + b  (dst is dw×dh)
//               out-of-frame reads replicate the edge: this is also how frames are
//               padded to a multiple of the model's stride (8 for the VQGAN).
//   accumulate  for the tile's valid window: acc += w*(a*tile + b), wsum += w, where
//               w is a linear feather ramp over `feather` pixels on every tile edge that
//               is interior to the frame (frame edges keep weight 1). The tile may be at
//               a different scale than its source window (scale = ×4 for VSR output).
//   normalize   out = clamp(acc / wsum, lo, hi)
// Tiles are blended by separate, ordered dispatches, so accumulate needs no atomics.
// One invocation per output element; 8×8 workgroups over (x, y), channels in z.

struct P {
  src_w: u32, src_h: u32,   // source frame (extract) or tile (accumulate) size
  dst_w: u32, dst_h: u32,   // destination tile (extract) or frame (accumulate/normalize) size
  x0: i32, y0: i32,         // extract: tile origin in the source; accumulate: tile origin in the frame
  channels: u32, feather: u32,
  a: f32, b: f32, lo: f32, hi: f32,
  // accumulate: the tile's valid window, in tile pixels [vx0, vx1) × [vy0, vy1)
  vx0: u32, vy0: u32, vx1: u32, vy1: u32,
  // accumulate: which tile edges are interior (1) and get feathered: left, top, right, bottom
  fl: u32, ft: u32, fr: u32, fb: u32,
};

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read_write> wsum: array<f32>;

@compute @workgroup_size(8, 8, 1)
fn extract(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= p.dst_w || g.y >= p.dst_h || g.z >= p.channels) { return; }
  let sx = u32(clamp(p.x0 + i32(g.x), 0, i32(p.src_w) - 1));
  let sy = u32(clamp(p.y0 + i32(g.y), 0, i32(p.src_h) - 1));
  let v = src[(g.z * p.src_h + sy) * p.src_w + sx];
  dst[(g.z * p.dst_h + g.y) * p.dst_w + g.x] = p.a * v + p.b;
}

fn ramp(d: u32, on: u32) -> f32 {
  if (on == 0u || p.feather == 0u) { return 1.0; }
  return min(1.0, (f32(d) + 0.5) / f32(p.feather));
}

@compute @workgroup_size(8, 8, 1)
fn accumulate(@builtin(global_invocation_id) g: vec3<u32>) {
  let tx = p.vx0 + g.x;
  let ty = p.vy0 + g.y;
  if (tx >= p.vx1 || ty >= p.vy1 || g.z >= p.channels) { return; }
  let fx = p.x0 + i32(tx);
  let fy = p.y0 + i32(ty);
  if (fx < 0 || fy < 0 || fx >= i32(p.dst_w) || fy >= i32(p.dst_h)) { return; }
  let w = ramp(tx - p.vx0, p.fl) * ramp(ty - p.vy0, p.ft) * ramp(p.vx1 - 1u - tx, p.fr) * ramp(p.vy1 - 1u - ty, p.fb);
  let v = p.a * src[(g.z * p.src_h + ty) * p.src_w + tx] + p.b;
  let o = (g.z * p.dst_h + u32(fy)) * p.dst_w + u32(fx);
  dst[o] = dst[o] + w * v;
  if (g.z == 0u) {
    let wo = u32(fy) * p.dst_w + u32(fx);
    wsum[wo] = wsum[wo] + w;
  }
}

@compute @workgroup_size(8, 8, 1)
fn normalize(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= p.dst_w || g.y >= p.dst_h || g.z >= p.channels) { return; }
  let o = (g.z * p.dst_h + g.y) * p.dst_w + g.x;
  let w = wsum[g.y * p.dst_w + g.x];
  dst[o] = clamp(dst[o] / max(w, 1e-12), p.lo, p.hi);
}
