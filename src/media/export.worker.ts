/**
 * The export worker: turns a stream of upscaled RGBA frames into a file — MP4 (H.264) or WebM (VP8)
 * through its own ffmpeg.wasm core, or a zip of PNG frames (client-zip) — without holding the clip:
 * frames arrive through the SharedArrayBuffer pipe (export-pipe.ts) while they are made, and the
 * file is written to an OPFS staging file as it grows (export-target.ts).
 *
 * Its own worker (not the media worker) because an encode keeps ffmpeg's exec() running for the
 * whole upscale, blocking on the pipe; decoding for the preview must go on meanwhile. The export
 * client starts one per export and ends it afterwards, which also frees the core's memory.
 */
import coreURL from '@ffmpeg/core?url';
import wasmURL from '@ffmpeg/core/wasm?url';
import * as Comlink from 'comlink';
import { makeZip } from 'client-zip';
import { FORMAT_INFO, videoExportArgs, videoExportProblem, zipFrameName, type ExportFormat, type X264Preset } from './export-args';
import { ExportCore, VIDEO_IN, VIDEO_OUT, type ExportCoreModule } from './export-core';
import { FramePipeReader, PipeCancelled } from './export-pipe';
import { openTarget, type FinishableTarget } from './export-target';

export interface ExportJob {
  format: ExportFormat;
  /** Output frame size (the upscaled frames). */
  width: number;
  height: number;
  fps: number;
  /** MP4 / WebM quality (CRF; see QUALITY in export-args.ts). */
  crf?: number;
  preset?: X264Preset;
  fileName: string;
  /** Keep the first audio stream of this file, trimmed to [startS, startS + durationS). */
  audio?: { blob: Blob; name: string; startS: number; durationS?: number };
  /** The source's non-square pixel shape (anamorphic video), written as the stream's SAR. */
  pixelAspect?: { num: number; den: number };
}

export interface ExportDone {
  /** The file (OPFS-backed where available); absent when cancelled. */
  file?: Blob;
  bytes: number;
  frames: number;
  ms: number;
  storage: 'opfs' | 'memory';
  cancelled: boolean;
}

async function loadCore(): Promise<ExportCore> {
  const mod = (await import(/* @vite-ignore */ coreURL)) as { default: (o: object) => Promise<ExportCoreModule> };
  // The core finds its (hashed) wasm through the JSON after '#' in mainScriptUrlOrBlob.
  const core = await mod.default({ mainScriptUrlOrBlob: `${coreURL}#${btoa(JSON.stringify({ wasmURL, workerURL: '' }))}` });
  return new ExportCore(core);
}

async function pngOf(rgba: Uint8Array<ArrayBuffer>, width: number, height: number): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no OffscreenCanvas 2D in this browser: cannot write PNGs');
  ctx.putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer), width, height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

async function writeZip(reader: FramePipeReader, job: ExportJob, target: FinishableTarget): Promise<void> {
  async function* entries() {
    for (let i = 0; ; i++) {
      const f = reader.readFrame();
      if (!f) return;
      yield { name: zipFrameName(i), lastModified: new Date(), input: await pngOf(f, job.width, job.height) };
    }
  }
  const stream = makeZip(entries()).getReader();
  let pos = 0;
  for (;;) {
    const { done, value } = await stream.read();
    if (done) break;
    target.write(value, pos);
    pos += value.length;
  }
}

function writeVideo(reader: FramePipeReader, job: ExportJob, target: FinishableTarget, core: ExportCore): void {
  const format = job.format;
  if (format === 'png-zip') throw new Error('not a video format');
  const args = (audioPath?: string) =>
    videoExportArgs({
      format, width: job.width, height: job.height, fps: job.fps, crf: job.crf ?? 18, preset: job.preset ?? 'veryfast',
      input: VIDEO_IN, pixFmt: 'rgba', output: VIDEO_OUT, pixelAspect: job.pixelAspect,
      audio: audioPath && job.audio ? { path: audioPath, startS: job.audio.startS, durationS: job.audio.durationS } : undefined,
    });
  const io = { input: (into: Int8Array) => reader.read(into), output: target };
  const r = job.audio ? core.withSource(job.audio.name, job.audio.blob, (p) => core.run(args(p), io)) : core.run(args(), io);
  if (r.inputError instanceof PipeCancelled) throw r.inputError;
  if (r.code !== 0) {
    const why = r.log.filter((l) => l.trim()).slice(-3).join(' · ') || `exit ${r.code}`;
    throw new Error(`ffmpeg.wasm could not write the ${FORMAT_INFO[format].label}: ${why}`);
  }
}

const api = {
  /**
   * Write `job` from the frames that arrive in `pipe` until the writer closes it (or aborts: then
   * the partial file is deleted and `cancelled` is true). Resolves when the file is complete.
   */
  async run(job: ExportJob, pipe: SharedArrayBuffer): Promise<ExportDone> {
    const t0 = performance.now();
    const reader = new FramePipeReader(pipe);
    if (reader.frameBytes !== job.width * job.height * 4) throw new Error(`pipe frames are ${reader.frameBytes} bytes, ${job.width}×${job.height} RGBA needs ${job.width * job.height * 4}`);
    if (job.format !== 'png-zip') {
      const problem = videoExportProblem({ format: job.format, width: job.width, height: job.height, fps: job.fps, crf: job.crf ?? 18, preset: job.preset });
      if (problem) throw new Error(`cannot save this video: ${problem}`);
    }
    // Load the encoder before opening the file: a failed load leaves nothing behind.
    const core = job.format === 'png-zip' ? null : await loadCore();
    const target = await openTarget(job.fileName);
    try {
      if (core) writeVideo(reader, job, target, core);
      else await writeZip(reader, job, target);
    } catch (e) {
      await target.discard();
      if (e instanceof PipeCancelled) return { bytes: 0, frames: reader.framesRead, ms: performance.now() - t0, storage: target.storage, cancelled: true };
      throw e;
    }
    const file = await target.finish(FORMAT_INFO[job.format].mime);
    return { file, bytes: file.size, frames: reader.framesRead, ms: performance.now() - t0, storage: target.storage, cancelled: false };
  },
};

export type ExportWorkerApi = typeof api;
Comlink.expose(api);
