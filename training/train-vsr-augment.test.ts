/**
 * train_vsr.py's sample_batch augmentation: every sampled LR/HR pair stays aligned (the HR crop is
 * the HR of the LR crop under the same symmetry), and the symmetries drawn are the x mirror alone by
 * default, all 8 of the square with --dihedral (each with and without time reversal).
 *
 * A clip of a ramp of values (0…250 repeating: no two of its 16 transforms are equal), HR =
 * LR repeated 4x4 (nearest), crops the size of the frame (so the crop position cannot hide a symmetry):
 * each sample is matched against the 16 transforms of the clip; a sample matching none fails.
 */
import { describe, expect, it } from 'vitest';
import { pythonJson } from './python-run';

const script = [
  'import json, sys, torch',
  "sys.path.insert(0, 'training')",
  'from train_vsr import sample_batch',
  'T, h = 3, 8',
  'lr = torch.arange(T * 3 * h * h).remainder(251).to(torch.uint8).view(1, T, 3, h, h)',
  'hr = lr.repeat_interleave(4, dim=-1).repeat_interleave(4, dim=-2)',
  "data = {'hr': hr, 'lr': lr, 'lrc': lr}",
  'def transforms(x):',
  '    out = {}',
  '    for t in (0, 1):',
  '        for s in range(8):',
  '            y = x.flip(0) if t else x',
  '            y = y.flip(-1) if s & 1 else y',
  '            y = y.flip(-2) if s & 2 else y',
  '            y = y.transpose(-1, -2) if s & 4 else y',
  "            out[f'{t}{s}'] = y",
  '    return out',
  'ref_lr, ref_hr = transforms(lr[0].float() / 255), transforms(hr[0].float() / 255)',
  'res = {}',
  'for dihedral in (False, True):',
  '    gen = torch.Generator().manual_seed(1)',
  '    seen, unmatched = {}, 0',
  '    for _ in range(8):',
  "        a, b = sample_batch(data, torch.tensor([0]), 32, h, 0.0, gen, torch.device('cpu'), 0.0, dihedral)",
  '        for i in range(a.shape[0]):',
  '            keys = [k for k in ref_lr if torch.equal(a[i], ref_lr[k]) and torch.equal(b[i], ref_hr[k])]',
  '            unmatched += not keys',
  '            for k in keys: seen[k] = seen.get(k, 0) + 1',
  "    res['dihedral' if dihedral else 'default'] = {'seen': sorted(seen), 'unmatched': unmatched}",
  'print(json.dumps(res))',
].join('\n');

describe('train_vsr.py sample_batch augmentation', () => {
  it('keeps LR and HR aligned and draws the x mirror by default, all 8 symmetries with --dihedral', () => {
    const s = pythonJson<Record<'default' | 'dihedral', { seen: string[]; unmatched: number }>>(script);
    // 256 samples each: every one is the clip under a symmetry, LR and HR under the same one
    expect(s.default.unmatched).toBe(0);
    expect(s.dihedral.unmatched).toBe(0);
    // key = time reversal (0/1) + symmetry bits (1 x mirror, 2 y mirror, 4 transpose)
    expect(s.default.seen).toEqual(['00', '01', '10', '11']);
    expect(s.dihedral.seen).toEqual(['00', '01', '02', '03', '04', '05', '06', '07', '10', '11', '12', '13', '14', '15', '16', '17']);
  });
});
