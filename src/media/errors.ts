/**
 * Typed errors of the media layer. Every failure a user can cause (a corrupt file, an unsupported
 * codec, a frame too large, a cancelled or stuck decode) becomes a MediaError whose message can be
 * shown as is, e.g. "Could not decode 'x.mp4': not a video file ffmpeg understands".
 *
 * Comlink turns a thrown Error into a plain Error (name, message, stack) and drops other fields, so
 * the worker throws the wire form (a plain, structured-cloneable object) and the client turns it
 * back into a MediaError with its code.
 */

import type { ContentClass } from './sniff';

export type MediaErrorCode =
  /** The bytes are not a format we can read (or not media at all). */
  | 'unsupported'
  /** The format is known but the data is damaged or truncated. */
  | 'corrupt'
  /** The file has no video stream (e.g. audio only). */
  | 'no-video'
  /** A frame or a request is over the size limits; nothing was decoded. */
  | 'too-large'
  /** ffmpeg or the worker took longer than allowed; the worker was restarted. */
  | 'timeout'
  /** The caller cancelled. */
  | 'aborted'
  /** The ffmpeg core could not be loaded (network, wasm compile). */
  | 'load-failed'
  /** The arguments were wrong (bad codec options, empty frame list, mismatched sizes). */
  | 'bad-input'
  /** ffmpeg failed for another reason; `detail` holds its last log lines. */
  | 'ffmpeg-failed'
  /** The media worker itself died. */
  | 'worker-crashed';

export class MediaError extends Error {
  override readonly name = 'MediaError';
  constructor(
    readonly code: MediaErrorCode,
    message: string,
    /** Technical detail for logs (ffmpeg's stderr tail); not meant for the user. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

export function isMediaError(e: unknown): e is MediaError {
  return e instanceof MediaError;
}

/** How a MediaError crosses the worker boundary. */
export interface MediaErrorWire {
  __mediaError: true;
  code: MediaErrorCode;
  message: string;
  detail?: string;
}

/** Worker side: any thrown value → wire form (unknown errors become 'ffmpeg-failed' with their message). */
export function toWire(e: unknown): MediaErrorWire {
  if (e instanceof MediaError) return { __mediaError: true, code: e.code, message: e.message, detail: e.detail };
  const message = e instanceof Error ? e.message : String(e);
  return { __mediaError: true, code: 'ffmpeg-failed', message: `Media worker error: ${message}`, detail: e instanceof Error ? e.stack : undefined };
}

/** Client side: wire form (or anything else thrown) → MediaError. */
export function fromWire(e: unknown): MediaError {
  if (e instanceof MediaError) return e;
  if (typeof e === 'object' && e !== null && (e as MediaErrorWire).__mediaError === true) {
    const w = e as MediaErrorWire;
    return new MediaError(w.code, w.message, w.detail);
  }
  const message = e instanceof Error ? e.message : String(e);
  return new MediaError('ffmpeg-failed', `Media worker error: ${message}`);
}

/** Run `fn`, rethrowing any failure in wire form (for the worker's exposed methods). */
export async function wireErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    // A plain object crosses comlink with its fields (an Error loses code and detail);
    // fromWire turns it back into a MediaError on the other side.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw toWire(e);
  }
}

/**
 * Turn a failed ffmpeg run into a MediaError a user can act on, from ffmpeg's own log lines.
 * `timedOut` is decided by the caller (the run took as long as it was allowed).
 */
export function ffmpegFailure(name: string, log: readonly string[], code: number, timedOut = false, content?: ContentClass): MediaError {
  const text = log.join('\n');
  const detail = `exit ${code}; ffmpeg said:\n${log.slice(-12).join('\n')}`;
  const has = (re: RegExp) => re.test(text);
  if (timedOut) return new MediaError('timeout', `Decoding '${name}' took too long and was stopped`, detail);
  // "moov atom not found" means a cut MP4 only when the bytes are an MP4 (ffmpeg picks its demuxer
  // from the name too: junk called x.mp4 gets the same line)
  if (has(/moov atom not found/i) && (content === undefined || content.container === 'mp4')) {
    return new MediaError('corrupt', `Could not decode '${name}': the file is incomplete (its index is missing — was the download cut short?)`, detail);
  }
  // (The last alternative: a build whose only decoder for the codec is a hardware one, as
  // ffmpeg.wasm's for AV1: "Your platform doesn't suppport hardware accelerated AV1 decoding.")
  const hwOnly = /doesn't supp+ort hardware accelerated (\w+) decoding/i.exec(text);
  if (hwOnly || has(/Decoder \(codec [^)]*\) not found|Unknown decoder|Unsupported codec|codec not currently supported|unspecified pixel format/i)) {
    const codec = hwOnly?.[1].toLowerCase() ?? /codec (\w+)/i.exec(text)?.[1];
    return new MediaError('unsupported', `Could not decode '${name}': its video codec${codec ? ` (${codec})` : ''} is not supported here`, detail);
  }
  if (has(/Stream #\d+:\d+[^\n]*: Audio:/) && !has(/Stream #\d+:\d+[^\n]*: Video:/)) {
    return new MediaError('no-video', `'${name}' has sound but no video track`, detail);
  }
  if (has(/matches no streams|does not contain any stream|no video stream/i)) {
    return new MediaError('no-video', `Could not decode '${name}': it contains no video stream`, detail);
  }
  if (has(/Invalid data found when processing input|Unknown input format|could not find codec parameters|moov atom not found/i)) {
    return new MediaError('unsupported', `Could not decode '${name}': not a video or image file ffmpeg understands`, detail);
  }
  if (has(/error while decoding|Invalid NAL|corrupt|truncat|Error splitting the input/i)) {
    return new MediaError('corrupt', `Could not decode '${name}': the video data is damaged`, detail);
  }
  const last = log.filter((l) => l.trim()).at(-1)?.trim() ?? 'no message';
  return new MediaError('ffmpeg-failed', `ffmpeg could not process '${name}' (exit ${code}): ${last}`, detail);
}
