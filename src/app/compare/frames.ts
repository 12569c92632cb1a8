/**
 * Variant frames for the compare and blind views: a hook that renders a
 * variant for a frame (re-rendering when the source, the pipeline parameters or
 * the set of registered variants change), and a canvas per frame for drawing.
 */
import { useEffect, useState } from 'react';
import { useApp } from '../../state/store';
import { usePipeline } from '../../state/params-store';
import { availableVariants, renderVariant, VariantUnavailable, type VariantId } from '../variants';
import type { RgbaFrame } from '../../core/frame';

export interface VariantFrame {
  frame: RgbaFrame | null;
  /** Which request `frame` answers ("id@frameIndex"): a view can tell a stale frame from the one it asked for. */
  of: string | null;
  /** Why there is no frame (not available yet, failed). */
  error: string | null;
  loading: boolean;
}

/**
 * Which variants are registered. variants.ts has no change event (features
 * register theirs as they load), so this polls cheaply while a view is open.
 */
export function useAvailableVariants(): VariantId[] {
  const [list, setList] = useState(() => availableVariants());
  useEffect(() => {
    const t = setInterval(() => {
      const now = availableVariants();
      setList((prev) => (prev.join() === now.join() ? prev : now));
    }, 1000);
    return () => clearInterval(t);
  }, []);
  return list;
}

/** The frame of variant `id` at `frameIndex`; null id = not needed. */
export function useVariantFrame(id: VariantId | null, frameIndex: number): VariantFrame {
  const source = useApp((s) => s.source);
  const params = usePipeline((s) => s.params);
  const available = useAvailableVariants();
  const isAvailable = id !== null && available.includes(id);
  const [state, setState] = useState<VariantFrame>({ frame: null, of: null, error: null, loading: false });
  useEffect(() => {
    if (id === null || !source) {
      setState({ frame: null, of: null, error: null, loading: false });
      return;
    }
    const ac = new AbortController();
    const of = `${id}@${frameIndex}`;
    // Keep showing the previous frame while the next renders (smooth scrubbing); `of` tells them apart.
    setState((s) => ({ ...s, error: null, loading: true }));
    renderVariant(id, frameIndex, ac.signal).then(
      (frame) => !ac.signal.aborted && setState({ frame, of, error: null, loading: false }),
      (e) => {
        if (ac.signal.aborted) return;
        const msg = e instanceof VariantUnavailable ? e.message : `Could not make this image: ${e instanceof Error ? e.message : String(e)}`;
        setState({ frame: null, of: null, error: msg, loading: false });
      },
    );
    return () => ac.abort();
  }, [id, frameIndex, source, params, isAvailable]);
  return state;
}

const canvases = new WeakMap<RgbaFrame, HTMLCanvasElement>();

/** A canvas holding the frame's pixels at their own size (made once per frame object). */
export function frameCanvas(frame: RgbaFrame): HTMLCanvasElement {
  let c = canvases.get(frame);
  if (!c) {
    c = document.createElement('canvas');
    c.width = frame.width;
    c.height = frame.height;
    c.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(frame.data), frame.width, frame.height), 0, 0);
    canvases.set(frame, c);
  }
  return c;
}
