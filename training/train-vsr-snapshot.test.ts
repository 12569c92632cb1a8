/**
 * train_vsr.py --snapshot-every (pack mode): a run that may overfit (a small pack on a lent GPU)
 * leaves its EMA weights at several points with their held-out scores, so the best point can be
 * picked afterwards. Checked on a tiny pack of procedural clips: every snapshot line in the campaign
 * log names a file that exists, and the weights in that file score exactly what the line says when
 * evaluated again (so the file holds the weights that were scored, not the live ones). The pack
 * carries web-quality LR too, trained on (--p-web) and scored as a third condition. A snapshot exported
 * by export_checkpoint.py runs in onnxruntime as it runs in torch.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAKE_STAND_IN_PACK, pythonJson, runPython } from './python-run';

const tmp = mkdtempSync(join(tmpdir(), 'vsr-snap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Re-scores each snapshot named in the campaign log on the pack's held-out clips. */
const rescore = [
  'import json, sys, torch',
  "sys.path.insert(0, 'training')",
  'from train_vsr import load_pack, evaluate',
  'from vqdsr_models import VSR_CONFIGS, RecurrentVSR',
  'torch.set_num_threads(1)',
  'data = load_pack(sys.argv[1], threads=1)',
  'held = data["heldout"].nonzero().flatten()',
  'out = []',
  'for line in open(sys.argv[2]):',
  '    rec = json.loads(line)',
  '    ck = torch.load(sys.argv[3] + "/" + rec["snapshot"], map_location="cpu")',
  '    m = RecurrentVSR(VSR_CONFIGS["tiny-lite"]); m.load_state_dict(ck["emas"]["tiny-lite"]); m.eval()',
  '    ev = evaluate({"tiny-lite": m}, data, held, torch.device("cpu"))',
  '    wsum = float(sum(p.double().abs().sum() for p in m.parameters()))',
  '    out.append({"step": ck["step"], "logged": rec["degraded"]["tiny-lite"], "again": ev["degraded"]["tiny-lite"]["psnr_y"], "wsum": wsum})',
  'print(json.dumps(out))',
].join('\n');

/** The torch step of a snapshot's EMA net on a fixed 12 x 8 input (sides a multiple of 4, as the app
 * pads): out and state_out, flattened. */
const torchStep = [
  'import json, sys, torch',
  "sys.path.insert(0, 'training')",
  'from vqdsr_models import VSR_CONFIGS, RecurrentVSR, VSRStepExport',
  'torch.set_num_threads(1)',
  'ck = torch.load(sys.argv[1], map_location="cpu")',
  'm = RecurrentVSR(VSR_CONFIGS["tiny-lite"]); m.load_state_dict(ck["emas"]["tiny-lite"]); m.eval()',
  'g = torch.Generator().manual_seed(5)',
  'x = [torch.rand(1, 3, 12, 8, generator=g) for _ in range(3)]',
  's = torch.rand(1, m.cfg.width, 12, 8, generator=g) * 0.5',
  'with torch.no_grad(): out, st = VSRStepExport(m)(*x, s)',
  'print(json.dumps({"inputs": [t.flatten().tolist() for t in x], "state": s.flatten().tolist(), "width": m.cfg.width,',
  '                  "out": out.flatten().tolist(), "out_dims": list(out.shape), "state_out": st.flatten().tolist()}))',
].join('\n');

describe('train_vsr.py --snapshot-every', () => {
  it('saves EMA snapshots whose weights score what the campaign log says, and exports them', async () => {
    const pack = join(tmp, 'pack.npz');
    runPython(['-c', MAKE_STAND_IN_PACK, pack]);
    const run = join(tmp, 'run');
    const log = join(tmp, 'campaign.jsonl');
    runPython(
      ['training/train_vsr.py', '--pack', pack, '--allow-stand-in', '--configs', 'tiny-lite', '--device', 'cpu',
        '--seconds', '12', '--batch', '2', '--lr-crop', '8', '--frames', '3', '--lr', '1e-3', '--threads', '1', '--p-web', '0.4',
        '--snapshot-every', '2', '--run-dir', run, '--campaign-log', log, '--log-every', '100'],
    );
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) {
      expect(existsSync(join(run, l.snapshot))).toBe(true);
      expect(l.degraded.bicubic).toBeGreaterThan(10);
      // the pack's web LR is scored too (a separate input: bilinear, not the bicubic LR above)
      expect(l.web.bicubic).toBeGreaterThan(10);
      expect(l.web.bicubic).not.toBe(l.degraded.bicubic);
    }
    const scores = pythonJson<{ step: number; logged: number; again: number; wsum: number }[]>(rescore, pack, log, run);
    expect(scores.map((s) => s.step)).toEqual(lines.map((l) => l.step));
    // the same fp32 computation on the same weights: equal to the 3 decimals the log keeps
    for (const s of scores) expect(Math.abs(s.again - s.logged)).toBeLessThanOrEqual(0.0015);
    // and training moved the net between two snapshots (the file is not the initial weights each time).
    // Compared on the weights: a score rounded to 3 decimals can stay put over the few EMA steps a
    // loaded machine fits between two snapshots 2 s apart.
    expect(scores[scores.length - 1]!.step).toBeGreaterThan(scores[0]!.step);
    expect(scores[scores.length - 1]!.wsum).not.toBe(scores[0]!.wsum);

    // export_checkpoint.py turns an EMA-only snapshot into the step ONNX the quality bench takes, and
    // that graph computes what the snapshot's net computes (onnxruntime-node vs torch, both fp32)
    const snap = join(run, lines[lines.length - 1]!.snapshot);
    const onnxDir = join(tmp, 'onnx');
    runPython(['training/export_checkpoint.py', snap, onnxDir, '--threads', '1']);
    const want = pythonJson<{
      inputs: number[][]; state: number[]; width: number; out: number[]; out_dims: number[]; state_out: number[];
    }>(torchStep, snap);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(join(onnxDir, 'vsr.step.onnx'));
    const t = (d: number[], c: number) => new ort.Tensor('float32', Float32Array.from(d), [1, c, 12, 8]);
    const got = await session.run({
      prev: t(want.inputs[0]!, 3), cur: t(want.inputs[1]!, 3), next: t(want.inputs[2]!, 3), state: t(want.state, want.width),
    });
    expect(Array.from(got.out!.dims)).toEqual(want.out_dims);
    const maxDiff = (a: ArrayLike<number>, b: number[]) => b.reduce((m, v, i) => Math.max(m, Math.abs(v - Number(a[i]))), 0);
    // same fp32 graph, different kernels (oneDNN/MLAS order of sums): 1e-4 is ~1/40 of an 8-bit level
    expect(maxDiff(got.out!.data as Float32Array, want.out)).toBeLessThanOrEqual(1e-4);
    expect(maxDiff(got.state_out!.data as Float32Array, want.state_out)).toBeLessThanOrEqual(1e-4);
    await session.release();
  }, 120_000);
});
