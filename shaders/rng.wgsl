// rng.wgsl — counter-based random numbers shared by every stochastic kernel.
//
// NOT a standalone module: WGSL has no imports, so a kernel that needs randomness is
// compiled from the concatenation `rng.wgsl + '\n' + <kernel>.wgsl` (see
// src/pipeline/noise/noise-gpu.ts). This file therefore declares only functions and
// consts — no bindings, no entry points — and its names are prefixed `rng_` / `pm_`.
//
// Line-for-line mirror of src/core/rng.ts (read that header for the design):
//   frame key  = pcg(pcg(seed) + frame)
//   pixel key  = pcg(frame_key + pcg(pixel))          pixel = y*W + x
//   draw       = pcg(pixel_key + pcg(channel<<16 | draw))
// PCG hash: Jarzynski & Olano, "Hash Functions for GPU Rendering", JCGT 2020.
// u32 → f32 uses the top 24 bits (exact). Box–Muller and the Poisson sampler use the
// polynomial log/cos/exp below instead of WGSL's builtins, whose accuracy the spec leaves
// loose (cos: 2^-11 absolute) and which differ between GPUs; +, *, floor and integer ops
// round identically everywhere, so CPU and GPU agree up to sqrt (≤ ~2.5 ulp in WGSL) and
// any fused multiply–add the GPU compiler chooses. The operation order below matches the
// TypeScript exactly — change both together.

fn rng_pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn rng_frame_key(seed: u32, frame: u32) -> u32 { return rng_pcg(rng_pcg(seed) + frame); }
fn rng_pixel_key(frame_key: u32, pixel: u32) -> u32 { return rng_pcg(frame_key + rng_pcg(pixel)); }
fn rng_draw(pixel_key: u32, channel: u32, draw: u32) -> u32 {
  return rng_pcg(pixel_key + rng_pcg((channel << 16u) | (draw & 0xffffu)));
}

// [0, 1), exactly k * 2^-24.
fn rng_unit(u: u32) -> f32 { return f32(u >> 8u) * (1.0 / 16777216.0); }

// -2 ln(k / 2^24) for integer k in [1, 2^24), always > 0; k = m * 2^e, m in [1, 2), reduced to [√½, √2).
fn pm_neg2_log_unit(k: u32) -> f32 {
  var e = i32(firstLeadingBit(k));
  var m = ldexp(f32(k), -e);                 // exact
  if (m > 1.4142135381698608) { m = m * 0.5; e = e + 1; }
  let f = m - 1.0;                            // exact (Sterbenz)
  var q: f32 = -0.07866667956113815;
  q = q * f + 0.12821748852729797;
  q = q * f + -0.131016343832016;
  q = q * f + 0.1418900042772293;
  q = q * f + -0.1662759929895401;
  q = q * f + 0.2000196874141693;
  q = q * f + -0.2500077188014984;
  q = q * f + 0.33333322405815125;
  q = q * f + -0.4999999701976776;
  let lnm = f + (f * f) * q;
  let lnu = f32(e - 24) * 0.6931471824645996 + lnm;
  return -2.0 * lnu;
}

// cos(2π j / 2^24) for integer j in [0, 2^24); quarter-period reduction on the integer.
fn pm_cos2pi_unit(j: u32) -> f32 {
  var t = j;
  if (t >= 0x800000u) { t = 0x1000000u - t; }
  var sign = 1.0;
  if (t > 0x400000u) { t = 0x800000u - t; sign = -1.0; }
  let y = f32(t) * (1.0 / 4194304.0);         // exact, in [0, 1]
  let y2 = y * y;
  var p: f32 = -2.3848328055464663e-05;
  p = p * y2 + 0.0009177866159006953;
  p = p * y2 + -0.020862746983766556;
  p = p * y2 + 0.2536693513393402;
  p = p * y2 + -1.2337005138397217;
  p = p * y2 + 1.0;
  return sign * p;
}

const PM_EXP_NEG_INT = array<f32, 16>(
  1.0, 0.3678794503211975, 0.1353352814912796, 0.049787066876888275, 0.018315639346837997, 0.0067379469983279705,
  0.0024787522852420807, 0.0009118819725699723, 0.000335462624207139, 0.00012340980174485594, 4.539993096841499e-05,
  1.6701700587873347e-05, 6.1442124206223525e-06, 2.260329438286135e-06, 8.315287232107949e-07, 3.0590231858695915e-07);

// e^{-λ} for λ in [0, 16).
fn pm_exp_neg_small(lambda: f32) -> f32 {
  let n = floor(lambda);
  let x = lambda - n;                         // exact
  var p: f32 = -0.00012128684466006234;
  p = p * x + 0.0012744585983455181;
  p = p * x + -0.008240864612162113;
  p = p * x + 0.04162450134754181;
  p = p * x + -0.16665612161159515;
  p = p * x + 0.49999868869781494;
  p = p * x + -0.9999999403953552;
  p = p * x + 1.0;
  let table = PM_EXP_NEG_INT;
  return table[u32(n)] * p;
}

// Standard normal from draws (2*pair, 2*pair+1): Box–Muller, cosine branch. |z| ≤ 5.77.
// u1 = (2*(a>>9) + 1) / 2^24 lies strictly inside (0, 1), so sqrt never sees 0.
fn rng_normal(pixel_key: u32, channel: u32, pair: u32) -> f32 {
  let a = rng_draw(pixel_key, channel, 2u * pair);
  let b = rng_draw(pixel_key, channel, 2u * pair + 1u);
  let r = sqrt(pm_neg2_log_unit(((a >> 9u) << 1u) | 1u));
  return r * pm_cos2pi_unit(b >> 8u);
}

const RNG_POISSON_EXACT_BELOW: f32 = 16.0;
const RNG_POISSON_KMAX: u32 = 64u;
// f32(1/k), k = 0..64 (index 0 unused): the recurrence multiplies, never divides (WGSL division is 2.5 ulp).
const RNG_RECIP = array<f32, 65>(
  0.0, 1.0, 0.5, 0.3333333432674408, 0.25, 0.20000000298023224, 0.1666666716337204, 0.1428571492433548, 0.125,
  0.1111111119389534, 0.10000000149011612, 0.09090909361839294, 0.0833333358168602, 0.07692307978868484,
  0.0714285746216774, 0.06666667014360428, 0.0625, 0.05882352963089943, 0.0555555559694767, 0.05263157933950424,
  0.05000000074505806, 0.0476190485060215, 0.04545454680919647, 0.043478261679410934, 0.0416666679084301,
  0.03999999910593033, 0.03846153989434242, 0.03703703731298447, 0.0357142873108387, 0.03448275849223137,
  0.03333333507180214, 0.032258063554763794, 0.03125, 0.03030303120613098, 0.029411764815449715,
  0.02857142873108387, 0.02777777798473835, 0.027027027681469917, 0.02631578966975212, 0.025641025975346565,
  0.02500000037252903, 0.024390242993831635, 0.02380952425301075, 0.023255813866853714, 0.022727273404598236,
  0.02222222276031971, 0.021739130839705467, 0.021276595070958138, 0.02083333395421505, 0.020408162847161293,
  0.019999999552965164, 0.019607843831181526, 0.01923076994717121, 0.01886792480945587, 0.018518518656492233,
  0.0181818176060915, 0.01785714365541935, 0.017543859779834747, 0.017241379246115685, 0.016949152573943138,
  0.01666666753590107, 0.016393441706895828, 0.016129031777381897, 0.01587301678955555, 0.015625);

// Poisson(λ) count as f32: exact CDF inversion below 16, Cornish–Fisher normal quantile above.
fn rng_poisson(pixel_key: u32, channel: u32, lambda: f32) -> f32 {
  if (lambda < RNG_POISSON_EXACT_BELOW) {
    let u = rng_unit(rng_draw(pixel_key, channel, 0u));
    let recip = RNG_RECIP;
    var p = pm_exp_neg_small(lambda);
    var F = p;
    var k = 0u;
    loop {
      if (u < F || k >= RNG_POISSON_KMAX) { break; }
      let kn = k + 1u;
      p = (p * lambda) * recip[kn];
      let Fn = F + p;
      if (Fn == F) { break; }
      F = Fn;
      k = kn;
    }
    return f32(k);
  }
  let z = rng_normal(pixel_key, channel, 0u);
  let s = sqrt(lambda);
  var v = lambda + s * z;
  v = v + (z * z - 1.0) * 0.1666666716337204;
  v = v + 0.5;
  return max(floor(v), 0.0);
}
