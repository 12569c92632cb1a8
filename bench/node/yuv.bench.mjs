// The YUV 4:2:0 → RGBA conversion (src/media/yuv.ts, and its wasm SIMD form yuv-simd.ts) in Node: ms per frame on real
// planes (the bundled sample's frame 0, and the same frame scaled to 1920×1080 by ffmpeg, Lanczos),
// as CPU time (process.cpuUsage: less sensitive to a shared machine's load than wall time), median
// of N runs after warm-up; and what it does to the CLI's decode of a 1080p H.264 file: ffmpeg's
// yuv420p planes + yuv.ts (the decode now) against ffmpeg's own swscale rgb24 (SWS_FLAGS; the
// decode before), as CPU time of Node and of ffmpeg per frame (and wall time, which on a shared
// machine says more about the load than about the code).
// Run by `npm run bench yuv` (bench/run.mjs imports run()); also `node bench/node/yuv.bench.mjs`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const CLIP_1080P = '.cache/bench/sample-1080p.mp4'; // the media bench's clip (media.bench-setup.mjs)
const r2 = (x) => Math.round(x * 100) / 100;
const cpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

function ffmpeg(args, maxBuffer = 1 << 30) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { maxBuffer });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export async function run() {
  register();
  const { yuv420ToRgba, packedPlanes } = await import('../../src/media/yuv.ts');
  const { yuv420ToRgbaSimd } = await import('../../src/media/yuv-simd.ts');
  const { getFfmpeg } = await import('../../src/media/ffmpeg-node.ts');
  if (spawnSync('ffmpeg', ['-version']).status !== 0) return { skipped: 'no ffmpeg' };
  const out = { machine: 'CPU time of this process; see the result file for the machine and its load', convert: {}, cliDecode1080p: {} };
  for (const [name, w, h, vf] of [['480x270', 480, 270, []], ['1920x1080', 1920, 1080, ['-vf', 'scale=1920:1080:flags=lanczos']]]) {
    const raw = ffmpeg(['-i', 'public/samples/sample.mp4', '-frames:v', '1', ...vf, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', 'pipe:1']);
    const planes = packedPlanes(new Uint8Array(raw.buffer, raw.byteOffset, raw.length), w, h);
    const rgba = new Uint8ClampedArray(w * h * 4);
    const n = w > 1000 ? 30 : 200;
    const row = {};
    for (const [label, colour] of [['bt601 limited', { matrix: 'bt601', fullRange: false }], ['bt709 full', { matrix: 'bt709', fullRange: true }]]) {
      // yuv.ts (the JS reference) and yuv-simd.ts (the wasm SIMD kernel the decode paths use), same bytes
      for (const [impl, convert] of [['', yuv420ToRgba], [' (wasm SIMD)', yuv420ToRgbaSimd]]) {
        for (let k = 0; k < 5; k++) convert(planes, colour, rgba);
        const ts = [];
        for (let k = 0; k < n; k++) {
          const t = cpuMs();
          convert(planes, colour, rgba);
          ts.push(cpuMs() - t);
        }
        row[label + impl] = { msPerFrame: r2(median(ts)), runs: n };
      }
    }
    out.convert[name] = row;
  }
  if (!existsSync(CLIP_1080P)) {
    mkdirSync('.cache/bench', { recursive: true });
    await (await import(pathToFileURL('src/media/media.bench-setup.mjs').href)).default();
  }
  if (existsSync(CLIP_1080P)) {
    const frames = 25;
    const runs = 3;
    const ff = await getFfmpeg('native');
    // CPU time of this process and of its waited-for children (ffmpeg), from /proc/self/stat
    // (cutime, cstime: clock ticks); wall time moves with a shared machine's load, CPU time less.
    const ticks = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString()) || 100;
    const childMs = () => {
      const f = readFileSync('/proc/self/stat', 'utf8').slice(readFileSync('/proc/self/stat', 'utf8').lastIndexOf(')') + 2).split(' ');
      return ((Number(f[13]) + Number(f[14])) * 1000) / ticks; // fields 16, 17 of stat(5)
    };
    const measure = async (fn) => {
      const c0 = cpuMs();
      const k0 = childMs();
      const t0 = performance.now();
      for (let k = 0; k < runs; k++) await fn();
      const per = (x) => r2(x / (runs * frames));
      return { wallMsPerFrame: per(performance.now() - t0), nodeCpuMsPerFrame: per(cpuMs() - c0), ffmpegCpuMsPerFrame: per(childMs() - k0) };
    };
    const now = await measure(async () => {
      let got = 0;
      for await (const f of (await ff.decodeFile(CLIP_1080P, { start: 0, end: frames })).frames) got += f.width === 1920 ? 1 : 0;
      if (got !== frames) throw new Error(`decoded ${got} of ${frames} frames`);
    });
    // The decode before this conversion, streamed as decodeFile did it (a pipe, one buffer a frame):
    // ffmpeg's swscale to rgb24 (SWS_FLAGS), then fromRgb24.
    const { fromRgb24 } = await import('../../src/core/pixels.ts');
    const before = await measure(async () => {
      const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-noautorotate', '-i', CLIP_1080P, '-map', '0:v:0', '-frames:v', String(frames), '-fps_mode', 'passthrough', '-sws_flags', 'bicubic+accurate_rnd+bitexact', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
      const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'inherit'] });
      const closed = new Promise((resolve) => proc.on('close', resolve));
      const fb = 1920 * 1080 * 3;
      let buf = new Uint8Array(fb);
      let fill = 0;
      let got = 0;
      for await (const chunk of proc.stdout) {
        for (let off = 0; off < chunk.length; ) {
          const k = Math.min(fb - fill, chunk.length - off);
          buf.set(chunk.subarray(off, off + k), fill);
          fill += k;
          off += k;
          if (fill === fb) {
            fromRgb24(buf, 1920, 1080);
            got++;
            buf = new Uint8Array(fb);
            fill = 0;
          }
        }
      }
      if ((await closed) !== 0 || got !== frames) throw new Error(`ffmpeg rgb24 decode gave ${got} of ${frames} frames`);
    });
    out.cliDecode1080p = {
      file: `${CLIP_1080P} (${frames} frames, ${runs} runs)`,
      now: { what: 'decodeFile: ffmpeg -pix_fmt yuv420p, yuv.ts (wasm SIMD, yuv-simd.ts), fromRgba8', ...now },
      before: { what: 'ffmpeg -sws_flags bicubic+accurate_rnd+bitexact -pix_fmt rgb24, fromRgb24', ...before },
    };
  } else out.cliDecode1080p = { skipped: `${CLIP_1080P} could not be made` };
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) console.log(JSON.stringify(await run(), null, 2));
