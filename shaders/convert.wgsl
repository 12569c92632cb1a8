// convert.wgsl — element-wise format conversions between pipeline stages.
//
// Layout: planar CHW float32 images (index (c*H + y)*W + x), the layout ORT
// tensors use, so these kernels run directly on ORT `gpu-buffer` outputs.
//   affine      y = clamp(a*x + b, lo, hi)     e.g. [0,1] → [-1,1] for the VQGAN and back
//   quantize    y = quantize8(x)/255            the pipeline's "Quantise to uint8" stage
//   pack_rgba8  planar RGB f32 → one u32 RGBA8 word per pixel (alpha 255), for display
//               and for the CPU hand-off to ffmpeg (a quarter of the f32 bytes)
// One invocation per element (per pixel for pack_rgba8); 256-wide workgroups,
// the 1-D index split over x/y of the dispatch grid (see groups2d in gpu.ts).
// Rounding: the pipeline's one rule (src/core/pixels.ts quantize01): clamp to [0,1], then round
// v*255 half up on the EXACT product. An f32 times 255 has at most 32 significant bits, so
// quantize8 forms it in u32 integer arithmetic instead of a rounded f32 multiply (whose result
// can land on or off a .5 differently from the exact one), and rounds halves up as JS Math.round
// does. GPU and CPU agree bit for bit (convert gputest, ties included).

struct Params {
  count: u32,     // elements (affine/quantize) or pixels (pack_rgba8)
  row: u32,       // invocations per dispatch row (groups.x * 256)
  a: f32,
  b: f32,
  lo: f32,
  hi: f32,
  _pad0: u32,
  _pad1: u32,
};

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

fn flat(gid: vec3<u32>) -> u32 { return gid.y * P.row + gid.x; }

// round(clamp(x,0,1)*255), halves up, on the exact product (see the header).
// v = m * 2^(e-23) with m the 24-bit significand; v*255 = (m*255) * 2^(e-23), m*255 < 2^32.
// Below 2^-9 the product is under 0.4981: level 0 (and every such v is normal or zero anyway).
// floor(P / 2^s + 1/2) = ((P >> (s-1)) + 1) >> 1 for s = 23 - e in 23..32 (shifts stay < 32).
fn quantize8(x: f32) -> u32 {
  let v = clamp(x, 0.0, 1.0);
  if (!(v >= 0.001953125)) { return 0u; }
  let bits = bitcast<u32>(v);
  let e = i32((bits >> 23u) & 0xffu) - 127;
  let m = (bits & 0x7fffffu) | 0x800000u;
  let s = u32(23 - e);
  return (((m * 255u) >> (s - 1u)) + 1u) >> 1u;
}

@compute @workgroup_size(256)
fn affine(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = flat(gid);
  if (i >= P.count) { return; }
  dst[i] = clamp(P.a * src[i] + P.b, P.lo, P.hi);
}

@compute @workgroup_size(256)
fn quantize(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = flat(gid);
  if (i >= P.count) { return; }
  dst[i] = f32(quantize8(src[i])) / 255.0;
}

// pack_rgba8 reuses `dst` as raw words: bitcast<f32> of the packed u32 keeps one
// bind group layout for the family; readers view the buffer as Uint32Array.
@compute @workgroup_size(256)
fn pack_rgba8(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = flat(gid);
  if (i >= P.count) { return; }
  let r = quantize8(src[i]);
  let g = quantize8(src[P.count + i]);
  let b = quantize8(src[2u * P.count + i]);
  dst[i] = bitcast<f32>(r | (g << 8u) | (b << 16u) | (255u << 24u));
}
