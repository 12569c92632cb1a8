/**
 * train_vsr.py --bf16 on the CPU: training steps under bf16 autocast with the nets in channels_last
 * (oneDNN's bf16 convolutions; 1.8x the steps per second of fp32 on this VM's AMX Xeon). Its steps
 * must be the fp32 steps up to bf16 rounding, or the campaign would train a different net.
 *
 * 1. One optimize_step of the shipped vsr-restore resume weights (lite-deep8) on real frames (the e2e
 *    fixture clip, LR = PIL bicubic x1/4, as the packs make it), fp32 against bf16: the loss and every
 *    weight tensor's gradient agree within bf16's precision, and the output is not bit-equal (so bf16
 *    really ran: a no-op autocast would pass the first two checks trivially).
 * 2. The x4 bilinear that bf16 training takes (a transposed convolution: upsample_bilinear2d's backward
 *    was 16 % of a step) is F.interpolate's bilinear: values and gradients within 1e-6 in fp32 on a real
 *    frame, non-square, at x2 and x4 (gradients relative to their largest); and the net takes it exactly when training in bf16 on the CPU.
 * 3. The trainer end to end with --bf16 on the CPU (tiny net, stand-in pack): it says it runs bf16 with
 *    channels_last on the torch threads asked for (on a CPU without native bf16 it says it ignores --bf16
 *    and trains in fp32: emulated bf16 was 10-20x slower on an AVX2-only EPYC), trains, and its checkpoint
 *    loads into a plain fp32 net.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAKE_STAND_IN_PACK, pythonJson, runPython } from './python-run';

const tmp = mkdtempSync(join(tmpdir(), 'vsr-bf16-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const oneStep = [
  'import copy, json, sys, numpy as np, torch',
  'from PIL import Image',
  "sys.path.insert(0, 'training')",
  'from train_vsr import EMA, PIXEL_LOSSES, optimize_step, prepare_bf16',
  'from vqdsr_models import VSR_CONFIGS, RecurrentVSR',
  'torch.set_num_threads(1)',
  "ck = torch.load('training/resume/vsr_restore34t2_last.pt', map_location='cpu')",
  "base = RecurrentVSR(VSR_CONFIGS['lite-deep8']); base.load_state_dict(ck['emas']['lite-deep8'])",
  "hr = [Image.open(f'e2e/fixtures/clip-64x48/src-{i:02d}.png').convert('RGB') for i in range(4)]",
  't = lambda ims: torch.from_numpy(np.stack([np.asarray(i) for i in ims])).permute(0, 3, 1, 2).float().div(255)',
  'y = t(hr).unsqueeze(0)',
  'x = t([i.resize((16, 12), Image.BICUBIC) for i in hr]).unsqueeze(0)',
  'res = {}',
  'for bf in (False, True):',
  '    m = copy.deepcopy(base)',
  "    prepare_bf16({'n': m}, bf, torch.device('cpu'), lambda s: None)",
  '    opt = torch.optim.Adam(m.parameters(), lr=0.0)   # lr 0: the step leaves the weights, .grad stays',
  "    losses = {'n': []}",
  "    optimize_step({'n': m}, {'n': opt}, {'n': EMA(m, 0.999)}, losses, x, y, 0.0, PIXEL_LOSSES['l1'], bf)",
  "    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf):",
  '        out = m(x).float()',
  "    res[bf] = (losses['n'][0], [p.grad.flatten() for p in m.parameters()], out)",
  '(l0, g0, o0), (l1, g1, o1) = res[False], res[True]',
  'cos = [float(torch.nn.functional.cosine_similarity(a, b, dim=0)) for a, b in zip(g0, g1)]',
  'all_cos = float(torch.nn.functional.cosine_similarity(torch.cat(g0), torch.cat(g1), dim=0))',
  "print(json.dumps({'loss': [l0, l1], 'min_cos': min(cos), 'all_cos': all_cos, 'tensors': len(cos),",
  "                  'out_max': float((o0 - o1).abs().max()), 'out_mean': float((o0 - o1).abs().mean())}))",
].join('\n');

const upsample = [
  'import json, sys, numpy as np, torch, torch.nn.functional as F',
  'from PIL import Image',
  "sys.path.insert(0, 'training')",
  'from vqdsr_models import bilinear_up, bilinear_up_transposed',
  "im = np.asarray(Image.open('e2e/fixtures/clip-64x48/src-00.png').convert('RGB'), dtype=np.float32) / 255",
  'x0 = torch.from_numpy(im).permute(2, 0, 1)[None, :, 5:17, 3:23].contiguous()   # 12 x 20, real content',
  'out = {}',
  'for sf in (2, 4):',
  '    a = x0.clone().requires_grad_(True); b = x0.clone().requires_grad_(True)',
  "    ya = F.interpolate(a, scale_factor=float(sf), mode='bilinear', align_corners=False)",
  '    yb = bilinear_up_transposed(b, sf)',
  '    g = torch.rand(ya.shape, generator=torch.Generator().manual_seed(sf))',
  '    (ya * g).sum().backward(); (yb * g).sum().backward()',
  "    out[f'x{sf}'] = {'shape': list(yb.shape), 'want': list(ya.shape), 'value': float((ya - yb).abs().max()),",
  "                     'grad': float((a.grad - b.grad).abs().max() / a.grad.abs().max())}",
  'from common import cpu_has_native_bf16',
  'xb = x0.bfloat16()',
  "out['bf16_takes_transposed'] = bool(torch.equal(bilinear_up(xb, 4), bilinear_up_transposed(xb, 4))) if cpu_has_native_bf16() else None",
  "out['fp32_takes_interpolate'] = bool(torch.equal(bilinear_up(x0, 4), F.interpolate(x0, scale_factor=4.0, mode='bilinear', align_corners=False)))",
  'print(json.dumps(out))',
].join('\n');

/** Whether this CPU has bf16 in hardware (common.cpu_has_native_bf16 reads the same flags): only there does the
 * trainer take the bf16 path, so only there are its numerics checked; elsewhere the check is that it does not. */
const cpuFlags = (readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? '').split(/\s+/);
const NATIVE_BF16 = cpuFlags.includes('avx512_bf16') || cpuFlags.includes('amx_bf16');

const refuses = [
  'import json, sys, torch',
  "sys.path.insert(0, 'training')",
  'from train_vsr import prepare_bf16',
  'from vqdsr_models import VSR_CONFIGS, RecurrentVSR',
  "m = RecurrentVSR(VSR_CONFIGS['tiny-lite'])",
  'said = []',
  "used = prepare_bf16({'n': m}, True, torch.device('cpu'), said.append)",
  "w = next(p for p in m.parameters() if p.dim() == 4 and p.shape[1] > 1 and p.shape[-1] == 3)   # a 3x3 conv: NCHW and NHWC differ",
  "print(json.dumps({'used': used, 'said': said, 'channels_last': w.is_contiguous(memory_format=torch.channels_last) and not w.is_contiguous()}))",
].join('\n');

describe('train_vsr.py --bf16 on the CPU', () => {
  it.skipIf(NATIVE_BF16)('on a CPU without native bf16 (this one) the trainer does not take the bf16 path: fp32, said in its log, nets left as they are', () => {
    const s = pythonJson<{ used: boolean; said: string[]; channels_last: boolean }>(refuses);
    expect(s.used).toBe(false);
    expect(s.said.join('\n')).toMatch(/--bf16 ignored: this CPU has no native bf16/);
    expect(s.channels_last).toBe(false);
  }, 60_000);

  // The bf16 path's numerics where the trainer takes it (an AVX2-only CPU emulates bf16 with other rounding:
  // whole-gradient cosine 0.9979 there, and has no bf16 conv_transpose2d at all).
  it.runIf(NATIVE_BF16)('a bf16 step computes the fp32 step: loss and gradients within bf16 precision, on shipped weights and real frames (CPUs with native bf16)', () => {
    const s = pythonJson<{ loss: [number, number]; min_cos: number; all_cos: number; tensors: number; out_max: number; out_mean: number }>(oneStep);
    expect(s.tensors).toBeGreaterThan(50); // every conv weight and bias of the 8/8/8 net
    // bf16 keeps 8 significant bits (relative rounding 2^-9 = 0.002 per op); the loss is a mean over
    // 37k outputs whose rounding errors largely cancel: within 0.2 % of the fp32 loss
    expect(Math.abs(s.loss[1] - s.loss[0]) / s.loss[0]).toBeLessThanOrEqual(0.002);
    expect(s.loss[1]).not.toBe(s.loss[0]); // optimize_step's own autocast ran: a no-op would be bit-equal
    // the whole gradient points the same way (cosine 0.999 = 2.6 degrees; measured 0.9996), and so does
    // every weight tensor's within 8 degrees (0.99): the ones with the smallest gradients (norm ~1e-4,
    // deep 1/2- and 1/4-scale blocks of a trained net) take bf16's rounding noise the most (measured
    // down to 0.993; an fp32 reference with this precision would not need a bound, a wrong layout or
    // a wrong cast gives cosines far below)
    expect(s.all_cos).toBeGreaterThanOrEqual(0.999);
    expect(s.min_cos).toBeGreaterThanOrEqual(0.99);
    // the output is the bicubic base (fp32) plus a bf16 residual: within 2 8-bit levels everywhere
    // (measured 1.06 at most, 0.08 on average), and not bit-equal (bf16 really ran)
    expect(s.out_max).toBeLessThanOrEqual(2 / 255);
    expect(s.out_mean).toBeGreaterThan(0);
  }, 120_000);

  it('the bf16 training path\'s x4 bilinear is F.interpolate\'s: values and gradients within 1e-6 in fp32', () => {
    const s = pythonJson<Record<string, { shape: number[]; want: number[]; value: number; grad: number }> & {
      bf16_takes_transposed: boolean | null; fp32_takes_interpolate: boolean;
    }>(upsample);
    for (const k of ['x2', 'x4']) {
      expect(s[k]!.shape).toEqual(s[k]!.want);
      // fp32 sums of the same few products in another order: ~1e-7 on values in [0, 1]; the gradient
      // (up to ~16 at the edges, where the replicated border gathers) relative to its largest
      expect(s[k]!.value).toBeLessThanOrEqual(1e-6);
      expect(s[k]!.grad).toBeLessThanOrEqual(1e-6);
    }
    // the bf16 x4 takes the transposed convolution where bf16 training runs (native bf16 only: the script says null elsewhere)
    expect(s.bf16_takes_transposed).toBe(NATIVE_BF16 ? true : null);
    expect(s.fp32_takes_interpolate).toBe(true);
  });

  it('the trainer runs --bf16 on the CPU (channels_last) where the CPU has bf16 (fp32 elsewhere, said in its log), trains, and its checkpoint loads into a plain net', () => {
    const pack = join(tmp, 'pack.npz');
    runPython(['-c', MAKE_STAND_IN_PACK, pack]);
    const run = join(tmp, 'run');
    runPython(
      ['training/train_vsr.py', '--pack', pack, '--allow-stand-in', '--configs', 'tiny-lite', '--device', 'cpu', '--bf16',
        '--seconds', '4', '--batch', '2', '--lr-crop', '8', '--frames', '3', '--lr', '1e-3', '--threads', '1',
        '--run-dir', run, '--log-every', '100'],
    );
    const log = readFileSync(join(run, 'log.txt'), 'utf8');
    // bf16 where the CPU has it in hardware; elsewhere (an AVX2-only CPU) the trainer says so and runs fp32
    expect(log).toMatch(NATIVE_BF16 ? /bf16 autocast on the CPU, nets in channels_last/ : /--bf16 ignored: this CPU has no native bf16/);
    // --threads reaches torch in pack mode (it did not: pack mode ran 2 threads whatever was asked)
    expect(log).toMatch(/torch threads 1\n/);
    expect(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')).bf16).toBe(NATIVE_BF16);
    const load = [
      'import json, sys, torch',
      "sys.path.insert(0, 'training')",
      'from vqdsr_models import VSR_CONFIGS, RecurrentVSR',
      "ck = torch.load(sys.argv[1], map_location='cpu')",
      "m = RecurrentVSR(VSR_CONFIGS['tiny-lite']); m.load_state_dict(ck['models']['tiny-lite'])",
      "fresh = RecurrentVSR(VSR_CONFIGS['tiny-lite'])",
      "moved = sum(float((a - b).abs().sum()) for a, b in zip(m.fuse[-1].parameters(), fresh.fuse[-1].parameters()))",
      "print(json.dumps({'step': ck['step'], 'finite': all(bool(p.isfinite().all()) for p in m.parameters()), 'moved': moved}))",
    ].join('\n');
    const s = pythonJson<{ step: number; finite: boolean; moved: number }>(load, join(run, 'last.pt'));
    expect(s.step).toBeGreaterThan(0);
    expect(s.finite).toBe(true);
    // the output layer starts at zero (the net starts as bicubic): training moved it
    expect(s.moved).toBeGreaterThan(0);
  }, 120_000);
});
