import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MediaError } from './errors';
import { parseProbe, parseRate } from './probe';

const fixture = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const hasFfprobe = spawnSync('ffprobe', ['-version']).status === 0;

/** Debian's ffprobe, run with the arguments the media worker gives ffmpeg.wasm's. */
function ffprobe(path: string, count = false): unknown {
  const r = spawnSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', ...(count ? ['-count_packets'] : []), path]);
  return JSON.parse(r.stdout.toString());
}

describe('parseRate', () => {
  it('reads rationals', () => {
    expect(parseRate('25/1')).toBe(25);
    expect(parseRate('30000/1001')).toBeCloseTo(29.97, 2);
    expect(parseRate('0/0')).toBeNull();
    expect(parseRate(undefined)).toBeNull();
  });
});

describe.skipIf(!hasFfprobe)('parseProbe on real ffprobe output', () => {
  it('the bundled sample', () => {
    expect(parseProbe(ffprobe(fixture('public/samples/sample.mp4')), 'sample.mp4')).toEqual({
      kind: 'video', width: 480, height: 270, frameCount: 75, fps: 25, durationS: 3, hasAudio: false, codec: 'h264',
    });
  });
  it('an animated gif (frame count only after counting packets)', () => {
    const gif = fixture('e2e/fixtures/formats/anim-32x32.gif');
    const info = parseProbe(ffprobe(gif, true), 'a.gif');
    expect(info).toMatchObject({ kind: 'video', width: 32, height: 32, frameCount: 3, fps: 10, codec: 'gif' });
  });
  it('a png read by ffmpeg is a still', () => {
    expect(parseProbe(ffprobe(fixture('e2e/fixtures/frame-96x64.png')), 'f.png')).toMatchObject({ kind: 'image', width: 96, height: 64, frameCount: 1, fps: 0 });
  });
});

describe('parseProbe edge cases', () => {
  const stream = { codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, avg_frame_rate: '30000/1001', nb_frames: '10' };
  it('swaps width and height for a quarter-turn display matrix (phone videos)', () => {
    const info = parseProbe({ streams: [{ ...stream, side_data_list: [{ rotation: -90 }] }] }, 'p.mp4');
    expect([info.width, info.height]).toEqual([1080, 1920]);
    const half = parseProbe({ streams: [{ ...stream, tags: { rotate: '180' } }] }, 'p.mp4');
    expect([half.width, half.height]).toEqual([1920, 1080]);
  });
  it('reads non-square pixels (anamorphic video) in lowest terms, turned with the frames; square or unknown: none', () => {
    expect(parseProbe({ streams: [{ ...stream, sample_aspect_ratio: '64:54' }] }, 'dvd.mp4').pixelAspect).toEqual({ num: 32, den: 27 });
    expect(parseProbe({ streams: [{ ...stream, sample_aspect_ratio: '32:27', side_data_list: [{ rotation: 90 }] }] }, 'p.mp4').pixelAspect).toEqual({ num: 27, den: 32 });
    for (const sar of ['1:1', '0:1', 'N/A', undefined]) expect(parseProbe({ streams: [{ ...stream, sample_aspect_ratio: sar }] }, 'a.mp4').pixelAspect, String(sar)).toBeUndefined();
  });
  it.skipIf(!hasFfprobe)('an anamorphic H.264 file, as ffprobe reads it', () => {
    expect(parseProbe(ffprobe(fixture('e2e/fixtures/decoders/anamorphic-64x48.mp4')), 'a.mp4')).toMatchObject({ width: 64, height: 48, pixelAspect: { num: 32, den: 27 } });
    expect(parseProbe(ffprobe(fixture('public/samples/sample.mp4')), 'sample.mp4').pixelAspect).toBeUndefined();
  });
  it('skips cover art and says when there is only sound', () => {
    const art = { codec_type: 'video', codec_name: 'mjpeg', width: 500, height: 500, disposition: { attached_pic: 1 } };
    const e = (() => {
      try {
        parseProbe({ streams: [{ codec_type: 'audio' }, art] }, 'song.mp3');
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(MediaError);
    expect((e as MediaError).code).toBe('no-video');
    expect((e as MediaError).message).toBe("'song.mp3' has sound but no video track");
  });
  it('leaves frameCount undefined when nothing says it, and falls back to r_frame_rate', () => {
    const info = parseProbe({ streams: [{ ...stream, nb_frames: undefined, avg_frame_rate: '0/0', r_frame_rate: '24/1' }], format: { duration: '2.5' } }, 'x.webm');
    expect(info.frameCount).toBeUndefined();
    expect(info.fps).toBe(24);
    expect(info.durationS).toBe(2.5);
  });
});
