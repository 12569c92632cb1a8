// noise.wgsl — the Noise stage: additive Gaussian or Poisson noise, clipped to [0, 1].
//
// Compiled as rng.wgsl + '\n' + noise.wgsl (WGSL has no imports; rng.wgsl holds only
// functions/consts). Layout: src/dst planar CHW float32 (index (c*H + y)*W + x).
// One invocation per pixel handles its 3 channels (gray noise needs all three: one draw,
// or one luma, per pixel). 16×16 workgroups over (x, y).
// Semantics, units and the operation order = src/pipeline/noise/noise-cpu.ts and
// options.ts: counters (seed, frame, pixel = y*W + x, channel 0–2 or 0 for gray, draw).

struct Params {
  width: u32,
  height: u32,
  kind: u32,      // 0 none, 1 gaussian, 2 poisson
  gray: u32,      // 1: one value per pixel shared by R, G, B
  seed: u32,
  frame: u32,
  sigma: f32,     // on the [0, 1] scale (= f32(sigma_255 / 255))
  scale: f32,     // Poisson strength
};

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

fn poisson_deviation(pk: u32, channel: u32, v: f32) -> f32 {
  let lambda = max(v, 0.0) * 256.0;
  let k = rng_poisson(pk, channel, lambda);
  return P.scale * (k * 0.00390625 - v);
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  if (gid.x >= P.width || gid.y >= P.height) { return; }
  let plane = P.width * P.height;
  let i = gid.y * P.width + gid.x;
  let x = vec3<f32>(src[i], src[plane + i], src[2u * plane + i]);
  var o = x;
  let pk = rng_pixel_key(rng_frame_key(P.seed, P.frame), i);
  if (P.kind == 1u) {
    if (P.gray == 1u) {
      let n = P.sigma * rng_normal(pk, 0u, 0u);
      o = x + vec3<f32>(n, n, n);
    } else {
      o = x + vec3<f32>(P.sigma * rng_normal(pk, 0u, 0u), P.sigma * rng_normal(pk, 1u, 0u), P.sigma * rng_normal(pk, 2u, 0u));
    }
  } else if (P.kind == 2u) {
    if (P.gray == 1u) {
      let y = (0.29899999499320984 * x.r + 0.5870000123977661 * x.g) + 0.11400000005960464 * x.b;
      let n = poisson_deviation(pk, 0u, y);
      o = x + vec3<f32>(n, n, n);
    } else {
      o = x + vec3<f32>(poisson_deviation(pk, 0u, x.r), poisson_deviation(pk, 1u, x.g), poisson_deviation(pk, 2u, x.b));
    }
  }
  if (P.kind != 0u) { o = clamp(o, vec3<f32>(0.0), vec3<f32>(1.0)); }   // 'none' is the identity, unclamped
  dst[i] = o.r;
  dst[plane + i] = o.g;
  dst[2u * plane + i] = o.b;
}
