/**
 * What `vqdsr degrade <input>` accepts, read as a stream of frames:
 * - a folder of PNGs (frames in natural name order: frame-2 before frame-10),
 * - a single PNG,
 * - anything ffmpeg reads: a video file, or a still image in another format (JPEG, WebP …).
 * All frames of a clip must have one size.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { contentProblem } from '../media/sniff.ts';
import path from 'node:path';
import type { ImageF32 } from '../core/image.ts';
import { contentOfFile, type FfmpegNode } from '../media/ffmpeg-node.ts';
import { UsageError } from './errors.ts';
import { readPng } from '../media/png.ts';

export interface FrameRangeArg {
  start: number;
  /** Exclusive; Infinity for "to the end". */
  end: number;
}

/** "a:b", "a:", ":b" or "a" (just frame a) → [start, end). */
export function parseFrameRange(text: string): FrameRangeArg {
  const m = /^(\d*)(?::(\d*))?$/.exec(text.trim());
  if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
    throw new UsageError(`--frames must look like a:b (frames a … b−1, 0-based), a: or :b; got ${JSON.stringify(text)}`);
  }
  const start = m[1] === '' ? 0 : Number(m[1]);
  const end = m[2] === undefined ? start + 1 : m[2] === '' ? Infinity : Number(m[2]);
  if (!(end > start)) throw new UsageError(`--frames ${text}: the end (${end}) must be after the start (${start})`);
  return { start, end };
}

const naturalCompare = new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare;

export interface InputSource {
  kind: 'png-folder' | 'png' | 'video';
  /** How many frames will come, when known before decoding. */
  frameCount: number | null;
  frames: AsyncIterable<ImageF32>;
}

/** @param opts.deinterlace deinterlace video flagged interlaced (default true; codec-args.ts DEINTERLACE_FILTER). */
export async function openInput(input: string, range: FrameRangeArg, ffmpeg: () => Promise<FfmpegNode>, opts: { deinterlace?: boolean } = {}): Promise<InputSource> {
  if (!existsSync(input)) throw new UsageError(`input not found: ${input}`);
  const st = statSync(input);
  if (st.isDirectory()) {
    const files = readdirSync(input)
      .filter((f) => /\.png$/i.test(f))
      .sort(naturalCompare)
      .map((f) => path.join(input, f));
    if (files.length === 0) throw new UsageError(`no PNG files in folder ${input}`);
    const picked = files.slice(range.start, range.end);
    if (picked.length === 0) throw new UsageError(`--frames ${range.start}:${range.end} selects nothing from the ${files.length} PNGs in ${input}`);
    return { kind: 'png-folder', frameCount: picked.length, frames: pngFrames(picked) };
  }
  const problem = contentProblem(input, contentOfFile(input));
  if (problem) throw new UsageError(problem);
  if (/\.png$/i.test(input)) {
    if (range.start > 0) throw new UsageError(`--frames ${range.start}:… selects nothing from a single image`);
    return { kind: 'png', frameCount: 1, frames: pngFrames([input]) };
  }
  const ff = await ffmpeg();
  const { frames } = await ff.decodeFile(input, { start: range.start, end: range.end }, { deinterlace: opts.deinterlace });
  return { kind: 'video', frameCount: null, frames: checkNonEmpty(frames, input, range) };
}

async function* pngFrames(files: string[]): AsyncGenerator<ImageF32> {
  let size: [number, number] | null = null;
  for (const f of files) {
    let img: ImageF32;
    try {
      img = readPng(f);
    } catch (e) {
      throw new UsageError(`cannot read PNG ${f}: ${(e as Error).message}`);
    }
    if (size && (img.width !== size[0] || img.height !== size[1])) {
      throw new UsageError(`${f} is ${img.width}×${img.height}, the clip's first frame ${size[0]}×${size[1]}: all frames must have one size`);
    }
    size = [img.width, img.height];
    yield img;
  }
}

async function* checkNonEmpty(frames: AsyncIterable<ImageF32>, input: string, range: FrameRangeArg): AsyncGenerator<ImageF32> {
  let n = 0;
  for await (const f of frames) {
    n++;
    yield f;
  }
  if (n === 0) throw new UsageError(`no frames decoded from ${input}${range.start > 0 ? ` at --frames ${range.start}:` : ''}`);
}
