/**
 * Image metrics off the main thread: NIQE on a 1080p frame takes seconds in JS,
 * SSIM a few hundred ms, and the compare view must stay responsive meanwhile.
 * One request at a time per message; answers carry the request id.
 */
import { rgba8ToY } from '../../metrics/color';
import { psnrPlane } from '../../metrics/psnr';
import { ssimPlane } from '../../metrics/ssim';
import { niqeFromLuma } from '../../metrics/niqe';
import type { MetricRequest, MetricResponse } from './metrics-client';

self.onmessage = (e: MessageEvent<MetricRequest>) => {
  const { id, image, reference } = e.data;
  let res: MetricResponse;
  try {
    const y = rgba8ToY(image.data, image.width, image.height);
    if (reference) {
      const r = rgba8ToY(reference.data, reference.width, reference.height);
      res = { id, result: { kind: 'full-reference', psnr: psnrPlane(y, r), ssim: ssimPlane(y, r) } };
    } else {
      res = { id, result: { kind: 'no-reference', niqe: niqeFromLuma(y) } };
    }
  } catch (err) {
    res = { id, result: { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) } };
  }
  (self as unknown as Worker).postMessage(res);
};
