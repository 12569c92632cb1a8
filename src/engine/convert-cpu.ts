/** CPU references for shaders/convert.wgsl (same rounding: half to even, as WGSL round()). */

export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export function affineCpu(src: Float32Array, a: number, b: number, lo = -Infinity, hi = Infinity): Float32Array {
  const out = new Float32Array(src.length);
  const fa = Math.fround(a);
  const fb = Math.fround(b);
  for (let i = 0; i < src.length; i++) {
    // fround after each op mirrors f32 arithmetic (WGSL may fuse a*x+b; tests allow 1 ulp-scale error).
    const v = Math.fround(Math.fround(fa * src[i]) + fb);
    out[i] = v < lo ? lo : v > hi ? hi : v;
  }
  return out;
}

function q8(v: number): number {
  const c = v < 0 ? 0 : v > 1 ? 1 : v;
  return roundHalfEven(Math.fround(c * 255));
}

export function quantizeCpu(src: Float32Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = q8(src[i]) / 255;
  return out;
}

/** Planar RGB f32 → RGBA8 words (little-endian: bytes R,G,B,A), pixel count = plane size. */
export function packRgba8Cpu(src: Float32Array, pixels: number): Uint32Array {
  const out = new Uint32Array(pixels);
  for (let i = 0; i < pixels; i++) {
    out[i] = (q8(src[i]) | (q8(src[pixels + i]) << 8) | (q8(src[2 * pixels + i]) << 16) | (255 << 24)) >>> 0;
  }
  return out;
}
