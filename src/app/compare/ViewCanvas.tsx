import { useLayoutEffect, useRef, useState, type CSSProperties, type RefObject } from 'react';
import type { Size } from './viewport';

export type DrawFn = (ctx: CanvasRenderingContext2D, view: Size, dpr: number) => void;

/**
 * A canvas whose backing store follows its CSS size × devicePixelRatio, so
 * what is drawn maps 1:1 to device pixels (pixel-exact nearest neighbour when
 * zoomed). `draw` runs after every render and on every resize.
 */
export function ViewCanvas({ draw, testId, className, style, width, height }: { draw: DrawFn; testId?: string; className?: string; style?: CSSProperties; width: number; height: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [dpr, setDpr] = useState(() => (typeof window === 'undefined' ? 1 : window.devicePixelRatio || 1));
  useLayoutEffect(() => {
    const onResize = () => setDpr(window.devicePixelRatio || 1);
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  useLayoutEffect(() => {
    const c = ref.current;
    if (!c || width <= 0 || height <= 0) return;
    const w = Math.max(1, Math.round(width * dpr));
    const h = Math.max(1, Math.round(height * dpr));
    if (c.width !== w) c.width = w;
    if (c.height !== h) c.height = h;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#0b0c10';
    ctx.fillRect(0, 0, w, h);
    draw(ctx, { width, height }, dpr);
  });
  return <canvas ref={ref} data-testid={testId} className={className} style={{ width, height, display: 'block', ...style }} />;
}

/** Width of an element, kept current with a ResizeObserver. */
export function useElementWidth<T extends HTMLElement>(): [RefObject<T | null>, number] {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}
