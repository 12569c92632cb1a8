/**
 * `--resume`: carry on a run that was stopped (Ctrl-C: stop-request.ts) where it stopped.
 *
 * - A video output: the stopped run left `<stem>-partial-<done>-of-<total>.<ext>` beside it (the
 *   app's name for a cancelled export). The rest is upscaled into a temporary file and the two are
 *   joined by stream copy (ffmpeg's concat demuxer: same encoder settings, so no re-encode), then
 *   the partial goes. Stopped again, the joined part becomes the new, longer partial.
 * - A PNG folder: the frames 00000.png … already there, counted from 0 without a gap, stay.
 *
 * The recurrent net carries a state from frame to frame, so the rest does not start cold: it runs
 * WARM_UP_FRAMES frames before the first missing one and drops their output. Frames after the
 * join are therefore close to, not bit-identical with, an uninterrupted run's
 * (src/cli/upscale-stop.test.ts measures how close).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FfmpegError } from '../media/ffmpeg-node.ts';

/** Frames the net runs before the first missing one to rebuild its recurrent state. */
export const WARM_UP_FRAMES = 4;

/** The end of `vqdsr upscale` / `enhance --help`: stopping, resuming, exit codes. */
export const STOP_RESUME_AND_EXIT_HELP = `Ctrl-C (or SIGTERM) stops after the frame in hand: a video is closed properly and renamed
<name>-partial-<done>-of-<total>.<ext> (playable), PNG frames written so far stay; a second Ctrl-C
quits at once. The same command with --resume does the rest: the net first runs the ${WARM_UP_FRAMES} frames before
the first missing one (its recurrent state; the rest then matches an uninterrupted run to a level or
two), and a video's two parts are joined without re-encoding.

Exit codes: 0 done, 2 bad arguments / input / missing ffmpeg or model (message on stderr), 130
stopped by Ctrl-C / SIGTERM, 1 internal error.`;

export interface PartialVideo {
  file: string;
  done: number;
  total: number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The stopped run's partial video for `output` (the most frames, if several), or null. */
export function findPartialVideo(output: string): PartialVideo | null {
  const dir = path.dirname(output);
  if (!existsSync(dir)) return null;
  const ext = path.extname(output);
  const stem = path.basename(output, ext);
  const re = new RegExp(`^${escape(stem)}-partial-(\\d+)-of-(\\d+)${escape(ext)}$`);
  let best: PartialVideo | null = null;
  for (const f of readdirSync(dir)) {
    const m = re.exec(f);
    if (m && (!best || Number(m[1]) > best.done)) best = { file: path.join(dir, f), done: Number(m[1]), total: Number(m[2]) };
  }
  return best;
}

/** How many frames 00000.png, 00001.png, … a PNG-folder output already has, without a gap. */
export function framesAlreadyWritten(folder: string): number {
  if (!existsSync(folder)) return 0;
  const have = new Set(readdirSync(folder).filter((f) => /^\d{5,}\.png$/.test(f)));
  let n = 0;
  while (have.has(`${String(n).padStart(5, '0')}.png`)) n++;
  return n;
}

/** `first` then `second` into `out` by stream copy (both written by the same export args). */
export function joinVideos(ffmpegBin: string, first: string, second: string, out: string): void {
  const list = path.join(path.dirname(out), `.${path.basename(out)}.concat.txt`);
  const quote = (p: string) => `'${path.resolve(p).replace(/'/g, "'\\''")}'`;
  writeFileSync(list, `ffconcat version 1.0\nfile ${quote(first)}\nfile ${quote(second)}\n`);
  try {
    const muxer = path.extname(out).toLowerCase() === '.mp4' ? ['-movflags', '+faststart'] : [];
    const r = spawnSync(ffmpegBin, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'concat', '-safe', '0', '-i', list, '-map', '0', '-c', 'copy', ...muxer, '-y', out], { encoding: 'utf8' });
    if (r.status !== 0) throw new FfmpegError(`could not join ${path.basename(first)} and ${path.basename(second)}: ${(r.stderr ?? '').trim() || `exit ${r.status}`}`);
  } finally {
    rmSync(list, { force: true });
  }
}
