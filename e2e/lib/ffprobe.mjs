// What Debian's ffprobe reads in a file the app saved: the video stream's codec, size and decoded
// frame count (-count_frames decodes every frame, so a file that does not play fails here).
import { spawnSync } from 'node:child_process';

/** The first video stream of `file` ({ codec_name, width, height, nb_read_frames }), or { error }. */
export function probeVideo(file) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,codec_name,width,height,nb_read_frames', '-of', 'json', file], { encoding: 'utf8' });
  if (r.status !== 0) return { error: r.stderr };
  return JSON.parse(r.stdout).streams?.find((s) => s.codec_type === 'video') ?? { error: 'no video stream' };
}
