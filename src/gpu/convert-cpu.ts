/**
 * CPU reference of shaders/convert.wgsl's affine. (Its quantize and pack_rgba8 are the pixel
 * formats of core/pixels.ts: quantizeValues and packRgba8, the one rounding rule.)
 */

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
