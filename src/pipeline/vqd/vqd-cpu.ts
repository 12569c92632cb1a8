/**
 * The VQ degrader without WebGPU: the same models on any ORT CPU backend
 * (onnxruntime-web's wasm EP in the browser fallback, onnxruntime-node in the
 * CLI and the training data factory), the kNN CPU reference, and the tile CPU
 * references — the same tile plan as vqd-gpu.ts, so both give the same pixels
 * up to float rounding of the two ORT backends.
 *
 * With `codeTables` (the browser's CPU path, vqd-cpu-web.ts) the decoder's entry Convs run as
 * table look-ups from the search's indices (decoder-entry.ts, code-conv.ts) and ORT runs the rest
 * of the decoder: on the bundled sample 0.84 of the decoder's 1.82 GFLOP are gone, at the price
 * of float rounding (f32 sums in another order) against the whole-graph decoder; the Node paths
 * (CLI, training data) run the whole graph.
 */
import type { ImageF32 } from '../../core/image';
import { createImage } from '../../core/image';
import { knnCpu } from './knn-cpu';
import { accumulateCpu, extractCpu, normalizeCpu, planTiles, type Tile } from '../../gpu/tiles';
import type { VqdGpuOptions } from './vqd-gpu';
import { VQD_FRAME_MARGIN, type VqdEncoded, type VqdKs, type VqdPartTimes } from './options';
import { openSession, type Ort, type OrtFeeds, type OrtSessionOptions, type Session } from '../../gpu/ort';
import { splitDecoderEntry } from './decoder-entry';
import { codeConv, makeCodeTables } from './code-conv';

export interface VqdCpu {
  readonly nCodes: number;
  run(img: ImageF32, ks: VqdKs, opts?: VqdGpuOptions): Promise<ImageF32>;
  /**
   * The encoder half: per tile, the three latent maps. Depends on the image only, so a caller that
   * changes only the k's (a slider) keeps it and runs `decode` again.
   */
  encode(img: ImageF32, opts?: VqdGpuOptions, times?: VqdPartTimes): Promise<VqdEncoded>;
  /** k-th-nearest per branch, then the decoder and the tile blend: run(img, ks) = decode(encode(img), ks). */
  decode(enc: VqdEncoded, ks: VqdKs, times?: VqdPartTimes): Promise<ImageF32>;
}

/** The k-th-nearest quantiser between encoder and decoder: z [nz, P] → zq [nz, P]. */
export type CpuQuantizer = (z: Float32Array, P: number, k: number) => Promise<Float32Array> | Float32Array;

/** The k-th-nearest search's indices: z [nz, P] → the k-th entry per position, [P]. */
export type CpuSearch = (z: Float32Array, P: number, k: number) => Promise<Uint32Array> | Uint32Array;

export interface VqdCpuOptions {
  /**
   * Run the decoder's entry Convs as table look-ups from `search`'s indices (code-conv.ts)
   * instead of feeding zq to the whole decoder; ignored (the whole decoder runs) where the
   * decoder's graph is not the plain case decoder-entry.ts splits.
   */
  codeTables?: { search: CpuSearch };
  /**
   * A stand-in for ORT on one of the graphs this path runs (vqd-cpu-web.ts: the VQGAN on the
   * project's wasm kernels, lite/vqgan-session.ts): called with the encoder's bytes (role
   * 'encoder') and with the decoder graph it runs ('decoder-rest' where the entry Convs are code
   * tables, else 'decoder'); null keeps ORT for that graph.
   */
  open?: (model: Uint8Array, role: 'encoder' | 'decoder' | 'decoder-rest') => Session | null | Promise<Session | null>;
}

/** The browser paths' tile defaults (same values as vqd-gpu.ts VQD_DEFAULT_TILE / _OVERLAP). */
export const VQD_CPU_DEFAULT_TILE = 256;
export const VQD_CPU_DEFAULT_OVERLAP = 32;

export interface VqdModelBytes {
  encoder: Uint8Array;
  decoder: Uint8Array;
  codebook: Float32Array;
  nCodes: number;
  nz: number;
}

/**
 * `quantize` replaces the plain knnCpu search (the Node CLI passes its faster screened search,
 * which gives the same indices); the tile loop around it is the same for every CPU caller.
 */
export async function createVqdCpu(ort: Ort, files: VqdModelBytes, sessionOptions: OrtSessionOptions = {}, quantize?: CpuQuantizer, opts: VqdCpuOptions = {}): Promise<VqdCpu> {
  const { codebook, nCodes: N, nz } = files;
  if (codebook.length !== N * nz) throw new Error(`codebook has ${codebook.length} values, expected ${N}×${nz}`);
  const split = opts.codeTables ? splitDecoderEntry(files.decoder) : null;
  const encoder = (await opts.open?.(files.encoder, 'encoder')) ?? (await openSession(ort, files.encoder, sessionOptions));
  const decoderGraph = split ? split.rest : files.decoder;
  const decoder = (await opts.open?.(decoderGraph, split ? 'decoder-rest' : 'decoder')) ?? (await openSession(ort, decoderGraph, sessionOptions));
  const tables = split && opts.codeTables ? { search: opts.codeTables.search, convs: split.convs, t: await makeCodeTables(ort, split.convs, codebook, N, nz, sessionOptions) } : null;
  const quant: CpuQuantizer = quantize ?? ((z, P, k) => knnCpu(z, nz, P, codebook, N, k).zq);
  const add = (times: VqdPartTimes | undefined, part: keyof VqdPartTimes, t0: number) => {
    if (times) times[part] = (times[part] ?? 0) + (performance.now() - t0);
  };
  type TileLatents = VqdEncoded['tiles'][number];
  const plan = (img: ImageF32, opts: VqdGpuOptions) => {
    const overlap = opts.overlap ?? VQD_CPU_DEFAULT_OVERLAP;
    return { overlap, tiles: planTiles(img.width, img.height, { maxTile: opts.maxTile ?? VQD_CPU_DEFAULT_TILE, overlap, multiple: 8, margin: VQD_FRAME_MARGIN }) };
  };
  const encodeTile = async (img: ImageF32, t: Tile, times?: VqdPartTimes): Promise<TileLatents> => {
    const t0 = performance.now();
    const tileIn = extractCpu(img.data, img.width, img.height, 3, t.x0, t.y0, t.w, t.h, 2, -1);
    const out = await encoder.run({ [encoder.inputNames[0]]: new ort.Tensor('float32', tileIn, [1, 3, t.h, t.w]) });
    add(times, 'encoder', t0);
    // tile/8, /4, /2 for top, middle, bottom
    return { tile: t, z: encoder.outputNames.map((n) => ({ data: out[n].data as Float32Array, dims: out[n].dims })) };
  };
  /** Quantise one tile's latents, decode, and blend the tile into (acc, wsum). */
  const decodeTile = async (tl: TileLatents, ks: VqdKs, w: number, h: number, overlap: number, acc: Float32Array, wsum: Float32Array, times?: VqdPartTimes) => {
    let t0 = performance.now();
    const kList = [ks.kTop, ks.kMid, ks.kBot];
    const feeds: OrtFeeds = {};
    const kAt = (i: number) => Math.min(N, Math.max(1, Math.round(kList[i])));
    if (tables) {
      // Latent i feeds decoder input i, whose entry Conv is convs[i] (decoder-entry.ts keeps the order).
      const found: Uint32Array[] = [];
      for (let i = 0; i < tl.z.length; i++) {
        const [, , lh, lw] = tl.z[i].dims;
        found.push(await tables.search(tl.z[i].data, lh * lw, kAt(i)));
      }
      add(times, 'knn', t0);
      t0 = performance.now();
      for (let i = 0; i < tl.z.length; i++) {
        const [, , lh, lw] = tl.z[i].dims;
        const t = tables.t[i];
        feeds[tables.convs[i].output] = new ort.Tensor('float32', codeConv(t, found[i], lh, lw), [1, t.cout, lh, lw]);
      }
    } else {
      for (let i = 0; i < tl.z.length; i++) {
        const [, , lh, lw] = tl.z[i].dims;
        const zq = await quant(tl.z[i].data, lh * lw, kAt(i));
        feeds[decoder.inputNames[i]] = new ort.Tensor('float32', zq, [1, nz, lh, lw]);
      }
      add(times, 'knn', t0);
      t0 = performance.now();
    }
    const out = await decoder.run(feeds);
    accumulateCpu(acc, wsum, w, h, 3, out[decoder.outputNames[0]].data as Float32Array, tl.tile, overlap, 0.5, 0.5);
    add(times, 'decoder', t0);
  };
  const finish = (acc: Float32Array, wsum: Float32Array, w: number, h: number) => {
    const result = createImage(w, h, 3);
    normalizeCpu(acc, wsum, w, h, 3, 0, 1, result.data);
    return result;
  };
  return {
    nCodes: N,
    // One tile in flight at a time: a large frame never holds every tile's latents at once.
    async run(img, ks, opts = {}) {
      const { width: w, height: h } = img;
      const { overlap, tiles } = plan(img, opts);
      const acc = new Float32Array(3 * w * h);
      const wsum = new Float32Array(w * h);
      for (const t of tiles) await decodeTile(await encodeTile(img, t), ks, w, h, overlap, acc, wsum);
      return finish(acc, wsum, w, h);
    },
    async encode(img, opts = {}, times) {
      const { overlap, tiles } = plan(img, opts);
      const out: TileLatents[] = [];
      for (const t of tiles) out.push(await encodeTile(img, t, times));
      const bytes = out.reduce((s, tl) => s + tl.z.reduce((b, m) => b + m.data.byteLength, 0), 0);
      return { width: img.width, height: img.height, overlap, tiles: out, bytes };
    },
    async decode(enc, ks, times) {
      const { width: w, height: h, overlap } = enc;
      const acc = new Float32Array(3 * w * h);
      const wsum = new Float32Array(w * h);
      for (const tl of enc.tiles) await decodeTile(tl, ks, w, h, overlap, acc, wsum, times);
      return finish(acc, wsum, w, h);
    },
  };
}
