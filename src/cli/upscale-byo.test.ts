/**
 * `vqdsr upscale --model-file`: a model of the user's own, built by the tests
 * (src/pipeline/byo/test-models.ts), inferred as the app does and run over the 3-frame 32×32 clip.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPng } from '../media/png.ts';
import * as models from '../pipeline/byo/test-models.ts';
import { main, type CliIo } from './main.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLIP = path.join(ROOT, 'e2e/fixtures/clip-32x32'); // 3 real frames, 32×32
const tmp = mkdtempSync(path.join(tmpdir(), 'vqdsr-byo-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function modelFile(name: string, make: () => Uint8Array): string {
  const f = path.join(tmp, name);
  writeFileSync(f, make());
  return f;
}

function capture(): CliIo & { errText: () => string } {
  const err: string[] = [];
  return { out: () => undefined, err: (t) => err.push(t), errText: () => err.join('\n') };
}

describe('vqdsr upscale --model-file', () => {
  it('runs a ×2 single-frame model: each frame nearest-neighbour ×2 (64×64), with what was inferred on stderr', async () => {
    const out = path.join(tmp, 'x2-frames');
    const io = capture();
    // --scale: the net's own ×2 (no resampling around it), whatever the default output size is.
    expect(await main(['upscale', CLIP, out, '--model-file', modelFile('x2-nearest.onnx', models.x2Nearest), '--scale', '2', '--threads', '1'], io), io.errText()).toBe(0);
    expect(io.errText()).toMatch(/model x2-nearest\.onnx: single-frame ×2, NCHW RGB, values 0–1, any frame size \(×2: a 32×32 test frame came out 64×64/);
    const files = readdirSync(out).sort();
    expect(files).toEqual(['00000.png', '00001.png', '00002.png']);
    const inputs = readdirSync(CLIP).filter((f) => f.endsWith('.png')).sort();
    for (let k = 0; k < 3; k++) {
      const got = readPng(path.join(out, files[k]));
      const src = readPng(path.join(CLIP, inputs[k]));
      expect([got.width, got.height]).toEqual([64, 64]);
      let maxErr = 0;
      for (let c = 0; c < 3; c++) for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) maxErr = Math.max(maxErr, Math.abs(got.data[(c * 64 + y) * 64 + x] - src.data[(c * 32 + (y >> 1)) * 32 + (x >> 1)]));
      expect(maxErr * 255, `frame ${k}`).toBeLessThan(0.51); // both quantised to 8 bits: the same levels
    }
  });

  it('runs a ×4 model in 0–255 and a ×3 of fixed input size at their own scales', async () => {
    for (const [name, make, scale] of [['x4-255.onnx', models.x4Cubic255, 4], ['x3-fixed.onnx', models.x3Fixed24, 3]] as const) {
      const out = path.join(tmp, `${name}.png`);
      const io = capture();
      const side = 32 * scale;
      expect(await main(['upscale', path.join(CLIP, readdirSync(CLIP).sort()[0]), out, '--model-file', modelFile(name, make), '--scale', String(scale), '--threads', '1', '--quiet'], io), io.errText()).toBe(0);
      const png = readPng(out);
      expect([png.width, png.height], name).toEqual([side, side]);
    }
  });

  it('asks what it cannot infer through options, and runs once answered', async () => {
    const washed = modelFile('washed.onnx', models.x2Washed);
    const io = capture();
    expect(await main(['upscale', CLIP, path.join(tmp, 'w'), '--model-file', washed], io)).toBe(2);
    expect(io.errText()).toMatch(/neither reading of washed\.onnx's values gives the test frame back.*answer with --model-range 1\|255; the closer reading was 0–1/);
    const io2 = capture();
    expect(await main(['upscale', CLIP, path.join(tmp, 'w'), '--model-file', washed, '--model-range', '1', '--threads', '1'], io2), io2.errText()).toBe(0);
    expect(io2.errText()).toMatch(/values 0–1: as you said/);

    const rec = modelFile('rec.onnx', () => models.recurrentX2('C'));
    const io3 = capture();
    expect(await main(['upscale', CLIP, path.join(tmp, 'r'), '--model-file', rec], io3)).toBe(2);
    expect(io3.errText()).toMatch(/does not fix the state's channel count .*answer with --model-state-width <C>/);
    const io4 = capture();
    expect(await main(['upscale', CLIP, path.join(tmp, 'r'), '--model-file', rec, '--model-state-width', '4', '--scale', '2', '--threads', '1'], io4), io4.errText()).toBe(0);
    expect(readPng(path.join(tmp, 'r', '00002.png')).width).toBe(64);
  });

  it('refuses a model it cannot run, and bad option combinations, with exit 2 and a message', async () => {
    const cases: [string[], RegExp][] = [
      [['--model-file', modelFile('rank3.onnx', models.rank3Input)], /rank3\.onnx's input 'x' has rank 3/],
      [['--model-file', modelFile('op.onnx', models.unsupportedOp)], /op\.onnx cannot be loaded: it uses the operator NoSuchUpsample/],
      [['--model-file', modelFile('cut.onnx', models.truncated)], /cut\.onnx is not a complete ONNX model/],
      [['--model-file', path.join(tmp, 'missing.onnx')], /cannot read the model file .*missing\.onnx/],
      [['--model-file', modelFile('a.onnx', models.x2Nearest), '--model', 'vsr'], /--model .* or --model-file .*, not both/],
      [['--model-range', '255'], /answer questions about a --model-file/],
      [['--model-file', modelFile('b.onnx', models.x2Nearest), '--model-range', '100'], /--model-range must be 1 .* or 255/],
    ];
    for (const [args, msg] of cases) {
      const io = capture();
      expect(await main(['upscale', CLIP, path.join(tmp, 'bad'), ...args], io), args.join(' ')).toBe(2);
      expect(io.errText()).toMatch(msg);
    }
  });
});
