/**
 * The open clip or image: its metadata (in the store) and a bounded cache of
 * decoded RGBA frames, filled on demand in chunks by the media worker. Long
 * clips never sit in memory whole: the cache evicts by bytes (LRU).
 */
import { useApp, type SourceInfo } from '../state/store';
import { getMedia } from '../media/media-client';
import type { RgbaFrame } from '../core/frame';
import { useEffect, useState } from 'react';

const CHUNK = 12;
const CACHE_BYTES = 256 * 2 ** 20;

interface OpenSource {
  blob: Blob;
  info: SourceInfo;
  frames: Map<number, RgbaFrame>;
  pending: Map<number, Promise<void>>;
  bytes: number;
  generation: number;
}

let open: OpenSource | null = null;
let generation = 0;
/**
 * The latest open request: the last one asked for wins. Without it the bundled sample, still
 * loading when a user opens a file at once, finished later and replaced the user's file.
 */
let latestRequest = 0;
const listeners = new Set<() => void>();

const IMAGE_EXT = /\.(png|jpe?g|webp|bmp)$/i;

/** Opens the bundled sample; `auto` (the app's start) never replaces nor pre-empts a file the user opened. */
export async function openSample(opts: { auto?: boolean } = {}): Promise<void> {
  if (opts.auto && (latestRequest > 0 || open)) return;
  const app = useApp.getState();
  const req = ++latestRequest;
  app.setLoading({ label: 'Loading sample clip', done: 0, total: 0 });
  try {
    const res = await fetch(`${import.meta.env.BASE_URL}samples/sample.mp4`);
    if (!res.ok) throw new Error(`could not fetch the bundled sample (HTTP ${res.status})`);
    const blob = await res.blob();
    await openBlob(blob, 'sample.mp4', 'sample', req);
  } catch (e) {
    if (req === latestRequest) app.setError(`Could not open the sample: ${message(e)}`);
  } finally {
    if (req === latestRequest) useApp.getState().setLoading(null);
  }
}

export async function openFile(file: File): Promise<void> {
  const app = useApp.getState();
  const req = ++latestRequest;
  app.setLoading({ label: `Opening ${file.name}`, done: 0, total: 0 });
  try {
    if (await openBlob(file, file.name, 'file', req)) app.setError(null);
  } catch (e) {
    // The previous source stays open and usable: a bad file loses nothing.
    if (req === latestRequest) app.setError(message(e));
  } finally {
    if (req === latestRequest) useApp.getState().setLoading(null);
  }
}

/** Opens `blob` as the source unless a newer open request came in meanwhile; true when it switched. */
async function openBlob(blob: Blob, name: string, kind: SourceInfo['kind'], req: number): Promise<boolean> {
  const media = await getMedia();
  const probe = await media.probe(blob, name);
  const isImage = IMAGE_EXT.test(name) || probe.frameCount === 1;
  const info: SourceInfo = {
    kind,
    name,
    width: probe.width,
    height: probe.height,
    frameCount: Math.max(1, probe.frameCount ?? Math.round(probe.durationS * probe.fps) ?? 1),
    fps: probe.fps || 25,
    isImage,
    ...(probe.pixelAspect && !isImage ? { pixelAspect: probe.pixelAspect } : {}),
    ...(probe.interlaced && !isImage ? { interlaced: true as const } : {}),
  };
  const candidate: OpenSource = { blob, info, frames: new Map(), pending: new Map(), bytes: 0, generation: ++generation };
  // Decode the first chunk before switching, so a corrupt file fails here and the old source stays.
  await fillChunk(candidate, 0);
  if (candidate.frames.size === 0) throw new Error(`'${name}' has no decodable frames`);
  if (candidate.info.frameCount < candidate.frames.size) candidate.info.frameCount = candidate.frames.size;
  if (req !== latestRequest) return false;
  open = candidate;
  useApp.getState().setSource(info);
  listeners.forEach((l) => l());
  return true;
}

async function fillChunk(src: OpenSource, start: number): Promise<void> {
  const existing = src.pending.get(start);
  if (existing) return existing;
  const job = (async () => {
    const media = await getMedia();
    const count = Math.min(CHUNK, src.info.frameCount - start);
    const decoded = await media.decode(src.blob, src.info.name, { start, count });
    decoded.frames.forEach((data, j) => {
      const f: RgbaFrame = { width: decoded.width, height: decoded.height, data };
      src.frames.set(start + j, f);
      src.bytes += data.byteLength;
    });
    // Stream ended earlier than the container claimed: trust the decoder.
    if (decoded.frames.length < count && src.info.frameCount > start + decoded.frames.length && src === open) {
      src.info = { ...src.info, frameCount: Math.max(1, start + decoded.frames.length) };
      useApp.setState({ source: src.info });
    }
    evict(src, start);
  })();
  src.pending.set(start, job);
  try {
    await job;
  } finally {
    src.pending.delete(start);
  }
}

function evict(src: OpenSource, keepStart: number): void {
  if (src.bytes <= CACHE_BYTES) return;
  const keys = [...src.frames.keys()].sort((a, b) => Math.abs(b - keepStart) - Math.abs(a - keepStart));
  for (const k of keys) {
    if (src.bytes <= CACHE_BYTES * 0.75) break;
    if (k >= keepStart && k < keepStart + CHUNK) continue;
    src.bytes -= src.frames.get(k)!.data.byteLength;
    src.frames.delete(k);
  }
}

/** Frame i of the open source (decoding its chunk if needed). */
export async function getFrame(i: number): Promise<RgbaFrame> {
  const src = open;
  if (!src) throw new Error('no source open');
  const idx = Math.max(0, Math.min(src.info.frameCount - 1, i));
  const hit = src.frames.get(idx);
  if (hit) return hit;
  await fillChunk(src, Math.floor(idx / CHUNK) * CHUNK);
  const f = src.frames.get(idx) ?? src.frames.get(Math.min(idx, src.frames.size - 1));
  if (!f) throw new Error(`frame ${idx + 1} could not be decoded`);
  return f;
}

/** Identifies the open source's pixels (changes whenever another file opens). */
export function currentSourceId(): string {
  return open ? `${open.generation}:${open.info.name}` : 'none';
}

/** The open source's blob (for export with audio, etc.). */
export function currentBlob(): { blob: Blob; info: SourceInfo } | null {
  return open ? { blob: open.blob, info: open.info } : null;
}

export function useFrameSource(): SourceInfo | null {
  return useApp((s) => s.source);
}

/** The current frame (by the store's frameIndex), re-fetched when the source or index changes. */
export function useCurrentFrame(): RgbaFrame | null {
  const source = useApp((s) => s.source);
  const index = useApp((s) => s.frameIndex);
  const [frame, setFrame] = useState<RgbaFrame | null>(null);
  const [, bump] = useState(0);
  useEffect(() => {
    const l = () => bump((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  useEffect(() => {
    if (!source) return;
    let stale = false;
    getFrame(index).then(
      (f) => !stale && setFrame(f),
      (e) => !stale && useApp.getState().setError(message(e)),
    );
    return () => {
      stale = true;
    };
  }, [source, index]);
  return frame;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
