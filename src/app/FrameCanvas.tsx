import { useEffect, useRef, type CSSProperties } from 'react';
import type { RgbaFrame } from '../core/frame';
import type { PixelAspect } from '../media/frames';

/**
 * The canvas's CSS size: `displayWidth` (else the frame's width) as if its pixels were square, then,
 * for anamorphic video, widened or narrowed by the pixel shape at the same height — a DVD's 720×480
 * with 32:27 pixels shows 853×480, as a player shows it. The backing store stays the stored frame.
 */
export function frameDisplayStyle(frame: { width: number; height: number }, displayWidth?: number, pixelAspect?: PixelAspect): CSSProperties | undefined {
  if (!pixelAspect) return displayWidth ? { width: displayWidth } : undefined;
  const { num, den } = pixelAspect;
  return { width: Math.round(((displayWidth ?? frame.width) * num) / den), aspectRatio: `${frame.width * num} / ${frame.height * den}` };
}

/**
 * Draws one RGBA frame at its own size; CSS scales it (pixelated when zoomed in) and gives
 * non-square pixels their shape (`pixelAspect`, the source's). Until the first
 * frame arrives, `emptyHint` (if given) takes the empty box's place, so an empty panel says what
 * will appear there and how to get it.
 */
export function FrameCanvas({ frame, label, testId, pixelated, displayWidth, pixelAspect, emptyHint }: { frame: RgbaFrame | null; label?: string; testId?: string; pixelated?: boolean; displayWidth?: number; pixelAspect?: PixelAspect; emptyHint?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c || !frame) return;
    if (c.width !== frame.width) c.width = frame.width;
    if (c.height !== frame.height) c.height = frame.height;
    const ctx = c.getContext('2d');
    ctx?.putImageData(new ImageData(new Uint8ClampedArray(frame.data), frame.width, frame.height), 0, 0);
  }, [frame]);
  return (
    <figure className="frame">
      {!frame && emptyHint && <div className="frame-empty-hint">{emptyHint}</div>}
      <canvas
        ref={ref}
        data-testid={testId}
        // Before its first frame a canvas is a small empty box, not a 1×1 canvas stretched to a big black square.
        className={[pixelated && 'pixelated', !frame && 'empty'].filter(Boolean).join(' ') || undefined}
        width={frame?.width ?? 1}
        height={frame?.height ?? 1}
        style={frame ? frameDisplayStyle(frame, displayWidth, pixelAspect) : undefined}
      />
      {label && (
        <figcaption>
          {label}
          {frame ? ` · ${frame.width}×${frame.height}` : ''}
        </figcaption>
      )}
    </figure>
  );
}
