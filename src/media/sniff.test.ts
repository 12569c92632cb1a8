import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyContent, contentProblem, isStill, sniff } from './sniff';

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

describe('classifyContent (what the bytes are, whatever the name)', () => {
  const cls = (b: Uint8Array) => classifyContent(b, b.length);
  it('knows real media by their headers', () => {
    expect(cls(fixture('clip-64x48.mp4'))).toEqual({ kind: 'video', container: 'mp4' });
    expect(cls(fixture('frame-96x64.png'))).toEqual({ kind: 'still', container: 'png' });
    expect(cls(fixture('formats/still-48x32.jpg'))).toEqual({ kind: 'still', container: 'jpeg' });
    expect(cls(fixture('formats/anim-32x32.gif'))).toEqual({ kind: 'gif', container: 'gif' });
    const wav = new Uint8Array(44);
    wav.set(new TextEncoder().encode('RIFF'), 0);
    wav.set(new TextEncoder().encode('WAVE'), 8);
    expect(cls(wav)).toEqual({ kind: 'audio', container: 'wav' });
    const mkv = Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81]);
    expect(cls(mkv)).toEqual({ kind: 'video', container: 'matroska' });
  });

  it('an empty file and text are never media, whatever they are called', () => {
    expect(classifyContent(new Uint8Array(0), 0)).toEqual({ kind: 'empty' });
    const text = new TextEncoder().encode('# notes\r\nnot a video — ünïcödé too\n'.repeat(100));
    expect(cls(text)).toEqual({ kind: 'text' });
    expect(contentProblem('clip.mp4', cls(text))).toBe("'clip.mp4' is not a video or image file (it holds text)");
    expect(contentProblem('clip.mp4', { kind: 'empty' })).toBe("'clip.mp4' is empty (0 bytes)");
    expect(contentProblem('clip.mp4', cls(fixture('clip-64x48.mp4')))).toBeNull();
  });

  it('binary junk is unknown (left to the decoder), not text', () => {
    const junk = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251);
    expect(cls(junk).kind).toBe('unknown');
    expect(contentProblem('x.mp4', cls(junk))).toBeNull();
  });
});
