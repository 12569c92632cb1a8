/**
 * The frame-conversion worker (started by frame-converter.ts from the media worker): receives
 * decoded VideoFrames (transferred: a handle, no pixel copy), converts each to RGBA8
 * (frame-rgba.ts) and sends the pixels back (transferred). Frames are converted one at a time, in
 * the order they come, and always closed here.
 *
 * Why a worker of its own: Chromium's VideoDecoder hands each finished decode back to the thread
 * that owns it before it takes the next chunk, so a conversion on that thread stalls the decoder.
 * Measured on the 2-core VM (loaded), 25 1080p frames: with a 10 ms busy-wait per frame standing
 * in for the conversion (a throwaway bench), 632 ms when it ran on the decoder's thread (decoder
 * alone 382 ms: fully serial), 501 ms in a second worker; the media bench's decodeMp4Range,
 * converting in its own thread 504–587 ms, in one conversion worker 433–477 ms, in two 354–376 ms.
 */
import { CopyBuffer, videoFrameToRgba, type FrameTarget } from './frame-rgba';

export interface ConvertRequest {
  id: number;
  frame: VideoFrame;
  target: FrameTarget;
}

export type ConvertReply = { id: number; rgba: Uint8ClampedArray<ArrayBuffer> } | { id: number; reason: string };

/** This worker's postMessage (the DOM typings in use describe a window's). */
const post = (reply: ConvertReply, transfer: Transferable[] = []) => (self as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(reply, transfer);

const copies = new CopyBuffer();
let queue: Promise<void> = Promise.resolve();

async function convert({ id, frame, target }: ConvertRequest): Promise<void> {
  try {
    const r = await videoFrameToRgba(frame, target, copies);
    if (typeof r === 'string') post({ id, reason: r });
    else post({ id, rgba: r }, [r.buffer]);
  } catch (e) {
    post({ id, reason: `reading a decoded frame failed (${e instanceof Error ? e.message : String(e)})` });
  } finally {
    frame.close();
  }
}

self.onmessage = (e: MessageEvent<ConvertRequest>) => {
  queue = queue.then(() => convert(e.data));
};
