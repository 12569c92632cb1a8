// Files media.bench.ts needs that are too big to commit, made with Debian's ffmpeg before the
// browser starts (bench/run.mjs runs every selected bench's *.bench-setup.mjs):
//   .cache/bench/sample-1080p.mp4: the bundled sample upscaled to 1920×1080 (Lanczos), libx264
//   crf 20 high profile with B-frames, 75 frames at 25 fps (~3 s): a 1080p H.264 clip for decode fps.
// Without ffmpeg the bench reports the 1080p part as skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';

export const CLIP_1080P = '.cache/bench/sample-1080p.mp4';

export default function setup() {
  if (existsSync(CLIP_1080P)) return;
  if (spawnSync('ffmpeg', ['-version']).status !== 0) {
    console.log(`media bench setup: no ffmpeg, ${CLIP_1080P} not made`);
    return;
  }
  mkdirSync('.cache/bench', { recursive: true });
  const tmp = `${CLIP_1080P}.tmp.mp4`;
  const r = spawnSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y', '-i', 'public/samples/sample.mp4',
    '-vf', 'scale=1920:1080:flags=lanczos', '-c:v', 'libx264', '-preset', 'medium', '-crf', '20', '-profile:v', 'high',
    '-pix_fmt', 'yuv420p', '-an', '-movflags', '+faststart', tmp,
  ], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.log(`media bench setup: ffmpeg failed (${r.status}), ${CLIP_1080P} not made`);
    return;
  }
  renameSync(tmp, CLIP_1080P);
  console.log(`media bench setup: made ${CLIP_1080P}`);
}
