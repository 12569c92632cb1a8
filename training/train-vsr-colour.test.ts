/**
 * train_vsr.py --colour-weight: the pixel loss (L1 / Charbonnier) fits the median of what an input may
 * have been; where the errors are skewed (x264's 4:2:0 chroma clipped at black outlines) that median
 * is a colour cast. The colour term (|crop-mean error| per channel) makes the optimum the mean.
 *
 * Checked on the loss itself, by exhaustive search of a constant output against a skewed target
 * (one crop of exponential samples: median ~ln 2, mean ~1): L1 alone picks the median, L1 + 1 x
 * colour term the mean; the term of an output biased by ±0.25 per channel is 0.25, and an error that
 * is zero-mean in every crop (texture, edges) costs nothing in it. The grid search has no optimiser that could
 * stop early, so a wrong optimum cannot pass by accident.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PY = '/usr/bin/python3';

const script = [
  'import json, sys, torch',
  "sys.path.insert(0, 'training')",
  'from train_vsr import PIXEL_LOSSES, charbonnier, colour_bias, with_colour_term',
  'torch.manual_seed(0)',
  '# one crop (clip, frame, channel) of 64 x 64 exponential values (skewed); the net sets each',
  '# crop\'s level on its own, so one crop is the unit the optimum is about',
  't = torch.empty(1, 1, 1, 64, 64).exponential_(1.0).double()',
  'grid = torch.linspace(0.3, 1.5, 1201).double()',
  'def best(loss):',
  '    vals = torch.stack([loss(torch.full_like(t, float(b)), t) for b in grid])',
  '    return float(grid[vals.argmin()])',
  '# an error that is zero-mean in every crop and channel (texture, edges) costs nothing here',
  'p = torch.rand_like(t); p = p - p.mean(dim=(-2, -1), keepdim=True)',
  'out = {',
  "  'median': float(t.flatten().median()), 'mean': float(t.mean()),",
  "  'l1': best(PIXEL_LOSSES['l1']), 'l1_colour': best(with_colour_term(PIXEL_LOSSES['l1'], 1.0)),",
  "  'charb': best(charbonnier), 'charb_colour': best(with_colour_term(charbonnier, 1.0)),",
  "  'off_is_same': with_colour_term(charbonnier, 0.0) is charbonnier,",
  '  \'bias_of_shift\': float(colour_bias(t.expand(2, 2, 3, 64, 64) + torch.tensor([0.25, -0.25, 0.25]).view(3, 1, 1), t)),',
  "  'bias_of_zero_mean': float(colour_bias(t + p, t)), 'l1_of_zero_mean': float(PIXEL_LOSSES['l1'](t + p, t)),",
  '}',
  'print(json.dumps(out))',
].join('\n');

describe('train_vsr.py colour term', () => {
  it('moves the optimum of a constant output from the median to the mean', () => {
    const r = spawnSync(PY, ['-c', script], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout) as Record<string, number | boolean>;
    const median = o.median as number;
    const mean = o.mean as number;
    // the two are far apart for exponential samples (ln 2 vs 1), so the checks below can tell them apart
    expect(mean - median).toBeGreaterThan(0.25);
    const step = 0.001; // the grid's spacing
    // the median of an even count is any point between the two middle samples: allow two grid steps
    expect(Math.abs((o.l1 as number) - median)).toBeLessThanOrEqual(2 * step + 0.002);
    expect(Math.abs((o.charb as number) - median)).toBeLessThanOrEqual(2 * step + 0.002);
    expect(Math.abs((o.l1_colour as number) - mean)).toBeLessThanOrEqual(step);
    expect(Math.abs((o.charb_colour as number) - mean)).toBeLessThanOrEqual(step);
    expect(o.off_is_same).toBe(true);
    expect(o.bias_of_shift as number).toBeCloseTo(0.25, 6);
    expect(o.l1_of_zero_mean as number).toBeGreaterThan(0.1);
    // colour_bias works in float32 (as training does): zero up to its rounding, 1e-5 of the L1 above
    expect(o.bias_of_zero_mean as number).toBeLessThan(1e-6);
  }, 60_000);
});
