// Live mode's state rule, measured (src/app/upscale/live/live-policy.ts quotes the result): when the
// player drops frames, the recurrent state it carries was built on a frame `gap` frames back. Is it
// better to keep that state or to start from a zero state (a new sequence)?
//
// The bundled sample (480×270, 25 fps) is the ground truth: a centred 384×256 crop is the HR, its
// ffmpeg bicubic ×1/4 (96×64) the LR. For each gap g, a live player that shows every g-th frame is
// simulated with the shipped model on onnxruntime-node, both ways:
//   carry — one sequence, state carried over the skipped frames (the neighbours are always the
//           real t−1 and t+1: they are decoded frames, no extra step);
//   reset — a zero state for every shown frame (what a new sequence gives);
// and, as the ceiling, every frame in order (no drop). PSNR-Y (crop 4) against the HR, mean over the
// shown frames after the first (which both policies run from a zero state). Also the distance of
// each policy's output from the uninterrupted run's (PSNR-Y output against output).
// Used by live.bench.mjs; alone: `node bench/node/live-policy.mjs`.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const GAPS = [1, 2, 4, 8, 16];
const CUT_AT = 30;
const CUT_FRAMES = 4;
const HR = { w: 384, h: 256 };
const LR = { w: HR.w / 4, h: HR.h / 4 };
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** All frames of `file` as rgb24 after the ffmpeg filter `vf`. */
function frames(file, vf, w, h) {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', vf, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  const n = r.stdout.length / (w * h * 3);
  return Array.from({ length: n }, (_, i) => new Uint8Array(r.stdout.buffer, r.stdout.byteOffset + i * w * h * 3, w * h * 3));
}

export async function statePolicy(file = 'public/samples/sample.mp4', modelId = 'vsr') {
  register();
  const { createVsrNode } = await import('../../src/pipeline/vsr/vsr-node.ts');
  const { fromRgb24 } = await import('../../src/core/pixels.ts');
  const { psnrY } = await import('../../src/metrics/psnr.ts');
  const crop = `crop=${HR.w}:${HR.h}`;
  const load = (turn) => {
    const hr = frames(file, `${crop}${turn}`, HR.w, HR.h).map((f) => fromRgb24(f, HR.w, HR.h));
    const lr = frames(file, `${crop}${turn},scale=${LR.w}:${LR.h}:flags=bicubic`, LR.w, LR.h).map((f) => fromRgb24(f, LR.w, LR.h));
    return { hr, lr, n: Math.min(hr.length, lr.length) };
  };
  const a = load('');
  // The "other shot" of the cut test: the same clip turned 180° (other shapes everywhere, same style).
  const b = load(',hflip,vflip');
  const { hr, lr, n } = a;
  const vsr = await createVsrNode({ modelId });
  const at = (clip, i) => clip.lr[Math.max(0, Math.min(clip.n - 1, i))];
  const stepOf = (seq, t, clip = a) => seq.step(at(clip, t - 1), at(clip, t), at(clip, t + 1));
  const fresh = () => vsr.sequence(LR.w, LR.h);
  const opts = { cropBorder: 4 };

  // Every frame in order (the ceiling), and every frame from a zero state (what a reset gives: it
  // depends on the frame alone, not on the gap).
  const full = [];
  const zero = [];
  const seqFull = fresh();
  for (let t = 0; t < n; t++) {
    full.push(await stepOf(seqFull, t));
    zero.push(await stepOf(fresh(), t));
  }
  const rows = [];
  for (const gap of GAPS) {
    const shown = [];
    for (let t = 0; t < n; t += gap) shown.push(t);
    const carrySeq = fresh();
    const row = { gap, shownFrames: shown.length - 1, carry: [], reset: [], uninterrupted: [], carryVsUninterrupted: [], resetVsUninterrupted: [] };
    for (const t of shown) {
      const carried = gap === 1 ? full[t] : await stepOf(carrySeq, t);
      if (t === shown[0]) continue;
      row.carry.push(psnrY(carried, hr[t], opts));
      row.reset.push(psnrY(zero[t], hr[t], opts));
      row.uninterrupted.push(psnrY(full[t], hr[t], opts));
      if (gap > 1) row.carryVsUninterrupted.push(psnrY(carried, full[t], opts));
      row.resetVsUninterrupted.push(psnrY(zero[t], full[t], opts));
    }
    const m = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Array.isArray(v) ? (v.length ? round(mean(v)) : null) : v]));
    m.carryMinusReset = round(m.carry - m.reset);
    // Frames where carrying the stale state did worse than a zero state, and by how much at worst.
    const diffs = row.carry.map((c, i) => c - row.reset[i]);
    m.carryWorseOn = diffs.filter((d) => d < 0).length;
    m.worstCarryMinusReset = round(Math.min(...diffs));
    rows.push(m);
    console.log(`live policy: gap ${gap}: carry ${m.carry} dB, reset ${m.reset} dB, uninterrupted ${m.uninterrupted} dB`);
  }

  // A cut (a jump to another shot, as a far skip or the loop back to the start can be): 8 frames of
  // the clip, then the turned clip from frame CUT_AT on, carrying the state across vs a new sequence.
  const carrySeq = fresh();
  for (let t = 0; t < 8; t++) await stepOf(carrySeq, t);
  const resetSeq = fresh();
  const cut = [];
  for (let k = 0; k < CUT_FRAMES; k++) {
    const t = CUT_AT + k;
    const carried = await stepOf(carrySeq, t, b);
    const reset = await stepOf(resetSeq, t, b);
    cut.push({ afterCut: k, carry: round(psnrY(carried, b.hr[t], opts)), reset: round(psnrY(reset, b.hr[t], opts)) });
  }
  console.log(`live policy: cut: ${cut.map((c) => `+${c.afterCut} carry ${c.carry} / reset ${c.reset}`).join(', ')}`);
  return {
    name: 'live: recurrent state on dropped frames, carry vs reset (PSNR-Y dB vs HR, crop 4)',
    clip: `${file}: centred ${HR.w}×${HR.h} crop as HR, ffmpeg bicubic ×1/4 (${LR.w}×${LR.h}) as LR, ${n} frames`,
    model: vsr.modelId,
    trained: vsr.trained,
    rows,
    cut: { what: `8 frames of the clip, then frames ${CUT_AT}… of the clip turned 180° (another shot)`, frames: cut },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(await statePolicy(process.argv[2], process.argv[3]), null, 2));
