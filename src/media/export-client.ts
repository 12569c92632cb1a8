/**
 * The page's side of an export: starts an export worker, streams frames into it through the
 * SharedArrayBuffer pipe (waiting while its few slots are full, so memory stays bounded whatever
 * the clip's length), and saves the finished file — into a file the user picks (File System Access
 * API, streamed from the OPFS staging file) or as a download.
 */
import * as Comlink from 'comlink';
import { FORMAT_INFO, type ExportFormat, type X264Preset } from './export-args';
import { FramePipeWriter, PipeCancelled, createFramePipe } from './export-pipe';
import type { ExportDone, ExportJob, ExportWorkerApi } from './export.worker';

export type { ExportDone, ExportJob } from './export.worker';

export interface ExportOptions {
  format: ExportFormat;
  /** Output (upscaled) frame size. */
  width: number;
  height: number;
  fps: number;
  crf?: number;
  preset?: X264Preset;
  fileName: string;
  audio?: ExportJob['audio'];
  pixelAspect?: ExportJob['pixelAspect'];
  /** Frames the pipe holds (default 3). */
  slots?: number;
}

export interface ExportSession {
  readonly options: ExportOptions;
  /** Hand over one RGBA frame (copied into the pipe); waits while the encoder is behind. */
  write(rgba: Uint8Array | Uint8ClampedArray): Promise<void>;
  /** Frames the encoder has taken. */
  readonly encoded: number;
  /** No more frames: resolves with the file once it is complete. */
  finish(): Promise<ExportDone>;
  /** Drop the export (the partial file is deleted). */
  abort(): Promise<void>;
}

/** Why this browser cannot export here, or null. */
export function exportUnavailable(): string | null {
  if (typeof SharedArrayBuffer === 'undefined' || !globalThis.crossOriginIsolated) {
    return 'Saving needs a cross-origin-isolated page (COOP/COEP headers) for its frame pipe; this page is not.';
  }
  return null;
}

export async function startExport(options: ExportOptions): Promise<ExportSession> {
  const why = exportUnavailable();
  if (why) throw new Error(why);
  const worker = new Worker(new URL('./export.worker.ts', import.meta.url), { type: 'module', name: 'export' });
  const api = Comlink.wrap<ExportWorkerApi>(worker);
  const sab = createFramePipe(options.width * options.height * 4, options.slots ?? 3);
  const writer = new FramePipeWriter(sab);
  let failure: Error | null = null;
  const crashed = new Promise<never>((_, reject) =>
    worker.addEventListener('error', (e) => reject(new Error(`the export worker stopped: ${e.message || 'unknown error'}`)), { once: true }),
  );
  const job: ExportJob = { format: options.format, width: options.width, height: options.height, fps: options.fps, crf: options.crf, preset: options.preset, fileName: options.fileName, audio: options.audio, pixelAspect: options.pixelAspect };
  const done = Promise.race([api.run(job, sab), crashed]);
  // If the worker fails, writers waiting on a full pipe must not wait forever.
  done.catch((e: unknown) => {
    failure = e instanceof Error ? e : new Error(String(e));
    writer.abort();
  });
  const end = () => {
    api[Comlink.releaseProxy]();
    worker.terminate();
  };
  return {
    options,
    get encoded() {
      return writer.consumed;
    },
    async write(rgba) {
      if (failure) throw failure;
      try {
        await writer.write(rgba);
      } catch (e) {
        throw e instanceof PipeCancelled && failure ? failure : e;
      }
    },
    async finish() {
      writer.close();
      try {
        return await done;
      } finally {
        end();
      }
    },
    async abort() {
      writer.abort();
      await done.catch(() => undefined);
      end();
    },
  };
}

type SavePicker = (o: { suggestedName?: string; types?: { description: string; accept: Record<string, string[]> }[] }) => Promise<FileSystemFileHandle>;

/** Whether "Save to file…" (File System Access API) is available. */
export function canPickSaveFile(): boolean {
  return typeof (globalThis as { showSaveFilePicker?: SavePicker }).showSaveFilePicker === 'function';
}

/**
 * Stream `file` into a file the user picks (call from a click: the picker needs user activation).
 * Resolves false when the user cancels the picker.
 */
export async function saveWithPicker(file: Blob, name: string, format: ExportFormat): Promise<boolean> {
  const pick = (globalThis as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  if (!pick) throw new Error('this browser has no save-file picker; use Download');
  const info = FORMAT_INFO[format];
  let handle: FileSystemFileHandle;
  try {
    handle = await pick({ suggestedName: name, types: [{ description: info.label, accept: { [info.mime]: [`.${info.ext}`] } }] });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') return false;
    throw e;
  }
  const writable = await (handle as unknown as { createWritable(): Promise<WritableStream<Uint8Array>> }).createWritable();
  await file.stream().pipeTo(writable);
  return true;
}

/** Download `file` (an OPFS-backed File streams from disk). */
export function downloadFile(file: Blob, name: string): void {
  const url = URL.createObjectURL(file);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoking at once can cut a large download short; the file stays valid until then.
  setTimeout(() => URL.revokeObjectURL(url), 120_000);
}
