import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isStill, sniff } from './sniff';

const fixture = (p: string) => new Uint8Array(readFileSync(new URL(`../../e2e/fixtures/${p}`, import.meta.url)));

describe('sniff', () => {
  // Fixtures written by scripts/make-sample.py with Pillow and Debian ffmpeg: real encoders' headers.
  it.each([
    ['frame-96x64.png', 'png', 96, 64],
    ['formats/still-48x32.jpg', 'jpeg', 48, 32],
    ['formats/still-48x32.webp', 'webp', 48, 32],
    ['formats/still-48x32.bmp', 'bmp', 48, 32],
    ['formats/anim-32x32.gif', 'gif', 32, 32],
  ])('%s → %s %i×%i', (file, format, width, height) => {
    expect(sniff(fixture(file))).toEqual({ format, width, height });
  });

  it('does not claim videos or junk are images', () => {
    expect(sniff(fixture('clip-64x48.mp4')).format).toBe('other');
    expect(sniff(fixture('corrupt.mp4')).format).toBe('other');
    expect(sniff(new Uint8Array(0)).format).toBe('other');
  });

  it('reads sizes a huge image declares without decoding it', () => {
    const png = fixture('frame-96x64.png').slice(0, 33);
    new DataView(png.buffer).setUint32(16, 30000);
    new DataView(png.buffer).setUint32(20, 20000);
    expect(sniff(png)).toEqual({ format: 'png', width: 30000, height: 20000 });
  });

  it('finds the JPEG frame header behind other segments, and gives up on truncation', () => {
    const jpg = fixture('formats/still-48x32.jpg');
    expect(sniff(jpg.slice(0, 400))).toEqual({ format: 'jpeg', width: 48, height: 32 });
    expect(sniff(jpg.slice(0, 8))).toEqual({ format: 'jpeg' });
  });

  it('tells stills from animations', () => {
    expect(isStill('png')).toBe(true);
    expect(isStill('gif')).toBe(false);
  });
});
