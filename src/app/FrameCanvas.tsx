import { useEffect, useRef } from 'react';
import type { RgbaFrame } from '../core/frame';

/**
 * Draws one RGBA frame at its own size; CSS scales it (pixelated when zoomed in). Until the first
 * frame arrives, `emptyHint` (if given) takes the empty box's place, so an empty panel says what
 * will appear there and how to get it.
 */
export function FrameCanvas({ frame, label, testId, pixelated, displayWidth, emptyHint }: { frame: RgbaFrame | null; label?: string; testId?: string; pixelated?: boolean; displayWidth?: number; emptyHint?: string }) {
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
        style={frame && displayWidth ? { width: displayWidth } : undefined}
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
