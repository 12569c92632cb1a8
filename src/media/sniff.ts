/**
 * Recognise a file by its first bytes (not its name: users rename files) and read still images'
 * dimensions from their headers, so an oversized image is refused before anything is decoded.
 */

export type StillFormat = 'png' | 'jpeg' | 'webp' | 'bmp';
export type SniffedFormat = StillFormat | 'gif' | 'other';

/** Bytes to read from the start of a file for sniff(); JPEG headers can sit behind large EXIF blocks. */
export const SNIFF_BYTES = 256 * 1024;

export interface Sniffed {
  format: SniffedFormat;
  /** Present when the header could be read. */
  width?: number;
  height?: number;
}

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) >>> 0) + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
const i32le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

export function sniff(b: Uint8Array): Sniffed {
  if (b.length >= 24 && u32be(b, 0) === 0x89504e47 && u32be(b, 4) === 0x0d0a1a0a) {
    return ascii(b, 12, 4) === 'IHDR' ? { format: 'png', width: u32be(b, 16), height: u32be(b, 20) } : { format: 'png' };
  }
  if (b.length >= 10 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) {
    return { format: 'gif', width: u16le(b, 6), height: u16le(b, 8) };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return { format: 'jpeg', ...jpegSize(b) };
  if (b.length >= 16 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return { format: 'webp', ...webpSize(b) };
  if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d) {
    return { format: 'bmp', width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) };
  }
  return { format: 'other' };
}

/** Walk the JPEG markers to the first start-of-frame segment. */
function jpegSize(b: Uint8Array): { width?: number; height?: number } {
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return {};
    const m = b[i + 1];
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    const len = u16be(b, i + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC).
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (i + 9 > b.length) return {};
      return { height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    if (m === 0xda || m === 0xd9) return {}; // scan data or end before any frame header
    i += 2 + len;
  }
  return {};
}

function webpSize(b: Uint8Array): { width?: number; height?: number } {
  if (b.length < 30) return {};
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  return {};
}

export function isStill(f: SniffedFormat): f is StillFormat {
  return f === 'png' || f === 'jpeg' || f === 'webp' || f === 'bmp';
}

// ───────────────────────────── content classes (what a file is, whatever its name) ─────────────────────────────

/**
 * What the first bytes of a file say it is, before any decoder runs: users rename files, and a
 * decoder's guess from the name gives misleading errors (a text file called x.mp4 made ffmpeg say
 * "moov atom not found", which read as "the download was cut short").
 */
export type ContentKind = 'empty' | 'still' | 'gif' | 'video' | 'audio' | 'text' | 'unknown';

export interface ContentClass {
  kind: ContentKind;
  /** The container a known signature names ('mp4' for every ISO-BMFF file, 'matroska', …). */
  container?: string;
}

const VIDEO_SIGNATURES: [string, (b: Uint8Array) => boolean][] = [
  ['mp4', (b) => b.length >= 12 && ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip', 'pnot'].includes(ascii(b, 4, 4))],
  ['matroska', (b) => b.length >= 4 && u32be(b, 0) === 0x1a45dfa3],
  ['avi', (b) => b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'AVI '],
  ['flv', (b) => b.length >= 4 && ascii(b, 0, 3) === 'FLV' && b[3] === 1],
  ['asf', (b) => b.length >= 16 && u32be(b, 0) === 0x3026b275 && u32be(b, 4) === 0x8e66cf11],
  ['mpeg-ps', (b) => b.length >= 4 && u32be(b, 0) === 0x000001ba],
  ['mpeg-es', (b) => b.length >= 4 && u32be(b, 0) === 0x000001b3],
  ['h264', (b) => b.length >= 5 && u32be(b, 0) === 0x00000001 && (b[4] & 0x1f) >= 1 && (b[4] & 0x1f) <= 9],
  ['mpeg-ts', (b) => b.length >= 377 && b[0] === 0x47 && b[188] === 0x47 && b[376] === 0x47],
  ['ogg', (b) => b.length >= 4 && ascii(b, 0, 4) === 'OggS'],   // may hold Theora: ffprobe decides
  ['ivf', (b) => b.length >= 4 && ascii(b, 0, 4) === 'DKIF'],
];

const AUDIO_SIGNATURES: [string, (b: Uint8Array) => boolean][] = [
  ['mp3', (b) => (b.length >= 3 && ascii(b, 0, 3) === 'ID3') || (b.length >= 2 && b[0] === 0xff && (b[1] & 0xe6) === 0xe2)],
  ['flac', (b) => b.length >= 4 && ascii(b, 0, 4) === 'fLaC'],
  ['wav', (b) => b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WAVE'],
  ['aac', (b) => b.length >= 2 && b[0] === 0xff && (b[1] & 0xf6) === 0xf0],
];

/**
 * Text: valid UTF-8 (or ASCII) with no control bytes other than tab, CR, LF, FF. Media
 * containers have binary headers within their first bytes, so a text-only head is never media.
 */
function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 4096);
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) return false;
    if (c === 0x7f) return false;
  }
  try {
    // a cut multi-byte sequence at the very end is fine: decode without the last 3 bytes when long
    new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, n === b.length ? n : Math.max(0, n - 3)));
    return true;
  } catch {
    return false;
  }
}

/**
 * Classify a file from its first bytes (`head`, up to SNIFF_BYTES) and its total size; `s` is
 * sniff(head) when the caller has it already.
 */
export function classifyContent(head: Uint8Array, size: number, s: Sniffed = sniff(head)): ContentClass {
  if (size === 0) return { kind: 'empty' };
  if (isStill(s.format)) return { kind: 'still', container: s.format };
  if (s.format === 'gif') return { kind: 'gif', container: 'gif' };
  for (const [name, test] of VIDEO_SIGNATURES) if (test(head)) return { kind: 'video', container: name };
  for (const [name, test] of AUDIO_SIGNATURES) if (test(head)) return { kind: 'audio', container: name };
  if (looksLikeText(head)) return { kind: 'text' };
  return { kind: 'unknown' };
}

/**
 * The message for a file that is certainly not media (empty, or text), or null when a decoder
 * should have its say. `name` is the user's file name or path.
 */
export function contentProblem(name: string, c: ContentClass): string | null {
  if (c.kind === 'empty') return `'${name}' is empty (0 bytes)`;
  if (c.kind === 'text') return `'${name}' is not a video or image file (it holds text)`;
  return null;
}
