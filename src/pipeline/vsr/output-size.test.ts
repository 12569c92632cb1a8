import { describe, expect, it } from 'vitest';
import { createImage } from '../../core/image';
import { createPlanResamplerCpu } from './output-resample';
import { FIT_BOXES, OUTPUT_SIZES, OutputSizeError, describePlan, fitInBox, outputSizeOf, outputSizeProblem, planOutputSize, smallerOutputsFor } from './output-size';

describe('output sizes', () => {
  it('×2, ×3, ×4 multiply both sides; even sides for video floor odd ones', () => {
    expect(outputSizeOf(96, 54, 'x2')).toEqual({ width: 192, height: 108 });
    expect(outputSizeOf(33, 21, 'x3')).toEqual({ width: 99, height: 63 });
    expect(outputSizeOf(33, 21, 'x3', { even: true })).toEqual({ width: 98, height: 62 });
    expect(outputSizeOf(33, 21, 'x4', { even: true })).toEqual({ width: 132, height: 84 });
  });

  it('fit: the largest size of the same aspect inside each box, turned for portrait input', () => {
    // 16:9 fills every box exactly
    expect(fitInBox(480, 270, '720p')).toEqual({ width: 1280, height: 720 });
    expect(fitInBox(480, 270, '1080p')).toEqual({ width: 1920, height: 1080 });
    expect(fitInBox(480, 270, '1440p')).toEqual({ width: 2560, height: 1440 });
    expect(fitInBox(480, 270, '2160p')).toEqual({ width: 3840, height: 2160 });
    // 4:3: the height meets the box, the width is 4/3 of it
    expect(fitInBox(640, 480, '1080p')).toEqual({ width: 1440, height: 1080 });
    expect(fitInBox(640, 480, '720p')).toEqual({ width: 960, height: 720 });
    // square: the short side of the box
    expect(fitInBox(256, 256, '2160p')).toEqual({ width: 2160, height: 2160 });
    // wider than 16:9 (2.39:1): the width meets the box, the height floored
    expect(fitInBox(956, 400, '1080p')).toEqual({ width: 1920, height: 803 }); // 400·1920/956 = 803.3
    // portrait 9:16 in the turned box 1080×1920
    expect(fitInBox(270, 480, '1080p')).toEqual({ width: 1080, height: 1920 });
    expect(fitInBox(300, 500, '720p')).toEqual({ width: 720, height: 1200 });
    // even for video: 803 → 802
    expect(outputSizeOf(956, 400, '1080p', { even: true })).toEqual({ width: 1920, height: 802 });
    // every fit stays inside its (turned) box, meets it on one side and keeps the aspect to a pixel
    for (const [w, h] of [[97, 55], [320, 241], [1000, 3], [3, 1000], [1279, 719]]) {
      for (const id of ['720p', '1080p', '1440p', '2160p'] as const) {
        const s = fitInBox(w, h, id);
        const { long, short } = FIT_BOXES[id];
        const [bw, bh] = w >= h ? [long, short] : [short, long];
        expect(s.width <= bw && s.height <= bh, `${w}×${h} ${id}`).toBe(true);
        expect(s.width === bw || s.height === bh, `${w}×${h} ${id}`).toBe(true);
        // the floored side is within one pixel of the exact aspect
        expect(Math.abs(s.width * h - s.height * w), `${w}×${h} ${id} aspect`).toBeLessThan(Math.max(w, h));
      }
    }
  });

  it('plans ×2 as the net at the input size, then a Lanczos shrink of its ×4', () => {
    const p = planOutputSize(96, 54, 'x2');
    expect(p).toMatchObject({ strategy: 'post', net: { width: 96, height: 54 }, netOut: { width: 384, height: 216 }, output: { width: 192, height: 108 }, pre: false, post: true, scale: 2 });
    expect(describePlan(p)).toBe('96×54 → 192×108: net ×4 to 384×216, Lanczos-3 to 192×108');
    expect(planOutputSize(96, 54, 'x4')).toMatchObject({ pre: false, post: false, output: { width: 384, height: 216 } });
  });

  it('plans enhance as ×1/4, the net, and back to exactly the input size', () => {
    expect(planOutputSize(384, 216, 'enhance')).toMatchObject({ net: { width: 96, height: 54 }, netOut: { width: 384, height: 216 }, output: { width: 384, height: 216 }, pre: true, post: false });
    // sides that are not multiples of 4: round(w/4), then the ×4 resampled to the exact size
    const p = planOutputSize(66, 37, 'enhance');
    expect(p).toMatchObject({ net: { width: 17, height: 9 }, netOut: { width: 68, height: 36 }, output: { width: 66, height: 37 }, post: true });
    expect(planOutputSize(66, 37, 'enhance', { even: true }).output).toEqual({ width: 66, height: 36 });
    expect(planOutputSize(3, 2, 'enhance').net).toEqual({ width: 1, height: 1 });
  });

  it('past ×4 (a fit box far larger than the clip) the net’s ×4 is enlarged, and the plan says so', () => {
    const p = planOutputSize(256, 256, '2160p');
    expect(p).toMatchObject({ netOut: { width: 1024, height: 1024 }, output: { width: 2160, height: 2160 }, post: true });
    expect(describePlan(p)).toMatch(/past the net’s ×4/);
  });

  it('refuses a box the input already fills, and sizes over the limit, naming why', () => {
    expect(() => planOutputSize(1920, 1080, '1080p')).toThrow(OutputSizeError);
    expect(outputSizeProblem(1920, 1080, '720p')).toMatch(/already fills the fit 720p \(1280×720\) box.*use enhance/);
    expect(outputSizeProblem(1920, 1080, '1440p')).toBeNull();
    expect(outputSizeProblem(7680, 4320, 'x2')).toMatch(/15360×8640, over the limit of 67 Mpx/);
    expect(outputSizeProblem(2560, 1440, 'x4')).toBeNull(); // 10240×5760: 59 Mpx
    expect(outputSizeProblem(3840, 2160, 'x4')).toMatch(/15360×8640 output/); // the existing guard's message
    expect(outputSizeProblem(7680, 4320, 'enhance')).toBeNull();
  });

  it('over the limit at ×4 but not at the output size: the net runs on a shrunk input instead', () => {
    // 3840×2160 ×2 = 7680×4320 (33 Mpx) fits; its ×4 intermediate (133 Mpx) does not.
    const p = planOutputSize(3840, 2160, 'x2');
    expect(p).toMatchObject({ strategy: 'pre-shrink', net: { width: 1920, height: 1080 }, netOut: { width: 7680, height: 4320 }, output: { width: 7680, height: 4320 }, pre: true, post: false });
    expect(outputSizeProblem(3840, 2160, 'x3')).toMatch(/over the limit/); // 11520×6480 = 75 Mpx
    expect(smallerOutputsFor(3840, 2160)).toEqual(['x2', 'enhance']);
    expect(smallerOutputsFor(7680, 4320)).toEqual(['enhance']);
  });

  it('every id plans for a range of inputs, and the resampler gives frames of the planned sizes', () => {
    for (const [w, h] of [[64, 64], [96, 54], [33, 21], [5, 3], [720, 1280]]) {
      for (const id of OUTPUT_SIZES) {
        let p;
        try {
          p = planOutputSize(w, h, id, { even: true });
        } catch (e) {
          expect(e, `${w}×${h} ${id}`).toBeInstanceOf(OutputSizeError);
          continue;
        }
        expect(p.output.width % 2 + (p.output.height % 2)).toBe(0);
        expect(p.netOut).toEqual({ width: 4 * p.net.width, height: 4 * p.net.height });
        if (p.output.width * p.output.height <= 400 * 400) {
          const r = createPlanResamplerCpu(p);
          const net = r.pre(createImage(w, h, 3));
          expect([net.width, net.height]).toEqual([p.net.width, p.net.height]);
          const out = r.post(createImage(p.netOut.width, p.netOut.height, 3));
          expect([out.width, out.height]).toEqual([p.output.width, p.output.height]);
        }
      }
    }
  });
});
