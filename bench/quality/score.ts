/**
 * Scores and summaries of the quality benchmark. Per clip (against its HR frames, a 4 px border
 * dropped everywhere): PSNR-Y and SSIM-Y (src/metrics: BasicSR/MATLAB conventions) averaged over
 * the frames; the colour shift per RGB channel (mean output − mean HR, 8-bit levels) over the
 * clip; the temporal flicker on Y (src/metrics/fidelity.ts: mean |Δout − ΔHR| between consecutive
 * frames, levels). Per condition and method: means over the clips, the gain over bicubic, the
 * worst clip by gain over bicubic, the largest |colour shift| of any clip and channel, and how many
 * clips fall more than 0.2 dB below bicubic (issue 11's bars).
 */
import type { ImageF32 } from '../../src/core/image.ts';
import { colorShift, temporalFlickerY } from '../../src/metrics/fidelity.ts';
import { psnrY } from '../../src/metrics/psnr.ts';
import { ssimY } from '../../src/metrics/ssim.ts';

export const BORDER = 4;
export const BELOW_BICUBIC_DB = 0.2;

export interface ClipScore {
  psnr_y: number;
  ssim_y: number;
  /** Mean output − mean HR per channel (R, G, B), 8-bit levels. */
  shift_rgb: [number, number, number];
  flicker_y: number;
  psnr_y_frames: number[];
}

export function scoreClip(out: readonly ImageF32[], hr: readonly ImageF32[]): ClipScore {
  if (out.length !== hr.length) throw new RangeError(`${out.length} output frames for ${hr.length} HR frames`);
  const o = { cropBorder: BORDER };
  const psnr = out.map((f, i) => psnrY(f, hr[i], o));
  const ssim = out.map((f, i) => ssimY(f, hr[i], o));
  const shift = [0, 0, 0] as [number, number, number];
  out.forEach((f, i) => colorShift(f, hr[i], o).forEach((v, c) => (shift[c] += v / out.length)));
  return { psnr_y: mean(psnr), ssim_y: mean(ssim), shift_rgb: shift, flicker_y: temporalFlickerY(out, hr, o), psnr_y_frames: psnr };
}

export interface MethodSummary {
  clips: number;
  psnr_y: number;
  ssim_y: number;
  /** Mean over clips of (PSNR-Y − bicubic's PSNR-Y) on the same clip. */
  gain_db: number;
  shift_rgb: [number, number, number];
  max_abs_shift: { levels: number; clip: string; channel: 'R' | 'G' | 'B' };
  flicker_y: number;
  /** The clip with the lowest gain over bicubic (for bicubic itself: its lowest PSNR-Y). */
  worst: { clip: string; gain_db: number; psnr_y: number };
  clips_below_bicubic: number;
}

/** scores[method][clip] → summary per method; `baseline` names the bicubic column. */
export function summarise(scores: Record<string, Record<string, ClipScore>>, baseline = 'bicubic'): Record<string, MethodSummary> {
  const base = scores[baseline];
  if (!base) throw new Error(`no '${baseline}' column to compare with`);
  const out: Record<string, MethodSummary> = {};
  for (const [method, byClip] of Object.entries(scores)) {
    const clips = Object.keys(byClip);
    if (!clips.length) continue;
    const gains = clips.map((c) => byClip[c].psnr_y - base[c].psnr_y);
    let worstI = 0;
    clips.forEach((c, i) => {
      const key = method === baseline ? byClip[c].psnr_y : gains[i];
      const cur = method === baseline ? byClip[clips[worstI]].psnr_y : gains[worstI];
      if (key < cur) worstI = i;
    });
    let maxShift = { levels: 0, clip: clips[0], channel: 'R' as 'R' | 'G' | 'B' };
    for (const c of clips) {
      byClip[c].shift_rgb.forEach((v, ch) => {
        if (Math.abs(v) > Math.abs(maxShift.levels)) maxShift = { levels: v, clip: c, channel: (['R', 'G', 'B'] as const)[ch] };
      });
    }
    out[method] = {
      clips: clips.length,
      psnr_y: mean(clips.map((c) => byClip[c].psnr_y)),
      ssim_y: mean(clips.map((c) => byClip[c].ssim_y)),
      gain_db: mean(gains),
      shift_rgb: [0, 1, 2].map((ch) => mean(clips.map((c) => byClip[c].shift_rgb[ch]))) as [number, number, number],
      max_abs_shift: maxShift,
      flicker_y: mean(clips.map((c) => byClip[c].flicker_y)),
      worst: { clip: clips[worstI], gain_db: gains[worstI], psnr_y: byClip[clips[worstI]].psnr_y },
      clips_below_bicubic: gains.filter((g) => g < -BELOW_BICUBIC_DB).length,
    };
  }
  return out;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

const f2 = (x: number) => x.toFixed(2);
const sgn = (x: number, d = 2) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(d)}`;

export interface ReportInput {
  title: string;
  lines: string[];
  conditions: { id: string; text: string }[];
  /** Column order and a short label per method. */
  methods: { id: string; label: string }[];
  /** summaries[condition][method], or an error per method. */
  summaries: Record<string, Record<string, MethodSummary>>;
  scores: Record<string, Record<string, Record<string, ClipScore>>>;
  errors: Record<string, string>;
  clips: { name: string; note?: Record<string, string> }[];
}

/** The markdown report: one summary table per condition, then per-clip PSNR-Y gains. */
export function markdownReport(r: ReportInput): string {
  const L: string[] = [`# ${r.title}`, '', ...r.lines, ''];
  for (const cond of r.conditions) {
    L.push(`## ${cond.id}`, '', cond.text, '');
    L.push('| method | PSNR-Y dB | vs bicubic | SSIM-Y | colour shift R/G/B (mean) | max \\|shift\\| (clip) | flicker Y | worst clip (vs bicubic) | clips < bicubic −0.2 dB |');
    L.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const m of r.methods) {
      const s = r.summaries[cond.id]?.[m.id];
      if (!s) {
        L.push(`| ${m.label} | n/a: ${r.errors[m.id] ?? r.errors[`${m.id}/${cond.id}`] ?? 'not run'} | | | | | | | |`);
        continue;
      }
      const isBase = m.id === 'bicubic';
      L.push(
        `| ${m.label} | ${f2(s.psnr_y)} | ${isBase ? '—' : sgn(s.gain_db)} | ${s.ssim_y.toFixed(4)} | ${s.shift_rgb.map((v) => sgn(v)).join(' / ')} | ` +
          `${Math.abs(s.max_abs_shift.levels).toFixed(2)} ${s.max_abs_shift.channel} (${s.max_abs_shift.clip}) | ${f2(s.flicker_y)} | ` +
          `${isBase ? `${s.worst.clip} (${f2(s.worst.psnr_y)} dB)` : `${s.worst.clip} (${sgn(s.worst.gain_db)})`} | ${isBase ? '—' : `${s.clips_below_bicubic}/${s.clips}`} |`,
      );
    }
    L.push('');
  }
  L.push('## Per clip: PSNR-Y of bicubic, and every other method’s gain over it (dB)', '');
  const others = r.methods.filter((m) => m.id !== 'bicubic');
  for (const cond of r.conditions) {
    const sc = r.scores[cond.id] ?? {};
    L.push(`### ${cond.id}`, '');
    const note = r.clips.some((c) => c.note?.[cond.id]);
    L.push(`| clip | bicubic | ${others.map((m) => m.label).join(' | ')} |${note ? ' input |' : ''}`);
    L.push(`| --- | --- | ${others.map(() => '---').join(' | ')} |${note ? ' --- |' : ''}`);
    for (const c of r.clips) {
      const b = sc.bicubic?.[c.name];
      const cells = others.map((m) => {
        const s = sc[m.id]?.[c.name];
        return s && b ? sgn(s.psnr_y - b.psnr_y) : 'n/a';
      });
      L.push(`| ${c.name} | ${b ? f2(b.psnr_y) : 'n/a'} | ${cells.join(' | ')} |${note ? ` ${c.note?.[cond.id] ?? ''} |` : ''}`);
    }
    L.push('');
  }
  return L.join('\n');
}
