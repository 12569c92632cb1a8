// convert.wgsl — element-wise format conversions between pipeline stages.
//
// Layout: planar CHW float32 images (index (c*H + y)*W + x), the layout ORT
// tensors use, so these kernels run directly on ORT `gpu-buffer` outputs.
//   affine      y = clamp(a*x + b, lo, hi)     e.g. [0,1] → [-1,1] for the VQGAN and back
//   quantize    y = round(clamp(x,0,1)*255)/255 the pipeline's "Quantise to uint8" stage
//   pack_rgba8  planar RGB f32 → one u32 RGBA8 word per pixel (alpha 255), for display
//               and for the CPU hand-off to ffmpeg (a quarter of the f32 bytes)
// One invocation per element (per pixel for pack_rgba8); 256-wide workgroups,
// the 1-D index split over x/y of the dispatch grid (see groups2d in gpu.ts).
// Rounding: WGSL round() is round-half-to-even; JS Math.round is half-up. The
// CPU reference (convert-cpu.ts) uses the same half-to-even rule so they agree bit-for-bit.

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
  dst[i] = round(clamp(src[i], 0.0, 1.0) * 255.0) / 255.0;
}

// pack_rgba8 reuses `dst` as raw words: bitcast<f32> of the packed u32 keeps one
// bind group layout for the family; readers view the buffer as Uint32Array.
@compute @workgroup_size(256)
fn pack_rgba8(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = flat(gid);
  if (i >= P.count) { return; }
  let r = u32(round(clamp(src[i], 0.0, 1.0) * 255.0));
  let g = u32(round(clamp(src[P.count + i], 0.0, 1.0) * 255.0));
  let b = u32(round(clamp(src[2u * P.count + i], 0.0, 1.0) * 255.0));
  dst[i] = bitcast<f32>(r | (g << 8u) | (b << 16u) | (255u << 24u));
}
