import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findNativeFfmpeg } from '../media/ffmpeg-node.ts';
import { parsePipelineParams } from '../pipeline/params.ts';
import { samplePaperParams } from '../pipeline/sample-params.ts';
import { main, type CliIo } from './main.ts';
import { parseFrameRange } from './inputs.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/vqdsr.mjs');
const CLIP = path.join(ROOT, 'e2e/fixtures/clip-32x32'); // 3 real frames, 32×32
const tmp = mkdtempSync(path.join(tmpdir(), 'vqdsr-cli-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capture(): CliIo & { outText: () => string; errText: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return { out: (t) => out.push(t), err: (t) => err.push(t), outText: () => out.join('\n'), errText: () => err.join('\n') };
}

/** sha256 of every file in a folder except run.json (timings). */
function hashes(dir: string): Record<string, string> {
  const h: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) if (f !== 'run.json') h[f] = createHash('sha256').update(readFileSync(path.join(dir, f))).digest('hex');
  return h;
}

function runBin(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
}

describe('inputs named for what they are, not for their extension (issue 15)', () => {
  it('an empty file, a text file called .mp4, junk and an audio-only file each get their own plain message (exit 2)', async () => {
    const cases: [string, Buffer | null, RegExp][] = [
      ['empty.mp4', Buffer.alloc(0), /'.*empty\.mp4' is empty \(0 bytes\)$/],
      ['notes.mp4', Buffer.from('just some text, not a video\n'.repeat(40)), /is not a video or image file \(it holds text\)$/],
      ['junk.mp4', Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919 + 13) % 251)), /not a video or image file ffmpeg understands$/],
    ];
    const ff = findNativeFfmpeg();
    if (ff) {
      // a real audio-only file from Debian's ffmpeg (CI installs it)
      const wav = path.join(tmp, 'tone.m4a');
      const r = spawnSync(ff, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=d=0.5', wav]);
      expect(r.status).toBe(0);
      cases.push(['tone.m4a', null, /tone\.m4a' has sound but no video track$/]);
    }
    for (const [name, bytes, message] of cases) {
      const file = path.join(tmp, name);
      if (bytes) writeFileSync(file, bytes);
      for (const cmd of ['upscale', 'degrade']) {
        const io = capture();
        expect(await main([cmd, file, path.join(tmp, `out-${name}`)], io), `${cmd} ${name}`).toBe(2);
        expect(io.errText().trim(), `${cmd} ${name}`).toMatch(message);
        expect(io.errText()).not.toMatch(/moov atom|Invalid data found|At least one output/);
      }
    }
    expect(ff, 'Debian ffmpeg is installed here (the audio-only case needs it)').toBeTruthy();
  }, 300_000);
});

describe('sizes guarded before work starts (issue 15.1)', () => {
  it('a 7680×4320 PNG (declared in its header) is refused at once with the limit and a smaller size to use', async () => {
    // a real PNG whose IHDR says 7680×4320: the guard must answer from the header, before decoding
    const png = readFileSync(path.join(ROOT, 'e2e/fixtures/frame-96x64.png'));
    const big = Buffer.from(png);
    big.writeUInt32BE(7680, 16);
    big.writeUInt32BE(4320, 20);
    const file = path.join(tmp, 'huge.png');
    writeFileSync(file, big);
    const io = capture();
    expect(await main(['upscale', file, path.join(tmp, 'huge-x4.png')], io)).toBe(2);
    expect(io.errText()).toMatch(/a 7680×4320 input gives a 30720×17280 output \(531 Mpx.*over the limit of 67 Mpx \(8192×8192\)\. Downscale the input to at most 2728×1536/);
    expect(existsSync(path.join(tmp, 'huge-x4.png'))).toBe(false);
    // just under the limit (2048×2048 → 8192×8192) is not refused for its size: the (fake) data fails to decode instead
    big.writeUInt32BE(2048, 16);
    big.writeUInt32BE(2048, 20);
    writeFileSync(file, big);
    const io2 = capture();
    expect(await main(['upscale', file, path.join(tmp, 'ok-x4.png')], io2)).toBe(2);
    expect(io2.errText()).not.toMatch(/over the limit/);
  }, 120_000);
});

describe('vqdsr help and argument errors', () => {
  it('lists the commands; unknown commands and options exit 2 with a message', async () => {
    const io = capture();
    expect(await main(['help'], io)).toBe(0);
    expect(io.outText()).toMatch(/degrade {2}degrade a clip/);
    const io2 = capture();
    expect(await main(['help', 'degrade'], io2)).toBe(0);
    expect(io2.outText()).toMatch(/--batch <list>/);
    const io3 = capture();
    expect(await main(['frobnicate'], io3)).toBe(2);
    expect(io3.errText()).toMatch(/^vqdsr: unknown command 'frobnicate'/);
    const io4 = capture();
    expect(await main(['degrade', CLIP, path.join(tmp, 'x'), '--sed', '3'], io4)).toBe(2);
    expect(io4.errText()).toMatch(/Unknown option '--sed'/);
    const io5 = capture();
    expect(await main(['degrade', CLIP, path.join(tmp, 'x'), '--seed', '1.5'], io5)).toBe(2);
    expect(io5.errText()).toMatch(/--seed must be an integer 0 … 4294967295/);
  });

  it('parses frame ranges', () => {
    expect(parseFrameRange('2:5')).toEqual({ start: 2, end: 5 });
    expect(parseFrameRange('3:')).toEqual({ start: 3, end: Infinity });
    expect(parseFrameRange(':4')).toEqual({ start: 0, end: 4 });
    expect(parseFrameRange('7')).toEqual({ start: 7, end: 8 });
    expect(() => parseFrameRange('5:2')).toThrow(/must be after the start/);
    expect(() => parseFrameRange('a:b')).toThrow(/--frames must look like a:b/);
  });
});

describe('vqdsr degrade on a tiny folder', () => {
  it('writes the frames and the exact params; rejects a bad params file with exit 2 and no stack', async () => {
    const out = path.join(tmp, 'plain');
    const paramsFile = path.join(tmp, 'p.json');
    writeFileSync(paramsFile, JSON.stringify({ version: 1, vqd: { enabled: false }, compress: { codec: 'none' }, down: { factor: 2, method: 'area' }, seed: 3 }));
    const io = capture();
    expect(await main(['degrade', CLIP, out, '--params', paramsFile, '--frames', '1:3', '--quiet'], io)).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['00000.png', '00001.png', 'params.json', 'run.json']);
    const written = JSON.parse(readFileSync(path.join(out, 'params.json'), 'utf8')) as unknown;
    expect(parsePipelineParams(written).params).toEqual(written);
    expect(written).toMatchObject({ seed: 3, down: { factor: 2, method: 'area' }, compress: { codec: 'none' } });
    expect(JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'))).toMatchObject({ frames: 2, width: 16, height: 16, encodedBytes: null });

    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ version: 1, blur: { sigmaX: 'wide' }, compress: { crf: 99, codec: 'h266' } }));
    const r = runBin(['degrade', CLIP, path.join(tmp, 'never'), '--params', bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('invalid pipeline parameters:');
    expect(r.stderr).toContain('blur.sigmaX must be a finite number (got "wide")');
    expect(r.stderr).toContain('compress.crf must be an integer in [0, 51] (got 99)');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(path.join(tmp, 'never'))).toBe(false);

    const missing = runBin(['degrade', path.join(tmp, 'no-such-dir'), path.join(tmp, 'never')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^vqdsr: input not found: /);
  });

  it.skipIf(!findNativeFfmpeg())('--random --seed N gives identical files in two separate runs, and a batch gives the same as single runs', async () => {
    const a = path.join(tmp, 'rand-a');
    const b = path.join(tmp, 'rand-b');
    const r = runBin(['degrade', CLIP, a, '--random', '--seed', '42', '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(await main(['degrade', CLIP, b, '--random', '--seed', '42', '--quiet'], capture())).toBe(0);
    expect(Object.keys(hashes(a))).toEqual(['00000.png', '00001.png', '00002.png', 'params.json']);
    expect(hashes(b)).toEqual(hashes(a));
    expect(JSON.parse(readFileSync(path.join(a, 'params.json'), 'utf8'))).toEqual(samplePaperParams(42));
    const run = JSON.parse(readFileSync(path.join(a, 'run.json'), 'utf8')) as { encodedBytes: number; vqdWeights: string[] };
    expect(run).toMatchObject({ frames: 3, width: 8, height: 8, ffmpeg: 'native', vqdModel: 'vqgan' });
    expect(run.encodedBytes).toBeGreaterThan(0);
    // the weights that made the clip, as the manifest names them (make_vsr_pairs.py --reuse-degraded matches on them)
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'public/models/manifest.json'), 'utf8')) as {
      models: Record<string, { files: { file: string; sha256: string }[] }>;
    };
    const sha = (suffix: string) => manifest.models.vqgan.files.find((f) => f.file.endsWith(suffix))?.sha256;
    expect(run.vqdWeights).toEqual([sha('.encoder.onnx'), sha('.decoder.onnx'), sha('.codebook.bin')]);
    expect(run.vqdWeights.every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);

    // Batch: relative paths resolve against the list's folder; seeds per entry.
    const list = path.join(tmp, 'list.json');
    writeFileSync(list, JSON.stringify([
      { input: CLIP, output: 'batch/0', seed: 42 },
      { input: CLIP, output: 'batch/1', seed: 43, frames: '0:2' },
    ]));
    const io = capture();
    expect(await main(['degrade', '--batch', list, '--random'], io)).toBe(0);
    expect(hashes(path.join(tmp, 'batch/0'))).toEqual(hashes(a));
    expect(readdirSync(path.join(tmp, 'batch/1')).filter((f) => f.endsWith('.png'))).toEqual(['00000.png', '00001.png']);
    expect(io.errText()).toMatch(/batch: 2\/2 clips/);
  });

  it('batch lists are checked before any clip runs', async () => {
    const list = path.join(tmp, 'badlist.json');
    writeFileSync(list, JSON.stringify([{ input: CLIP, output: 'ok' }, { input: CLIP, ouput: 'typo' }]));
    const io = capture();
    expect(await main(['degrade', '--batch', list], io)).toBe(2);
    expect(io.errText()).toMatch(/batch entry 1: unknown field "ouput"/);
    expect(existsSync(path.join(tmp, 'ok'))).toBe(false);
  });
});
