// symmetry.wgsl — the eight symmetries of the square on planar frames: the VSR self-ensemble
// (src/pipeline/vsr/self-ensemble.ts is the CPU reference and says why).
//
// Layout: planar CHW float32, C = p.channels, index (c*H + y)*W + x. p.w × p.h is the size of the
// frame in its original orientation; the turned frame is p.h × p.w when bit 2 of p.s is set.
// A symmetry s (0…7): bit 2 transposes first, then bit 0 mirrors x and bit 1 mirrors y.
//   apply              dst (turned, ow×oh)[c, y, x] = src[c, source_index(x, y)]
//   accumulate_undone  for each pixel of src (a net's output in the turned frame):
//                      dst[c, source_index(x, y)] += p.weight * src[c, y, x]
// source_index is a bijection, so every dst element is written by exactly one invocation: members
// are accumulated by separate, ordered dispatches and need no atomics. One invocation per pixel
// of the turned frame; 8×8 workgroups over (x, y), channels in z.

struct P {
  w: u32, h: u32,      // the frame in its original orientation
  channels: u32, s: u32,
  weight: f32, pad0: u32, pad1: u32, pad2: u32,
};

@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

fn turned_size() -> vec2<u32> {
  if ((p.s & 4u) != 0u) { return vec2<u32>(p.h, p.w); }
  return vec2<u32>(p.w, p.h);
}

// Index, within one original-orientation plane, of the pixel that (x, y) of the turned frame shows.
fn source_index(x: u32, y: u32, ow: u32, oh: u32) -> u32 {
  var mx = x;
  var my = y;
  if ((p.s & 1u) != 0u) { mx = ow - 1u - x; }
  if ((p.s & 2u) != 0u) { my = oh - 1u - y; }
  if ((p.s & 4u) != 0u) { return mx * p.w + my; }
  return my * p.w + mx;
}

@compute @workgroup_size(8, 8, 1)
fn apply(@builtin(global_invocation_id) g: vec3<u32>) {
  let o = turned_size();
  if (g.x >= o.x || g.y >= o.y || g.z >= p.channels) { return; }
  let plane = p.w * p.h;
  dst[g.z * plane + g.y * o.x + g.x] = src[g.z * plane + source_index(g.x, g.y, o.x, o.y)];
}

@compute @workgroup_size(8, 8, 1)
fn accumulate_undone(@builtin(global_invocation_id) g: vec3<u32>) {
  let o = turned_size();
  if (g.x >= o.x || g.y >= o.y || g.z >= p.channels) { return; }
  let plane = p.w * p.h;
  let d = g.z * plane + source_index(g.x, g.y, o.x, o.y);
  dst[d] = dst[d] + p.weight * src[g.z * plane + g.y * o.x + g.x];
}
