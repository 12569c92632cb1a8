import { compareF32, type GpuTest } from './gputest';
import { accumulateCpu, extractCpu, normalizeCpu, planTiles } from './tiles';
import { createTileOps } from './tiles-gpu';
import { readF32, uploadBuffer } from './webgpu';

export const gpuTests: GpuTest[] = [0, 8].map((margin) => ({
    name: `tile.wgsl extract/accumulate/normalize vs CPU reference: 96×64 frame in 40 px tiles (stride 8, overlap 16, margin ${margin})`,
    async run({ device, loadImage }) {
      const img = await loadImage('/e2e/fixtures/frame-96x64.png');
      const { width: w, height: h } = img;
      // margin 8: the first tiles start at −8 (negative origins through the i32 uniform) and blend back only the frame.
      const plan = planTiles(w, h, { maxTile: 40, overlap: 16, multiple: 8, margin });
      const ops = createTileOps(device);
      const src = uploadBuffer(device, img.data);
      const enc = device.createCommandEncoder();
      const { acc, wsum } = ops.accumulator(w, h, 3, enc);
      const accC = new Float32Array(3 * w * h);
      const wsumC = new Float32Array(w * h);
      let extractErr = 0;
      const tileBufs: GPUBuffer[] = [];
      for (const t of plan) {
        // A stand-in "model": the tile itself mapped to [-1,1] and back (what VQD does around its ONNX runs).
        const tb = ops.extract({ src, srcW: w, srcH: h, channels: 3, x0: t.x0, y0: t.y0, w: t.w, h: t.h, scale: 2, offset: -1, encoder: enc });
        tileBufs.push(tb);
        ops.accumulate({ acc, wsum, frameW: w, frameH: h, channels: 3, tileBuf: tb, tile: t, feather: 16, scale: 0.5, offset: 0.5, encoder: enc });
        const tc = extractCpu(img.data, w, h, 3, t.x0, t.y0, t.w, t.h, 2, -1);
        accumulateCpu(accC, wsumC, w, h, 3, tc, t, 16, 0.5, 0.5);
      }
      ops.normalize({ acc, wsum, frameW: w, frameH: h, channels: 3, lo: 0, hi: 1, encoder: enc });
      device.queue.submit([enc.finish()]);
      // Check two extracted (padded) tiles too: the last one runs past the far edges, the first (with a margin) starts before the near ones.
      const checks = await Promise.all([0, plan.length - 1].map(async (i) => {
        const t = plan[i];
        const gotTile = await readF32(device, tileBufs[i], 3 * t.w * t.h);
        return compareF32(`extract (replicate-padded tile at ${t.x0},${t.y0})`, gotTile, extractCpu(img.data, w, h, 3, t.x0, t.y0, t.w, t.h, 2, -1), 0);
      }));
      extractErr = checks.every((c) => c.pass) ? 0 : 1;
      const r0 = { detail: checks.map((c) => c.detail).join('; ') };
      const got = await readF32(device, acc, 3 * w * h);
      const want = normalizeCpu(accC, wsumC, w, h, 3, 0, 1);
      const r = compareF32(`blend of ${plan.length} tiles`, got, want, 2e-6);
      // Identity model ⇒ the blended frame must equal the input (weights normalise out).
      const id = compareF32('blend of identity tiles vs input', got, img.data, 2e-6);
      src.destroy();
      acc.destroy();
      wsum.destroy();
      tileBufs.forEach((b) => b.destroy());
      const starts = margin ? plan[0].x0 === -margin && plan[0].y0 === -margin : plan[0].x0 === 0;
      return { pass: r.pass && id.pass && extractErr === 0 && starts, detail: `first tile at ${plan[0].x0},${plan[0].y0}; ${r0.detail}; ${r.detail}; ${id.detail}` };
    },
  }));
