/**
 * Command lines for saving an upscaled clip: MP4 (H.264), WebM (VP9 or VP8), with the source's
 * audio kept. One place for ffmpeg.wasm in the export worker (export.worker.ts) and Debian's native
 * ffmpeg in the `vqdsr upscale` CLI, so both write the same kind of file.
 *
 * Pure TS, no imports: it runs in workers and in Node.
 *
 * - Frames come in as rawvideo (rgba from the app, rgb24 from the CLI) at the clip's frame rate,
 *   through a pipe: ffmpeg pulls them as the upscaler makes them, so no whole-video buffer exists.
 * - `-pix_fmt yuv420p`: what every player decodes (×4 output sides are always even).
 * - H.264: libx264 with `-tune animation` (the content this app is for: flat areas, sharp
 *   lines), quality by CRF (the user's choice).
 * - VP9: constant quality (`-crf N -b:v 0`); VP8 has no pure constant-quality mode, so CRF with a
 *   generous bitrate cap. `-deadline good -cpu-used 4/2`: ffmpeg.wasm is one thread, and
 *   libvpx's default (best) would take minutes a frame at 1080p.
 * - Anamorphic sources (non-square pixels) keep their pixel shape (SAR), so players show them as wide.
 * - Audio: the source file is a second input, trimmed to the upscaled frame range, and mapped
 *   optionally (`1:a:0?`), so a silent clip works unchanged. AAC in MP4, Opus in WebM.
 */

export type VideoFormat = 'mp4' | 'webm-vp9' | 'webm-vp8';
export type ExportFormat = VideoFormat | 'png-zip';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['mp4', 'webm-vp9', 'webm-vp8', 'png-zip'];

/**
 * What the app offers. No VP9: @ffmpeg/core 0.12's libvpx-vp9 traps on real frames (memory access
 * out of bounds, whatever the speed settings; upstream ffmpegwasm/ffmpeg.wasm#679). The CLI
 * writes VP9 with native ffmpeg.
 */
export const BROWSER_FORMATS: readonly ExportFormat[] = ['mp4', 'webm-vp8', 'png-zip'];

export interface QualityRange {
  min: number;
  max: number;
  default: number;
  /** What the number means, for the UI. */
  label: string;
}

/** CRF ranges per codec: lower is better and larger. */
export const QUALITY: Record<VideoFormat, QualityRange> = {
  mp4: { min: 0, max: 51, default: 18, label: 'x264 CRF (0 lossless … 51 worst)' },
  'webm-vp9': { min: 0, max: 63, default: 30, label: 'VP9 CRF (0 best … 63 worst)' },
  'webm-vp8': { min: 4, max: 63, default: 10, label: 'VP8 CRF (4 best … 63 worst)' },
};

export const FORMAT_INFO: Record<ExportFormat, { label: string; ext: string; mime: string }> = {
  mp4: { label: 'MP4 (H.264)', ext: 'mp4', mime: 'video/mp4' },
  'webm-vp9': { label: 'WebM (VP9)', ext: 'webm', mime: 'video/webm' },
  'webm-vp8': { label: 'WebM (VP8)', ext: 'webm', mime: 'video/webm' },
  'png-zip': { label: 'PNG frames (zip)', ext: 'zip', mime: 'application/zip' },
};

export type X264Preset = 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium' | 'slow';
export const X264_PRESETS: readonly X264Preset[] = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow'];

export interface VideoExportArgs {
  format: VideoFormat;
  width: number;
  height: number;
  fps: number;
  crf: number;
  /** x264 only. Default 'medium'. */
  preset?: X264Preset;
  /** Raw frames: a path ffmpeg reads (a pipe, a device). */
  input: string;
  pixFmt: 'rgba' | 'rgb24';
  /** Source file whose first audio stream is kept (trimmed to [startS, startS + durationS); to the end without durationS). */
  audio?: { path: string; startS: number; durationS?: number };
  output: string;
  /** Extra muxer flags, e.g. ['-movflags', '+faststart'] where the output can be re-read. */
  muxerArgs?: string[];
  /**
   * The source's non-square pixel shape (anamorphic video), kept: a uniform upscale keeps it, and
   * without it players would show the frames squeezed. Written as the stream's SAR (setsar).
   */
  pixelAspect?: { num: number; den: number };
}

/** Says what is wrong in words, or null. */
export function videoExportProblem(o: Pick<VideoExportArgs, 'format' | 'width' | 'height' | 'fps' | 'crf' | 'preset' | 'pixelAspect'>): string | null {
  const q = QUALITY[o.format];
  if (!q) return `unknown format '${String(o.format)}' (use mp4, webm-vp9, webm-vp8)`;
  if (!(Number.isInteger(o.width) && Number.isInteger(o.height) && o.width > 0 && o.height > 0)) return `bad frame size ${o.width}×${o.height}`;
  if (o.width % 2 || o.height % 2) return `frame size ${o.width}×${o.height} must be even for yuv420p`;
  if (!(Number.isFinite(o.fps) && o.fps > 0 && o.fps <= 240)) return `fps must be in (0, 240], got ${o.fps}`;
  if (!(Number.isInteger(o.crf) && o.crf >= q.min && o.crf <= q.max)) return `${q.label.split(' (')[0]} must be an integer ${q.min} … ${q.max}, got ${o.crf}`;
  if (o.preset !== undefined && !X264_PRESETS.includes(o.preset)) return `unknown x264 preset '${String(o.preset)}'`;
  const pa = o.pixelAspect;
  if (pa && !(Number.isInteger(pa.num) && Number.isInteger(pa.den) && pa.num > 0 && pa.den > 0 && pa.num <= 65535 && pa.den <= 65535)) {
    return `bad pixel aspect ${pa.num}:${pa.den}`;
  }
  return null;
}

/** A rate ffmpeg reads exactly: 25 → "25", 29.97… → "30000/1001". */
export function rateArg(fps: number): string {
  for (const base of [24, 30, 60]) if (Math.abs(fps - (base * 1000) / 1001) < 1e-3) return `${base * 1000}/1001`;
  return Number.isInteger(fps) ? String(fps) : fps.toFixed(6);
}

export function videoExportArgs(o: VideoExportArgs): string[] {
  const problem = videoExportProblem(o);
  if (problem) throw new RangeError(problem);
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'repeat+error',
    '-f', 'rawvideo', '-pix_fmt', o.pixFmt, '-s', `${o.width}x${o.height}`, '-framerate', rateArg(o.fps), '-i', o.input,
  ];
  if (o.audio) {
    args.push('-ss', o.audio.startS.toFixed(6));
    if (o.audio.durationS !== undefined) args.push('-t', o.audio.durationS.toFixed(6));
    args.push('-i', o.audio.path);
  }
  args.push('-map', '0:v:0');
  if (o.audio) args.push('-map', '1:a:0?');
  if (o.pixelAspect) args.push('-vf', `setsar=${o.pixelAspect.num}/${o.pixelAspect.den}`);
  args.push('-pix_fmt', 'yuv420p');
  if (o.format === 'mp4') {
    args.push('-c:v', 'libx264', '-preset', o.preset ?? 'medium', '-tune', 'animation', '-crf', String(o.crf));
    if (o.audio) args.push('-c:a', 'aac', '-b:a', '192k');
    args.push(...(o.muxerArgs ?? []), '-f', 'mp4');
  } else {
    if (o.format === 'webm-vp9') args.push('-c:v', 'libvpx-vp9', '-crf', String(o.crf), '-b:v', '0', '-deadline', 'good', '-cpu-used', '4', '-row-mt', '0');
    else args.push('-c:v', 'libvpx', '-crf', String(o.crf), '-b:v', '50M', '-deadline', 'good', '-cpu-used', '2');
    if (o.audio) args.push('-c:a', 'libopus', '-b:a', '128k');
    args.push(...(o.muxerArgs ?? []), '-f', 'webm');
  }
  if (o.audio) args.push('-shortest');
  args.push('-y', o.output);
  return args;
}

/** File name for an export: "<source stem>-x4.<ext>". */
export function exportFileName(sourceName: string, format: ExportFormat): string {
  const stem = sourceName.replace(/\.[^./\\]*$/, '').replace(/[^\w.-]+/g, '_') || 'clip';
  return `${stem}-x4.${FORMAT_INFO[format].ext}`;
}

/**
 * A cancelled run's file says what it is: `clip-x4.mp4` → `clip-x4-partial-12-of-40.mp4` (issue 15.7:
 * a partial file is playable and clearly named, never mistaken for the whole clip).
 */
export function partialFileName(name: string, done: number, total: number): string {
  const m = /^(.*?)(\.[^./\\]*)?$/.exec(name)!;
  return `${m[1]}-partial-${done}-of-${total}${m[2] ?? ''}`;
}

/** Name of frame i inside a PNG zip (sorts in frame order). */
export function zipFrameName(i: number): string {
  return `frame-${String(i).padStart(5, '0')}.png`;
}
