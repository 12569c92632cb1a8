/**
 * ffprobe's JSON (`-show_streams -show_format -of json`) → MediaInfo. Pure, so it is tested in
 * Node against Debian's ffprobe output and runs unchanged on ffmpeg.wasm's.
 */
import { MediaError } from './errors';
import type { MediaInfo, PixelAspect } from './frames';
import { colourOf, type YuvColour } from './yuv';

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  nb_read_packets?: string;
  disposition?: { attached_pic?: number };
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number | string }[];
  sample_aspect_ratio?: string;
  field_order?: string;
  pix_fmt?: string;
  color_space?: string;
  color_range?: string;
  start_time?: string;
}

interface ProbeJson {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string; start_time?: string };
}

/** '30000/1001' → 29.97; null for '0/0' or junk. */
export function parseRate(r: string | undefined): number | null {
  if (!r) return null;
  const [n, d = '1'] = r.split('/');
  const v = Number(n) / Number(d);
  return Number.isFinite(v) && v > 0 ? v : null;
}

function num(s: string | number | undefined): number | null {
  const v = typeof s === 'number' ? s : s === undefined ? NaN : Number(s);
  return Number.isFinite(v) ? v : null;
}

/** Rotation in degrees from the display matrix (ffmpeg ≥ 5) or the legacy 'rotate' tag. */
function rotation(s: ProbeStream): number {
  for (const sd of s.side_data_list ?? []) {
    const r = num(sd.rotation);
    if (r !== null) return r;
  }
  return num(s.tags?.rotate) ?? 0;
}

/** Whether a display-matrix rotation (degrees, any sign) turns frames a quarter, swapping width and height. */
export function isQuarterTurn(degrees: number): boolean {
  return Number.isFinite(degrees) && Math.abs(Math.round(degrees / 90)) % 2 === 1;
}

/**
 * Frames ffmpeg decodes from a video stream, from ffprobe's `-show_entries packet=flags -of csv=p=0`
 * lines: every packet but those its demuxer flags discard ('D': samples an MP4 edit list hides,
 * which nb_frames and a plain packet count include). Lines that are not a flags field (ffmpeg.wasm's
 * ffprobe adds its stream and format sections whatever -show_entries asks) are skipped. null: none.
 */
export function keptPacketCount(lines: readonly string[]): number | null {
  const flags = lines.map((l) => l.trim()).filter((l) => /^[A-Z_]{2,3}$/.test(l));
  return flags.length > 0 ? flags.filter((f) => !f.includes('D')).length : null;
}

/** The stream ffmpeg decodes for '-map 0:v:0' (cover art aside). */
function videoStream(p: ProbeJson): ProbeStream | undefined {
  return (p.streams ?? []).find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
}

/** What the decoders need beyond MediaInfo to give exactly ffmpeg's frames (media worker only). */
export interface DecodeHints {
  /** ffmpeg's pixel format of the decoded frames ('yuv420p', 'yuv420p10le', …), when it says. */
  pixFmt?: string;
  /** The YUV → RGB matrix and range ffmpeg's scale filter uses for them. */
  colour: YuvColour;
  /** Video stream start − file start, in seconds: ffmpeg's -ss counts from the file's start. */
  startOffsetS: number;
}

export function probeHints(json: unknown): DecodeHints {
  const p = (typeof json === 'object' && json !== null ? json : {}) as ProbeJson;
  const v = videoStream(p);
  const vStart = num(v?.start_time);
  const fStart = num(p.format?.start_time);
  return {
    pixFmt: v?.pix_fmt,
    colour: colourOf(v?.color_space, v?.color_range, v?.pix_fmt),
    startOffsetS: vStart !== null && fStart !== null ? vStart - fStart : 0,
  };
}

/**
 * @param name the user's file name, for messages.
 * @throws MediaError 'no-video' when the file has no (non-cover-art) video stream.
 */
export function parseProbe(json: unknown, name: string): MediaInfo {
  const p = (typeof json === 'object' && json !== null ? json : {}) as ProbeJson;
  const streams = p.streams ?? [];
  const video = videoStream(p);
  const hasAudio = streams.some((s) => s.codec_type === 'audio');
  if (!video || !(video.width && video.height)) {
    throw new MediaError(
      'no-video',
      hasAudio ? `'${name}' has sound but no video track` : `Could not decode '${name}': it contains no video stream`,
    );
  }
  const quarterTurn = isQuarterTurn(rotation(video));
  const fps = parseRate(video.avg_frame_rate) ?? parseRate(video.r_frame_rate) ?? 25;
  const durationS = num(video.duration) ?? num(p.format?.duration) ?? 0;
  const counted = num(video.nb_frames) ?? num(video.nb_read_packets);
  const formatName = p.format?.format_name ?? '';
  const still = (/_pipe$/.test(formatName) || formatName === 'image2') && (counted ?? 1) <= 1;
  return {
    kind: still ? 'image' : 'video',
    width: quarterTurn ? video.height : video.width,
    height: quarterTurn ? video.width : video.height,
    frameCount: counted !== null && counted > 0 ? counted : still ? 1 : undefined,
    fps: still ? 0 : fps,
    durationS,
    hasAudio,
    codec: video.codec_name ?? 'unknown',
    ...pixelAspectField(video.sample_aspect_ratio, quarterTurn),
    // 'tt', 'bb' (and the swapped 'tb', 'bt'): fields, deinterlaced on decode (codec-args.ts DEINTERLACE_FILTER)
    ...(/^(tt|bb|tb|bt)$/.test(video.field_order ?? '') ? { interlaced: true as const } : {}),
  };
}

/**
 * The shape of a stored pixel (`sample_aspect_ratio` "32:27", a DVD's 16:9), for frames turned
 * upright (a quarter turn turns the pixel too); absent for square pixels or when unknown ("0:1").
 */
export function pixelAspectField(sar: string | undefined, quarterTurn = false): { pixelAspect?: PixelAspect } {
  const m = /^(\d+):(\d+)$/.exec(sar ?? '');
  if (!m) return {};
  let [num, den] = [Number(m[1]), Number(m[2])];
  if (num <= 0 || den <= 0 || num === den) return {};
  if (quarterTurn) [num, den] = [den, num];
  const g = gcd(num, den);
  return { pixelAspect: { num: num / g, den: den / g } };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
