import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quantize01 } from '../core/pixels.ts';
import { findNativeFfmpeg } from '../media/ffmpeg-node.ts';
import { ensembleSequence } from '../pipeline/vsr/self-ensemble.ts';
import { upscaleClipCpu } from '../pipeline/vsr/vsr-cpu.ts';
import { createVsrNode, DEFAULT_MODELS_DIR, listVsrModels } from '../pipeline/vsr/vsr-node.ts';
import { main, type CliIo } from './main.ts';
import { readPng, writePng } from '../media/png.ts';
import { imresizeImage } from '../metrics/matlab-imresize.ts';
import { ProgressLine, probeVideo } from './upscale.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLIP = path.join(ROOT, 'e2e/fixtures/clip-32x32'); // 3 real frames, 32×32
const tmp = mkdtempSync(path.join(tmpdir(), 'vqdsr-upscale-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const haveModel = existsSync(path.join(DEFAULT_MODELS_DIR, 'vsr.step.onnx'));
const ffmpeg = findNativeFfmpeg();
const haveFfprobe = spawnSync('ffprobe', ['-version']).status === 0;

function capture(): CliIo & { errText: () => string } {
  const err: string[] = [];
  return { out: () => undefined, err: (t) => err.push(t), errText: () => err.join('\n') };
}

function probe(file: string): { streams: { codec_type: string; codec_name: string; width?: number; height?: number; nb_read_frames?: string }[] } {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames', '-of', 'json', file], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as ReturnType<typeof probe>;
}

describe('vqdsr upscale: arguments', () => {
  it('refuses bad options with exit 2 and a message', async () => {
    const cases: [string[], RegExp][] = [
      [[CLIP], /needs <input> and <output>/],
      [[CLIP, path.join(tmp, 'x'), '--tile', '30'], /--tile must be a multiple of 4/],
      [[CLIP, path.join(tmp, 'x'), '--tile', '32', '--overlap', '32'], /--overlap must be smaller than --tile/],
      [[CLIP, path.join(tmp, 'x.mkv')], /cannot write \.mkv/],
      [[CLIP, path.join(tmp, 'x'), '--model', 'nope'], /model 'nope' is not in .*manifest\.json \(known VSR models: vsr, vsr-restore, vsr-fast\)/],
      [[CLIP, path.join(tmp, 'x'), '--model', 'vqgan'], /model 'vqgan' in .*manifest\.json is not a VSR model/],
      [[path.join(tmp, 'missing.mp4'), path.join(tmp, 'x')], /input not found/],
      [[CLIP, path.join(tmp, 'x'), '--ensemble', '3'], /--ensemble must be 1, 2, 4 or 8 \(got 3\)/],
      [[CLIP, path.join(tmp, 'x'), '--ensemble', '16'], /--ensemble/],
      [[CLIP, path.join(tmp, 'x'), '--deinterlace', 'yes'], /--deinterlace must be auto or off \(got yes\)/],
      [[CLIP, path.join(tmp, 'x'), '--model', 'auto', '--resume'], /--resume with --model auto could pick another model/],
      [[CLIP, path.join(tmp, 'x.png'), '--resume'], /--resume carries on a video or PNG-folder output/],
    ];
    for (const [args, msg] of cases) {
      const io = capture();
      expect(await main(['upscale', ...args], io), args.join(' ')).toBe(2);
      expect(io.errText()).toMatch(msg);
    }
  });

  it('formats the progress line with frames, fps and time left', () => {
    expect(ProgressLine.text(3, 12, 1.5, 12)).toBe('[###.........] 3/12 frames · 2.00 fps · 0:05 left');
    expect(ProgressLine.text(7, null, 65)).toBe('7 frames · 0.11 fps · 1:05');
  });
});

// What the progress line counts to and the output limit checks before decoding: the frames and
// the size ffmpeg will give (scripts/make-sample.py decoder_fixtures).
describe.skipIf(!haveFfprobe)('probeVideo', () => {
  it('counts the frames ffmpeg decodes, not the samples an edit list hides; a quarter-turned clip has its upright size', () => {
    const trimmed = probeVideo(path.join(ROOT, 'e2e/fixtures/decoders/trimmed-64x48.mp4'));
    expect(trimmed).toMatchObject({ frameCount: 5, width: 64, height: 48, fps: 25, hasAudio: false }); // 8 samples, 3 hidden
    expect(probeVideo(path.join(ROOT, 'e2e/fixtures/decoders/rot90-64x48.mp4'))).toMatchObject({ frameCount: 8, width: 48, height: 64 });
    expect(probeVideo(path.join(ROOT, 'public/samples/sample.mp4'))).toMatchObject({ frameCount: 75, width: 480, height: 270, fps: 25 });
    expect(probeVideo(path.join(ROOT, 'public/samples/sample.mp4')).pixelAspect).toBeUndefined();
    expect(probeVideo(path.join(ROOT, 'e2e/fixtures/decoders/anamorphic-64x48.mp4'))).toMatchObject({ frameCount: 8, pixelAspect: { num: 32, den: 27 } });
  });
});

describe.skipIf(!haveModel)('vqdsr upscale on the 3-frame 32×32 clip', () => {
  it('writes 3 PNG frames ×4 (128×128) equal to the VSR runner’s output, quantised', async () => {
    const out = path.join(tmp, 'frames');
    const io = capture();
    expect(await main(['upscale', CLIP, out, '--threads', '1'], io), io.errText()).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(['00000.png', '00001.png', '00002.png']);
    // Independent path: the runner directly on the PNGs.
    const vsr = await createVsrNode({ threads: 1 });
    const frames = [0, 1, 2].map((i) => readPng(path.join(CLIP, `frame-${i}.png`)));
    let t = 0;
    for await (const want of upscaleClipCpu(vsr.sequence(32, 32), frames)) {
      const got = readPng(path.join(out, files[t++]));
      expect([got.width, got.height]).toEqual([128, 128]);
      let maxLevels = 0;
      for (let i = 0; i < got.data.length; i++) maxLevels = Math.max(maxLevels, Math.abs(Math.round(got.data[i] * 255) - quantize01(want.data[i])));
      expect(maxLevels).toBe(0);
    }
    expect(io.errText()).toMatch(/3 frames 128×128/);
  });

  it('--model picks any VSR model of the manifest: each gives its own runner\'s frames and is named', async () => {
    const ids = (await listVsrModels()).map((m) => m.id);
    expect(ids).toEqual(['vsr', 'vsr-restore', 'vsr-fast']);
    const frames = [0, 1, 2].map((i) => readPng(path.join(CLIP, `frame-${i}.png`)));
    for (const id of ids) {
      const out = path.join(tmp, `frames-${id}`);
      const io = capture();
      expect(await main(['upscale', CLIP, out, '--model', id, '--threads', '1'], io), io.errText()).toBe(0);
      expect(io.errText()).toMatch(new RegExp(`model ${id}\\)`));
      const vsr = await createVsrNode({ threads: 1, modelId: id });
      expect(vsr.modelId).toBe(id);
      let t = 0;
      for await (const want of upscaleClipCpu(vsr.sequence(32, 32), frames)) {
        const got = readPng(path.join(out, `${String(t++).padStart(5, '0')}.png`));
        let maxLevels = 0;
        for (let i = 0; i < got.data.length; i++) maxLevels = Math.max(maxLevels, Math.abs(Math.round(got.data[i] * 255) - quantize01(want.data[i])));
        expect(maxLevels, `${id} frame ${t - 1}`).toBe(0);
      }
    }
  });

  it('--ensemble 8 gives the self-ensemble of the net (eight passes averaged) and says so', async () => {
    const out = path.join(tmp, 'frames-e8');
    const io = capture();
    expect(await main(['upscale', CLIP, out, '--model', 'vsr-restore', '--ensemble', '8', '--threads', '1'], io), io.errText()).toBe(0);
    expect(io.errText()).toMatch(/model vsr-restore, self-ensemble ×8\)/);
    const vsr = await createVsrNode({ threads: 1, modelId: 'vsr-restore' });
    const frames = [0, 1, 2].map((i) => readPng(path.join(CLIP, `frame-${i}.png`)));
    let t = 0, differs = 0;
    const plain: number[][] = [];
    for await (const p of upscaleClipCpu(vsr.sequence(32, 32), frames)) plain.push(Array.from(p.data, quantize01));
    for await (const want of upscaleClipCpu(ensembleSequence((w, h) => vsr.sequence(w, h), 32, 32, 8), frames)) {
      const got = readPng(path.join(out, `${String(t).padStart(5, '0')}.png`));
      let maxLevels = 0;
      for (let i = 0; i < got.data.length; i++) {
        const g = Math.round(got.data[i] * 255);
        maxLevels = Math.max(maxLevels, Math.abs(g - quantize01(want.data[i])));
        if (g !== plain[t][i]) differs++;
      }
      expect(maxLevels, `frame ${t}`).toBe(0);
      t++;
    }
    expect(t).toBe(3);
    expect(differs).toBeGreaterThan(0); // not the single pass
  });

  it('--model auto runs the net the router picks, says which and why, and gives that net\'s frames', async () => {
    // The clip as it is, and blurred (bicubic ×1/2 and back) with noise: the router's two sides.
    const soft = path.join(tmp, 'soft-clip');
    mkdirSync(soft, { recursive: true });
    let seed = 5;
    const u = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
    for (let i = 0; i < 3; i++) {
      const f = readPng(path.join(CLIP, `frame-${i}.png`));
      const b = imresizeImage(imresizeImage(f, 0.5, { kernel: 'cubic' }), 2, { kernel: 'cubic' });
      for (let k = 0; k < b.data.length; k++) b.data[k] = Math.min(1, Math.max(0, b.data[k] + (6 / 255) * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u())));
      writePng(path.join(soft, `frame-${i}.png`), b);
    }
    for (const [clip, expected] of [[CLIP, 'vsr'], [soft, 'vsr-restore']] as const) {
      const out = path.join(tmp, `auto-${expected}`);
      const io = capture();
      expect(await main(['upscale', clip, out, '--model', 'auto', '--threads', '1'], io), io.errText()).toBe(0);
      expect(io.errText()).toMatch(new RegExp(`^auto → ${expected} \\((clearly|likely|narrowly); noise [0-9.]+, edge [0-9.]+ on 3 frames\\)$`, 'm'));
      expect(io.errText()).toMatch(new RegExp(`model ${expected} \\(auto\\)\\)`));
      const direct = path.join(tmp, `direct-${expected}`);
      expect(await main(['upscale', clip, direct, '--model', expected, '--threads', '1', '--quiet'], capture())).toBe(0);
      for (const f of ['00000.png', '00001.png', '00002.png']) expect(readFileSync(path.join(out, f)).equals(readFileSync(path.join(direct, f))), f).toBe(true);
    }
  });

  it('--model auto on a manifest without routes: exit 2 before decoding, saying why', async () => {
    const io = capture();
    expect(await main(['upscale', CLIP, path.join(tmp, 'x'), '--model', 'auto', '--models', path.join(ROOT, 'e2e/fixtures/models')], io)).toBe(2);
    expect(io.errText()).toMatch(/--model auto needs two or more VSR models with a route in the manifest .* has none \(its VSR models: vsr, vsr-restore\)/);
    const both = capture();
    expect(await main(['upscale', CLIP, path.join(tmp, 'x'), '--model', 'auto', '--model-file', path.join(tmp, 'mine.onnx')], both)).toBe(2);
    expect(both.errText()).toMatch(/give --model auto .* or --model-file .*, not both/);
  });

  it.skipIf(!ffmpeg || !haveFfprobe)('writes an MP4: 128×128 H.264, 3 frames', async () => {
    const out = path.join(tmp, 'clip.mp4');
    const io = capture();
    expect(await main(['upscale', CLIP, out, '--crf', '20', '--preset', 'veryfast'], io), io.errText()).toBe(0);
    const v = probe(out).streams.find((s) => s.codec_type === 'video')!;
    expect(v).toMatchObject({ codec_name: 'h264', width: 128, height: 128, nb_read_frames: '3' });
  });

  it.skipIf(!ffmpeg || !haveFfprobe)('keeps the audio of a video input, trimmed to --frames, in MP4 and WebM', async () => {
    const src = path.join(tmp, 'with-audio.mp4');
    const mk = spawnSync(ffmpeg!, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=40x24:rate=10:duration=0.6', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.6',
      '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-y', src]);
    expect(mk.status, String(mk.stderr)).toBe(0);
    for (const [name, codec, audio] of [['a.mp4', 'h264', 'aac'], ['a.webm', 'vp9', 'opus']] as const) {
      const out = path.join(tmp, name);
      const io = capture();
      expect(await main(['upscale', src, out, '--frames', '1:4', '--quiet'], io), io.errText()).toBe(0);
      const streams = probe(out).streams;
      expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: codec, width: 160, height: 96, nb_read_frames: '3' });
      expect(streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe(audio);
    }
  });

  it('writes a single image as one ×4 PNG', async () => {
    const out = path.join(tmp, 'one.png');
    const io = capture();
    expect(await main(['upscale', path.join(ROOT, 'e2e/fixtures/frame-48x32.png'), out, '--quiet'], io), io.errText()).toBe(0);
    const img = readPng(out);
    expect([img.width, img.height]).toEqual([192, 128]);
    const io2 = capture();
    expect(await main(['upscale', CLIP, path.join(tmp, 'many.png'), '--quiet'], io2)).toBe(2);
    expect(io2.errText()).toMatch(/takes one frame/);
  });
});
