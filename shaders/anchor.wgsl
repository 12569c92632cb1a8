// anchor.wgsl — the colour anchor after VQD: out = clamp(v + G ⊛ (x − v), 0, 1).
//
// x: VQD's input, v: the VQGAN's output, G: a normalised separable Gaussian of radius r
// (taps computed on the CPU, src/pipeline/vqd/anchor-cpu.ts anchorTaps). The VQGAN's output keeps
// its high band (its learned degradations) and takes the low band (regional colour) from its input.
//
// Layout: x, v, tmp, dst planar CHW float32 (index (c*H + y)*W + x); taps 2r+1 f32.
// Two entry points, one dispatch each, 16×16 workgroups over (x, y), z = channel:
//   horizontal: tmp(c,y,i) = Σ_t taps[t]·(x − v)(c, y, refl(i + t − r))
//   vertical:   dst(c,y,i) = clamp(v(c,y,i) + Σ_t taps[t]·tmp(c, refl(y + t − r), i), 0, 1)
// Borders mirror without repeating the edge sample (periodically for tiny images), as the Blur
// stage's: reflect_index, from reflect.wgsl (compiled as reflect.wgsl + '\n' + anchor.wgsl).
// Semantics and summation order (f32, taps −r … r) = anchorCpu; the difference is formed per
// tap here (the CPU forms it once per row) — the same f32 value either way.
//
// Design: direct global reads, no workgroup staging: at most 25 taps per pass, and the passes are
// bandwidth-light next to the VQGAN they follow (a 480×270 frame is 0.4 M samples per pass).

struct Params {
  width: u32,
  height: u32,
  radius: u32,    // r = ⌈3σ⌉ ≥ 1
  _pad: u32,
};

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> taps: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;    // horizontal: x;   vertical: v
@group(0) @binding(3) var<storage, read> b: array<f32>;    // horizontal: v;   vertical: tmp
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;  // horizontal: tmp; vertical: out

@compute @workgroup_size(16, 16, 1)
fn horizontal(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= P.width || gid.y >= P.height) { return; }
  let W = i32(P.width);
  let r = i32(P.radius);
  let rowBase = (gid.z * P.height + gid.y) * P.width;
  var acc = 0.0;
  for (var t = 0; t <= 2 * r; t++) {
    let j = rowBase + u32(reflect_index(i32(gid.x) + t - r, W));
    acc = acc + taps[t] * (a[j] - b[j]);
  }
  dst[rowBase + gid.x] = acc;
}

@compute @workgroup_size(16, 16, 1)
fn vertical(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= P.width || gid.y >= P.height) { return; }
  let H = i32(P.height);
  let r = i32(P.radius);
  let plane = gid.z * P.height * P.width;
  var acc = 0.0;
  for (var t = 0; t <= 2 * r; t++) {
    let y = u32(reflect_index(i32(gid.y) + t - r, H));
    acc = acc + taps[t] * b[plane + y * P.width + gid.x];
  }
  let i = plane + gid.y * P.width + gid.x;
  dst[i] = clamp(a[i] + acc, 0.0, 1.0);
}
