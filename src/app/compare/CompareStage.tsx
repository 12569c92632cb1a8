import { useEffect, useRef, type KeyboardEvent, type PointerEvent } from 'react';
import { clamp, useView } from '../../state/view-state';
import { ViewCanvas, useElementWidth } from './ViewCanvas';
import { frameCanvas, type VariantFrame } from './frames';
import { drawImage, effectiveZoom, panBy, referenceSize, zoomAbout, type Size, type Xform } from './viewport';

/** Keyboard / button zoom levels: whole multiples above 100 % so magnified pixels stay equal blocks. */
export const ZOOM_STEPS = [1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];

export function stepZoom(current: number, dir: 1 | -1): number {
  if (dir > 0) return ZOOM_STEPS.find((z) => z > current * 1.0001) ?? ZOOM_STEPS[ZOOM_STEPS.length - 1];
  return [...ZOOM_STEPS].reverse().find((z) => z < current / 1.0001) ?? ZOOM_STEPS[0];
}

const GAP = 8;

interface Geometry {
  ref: Size;
  view: Size;
}

/**
 * The two-up stage: A | B under one draggable split line, or A and B side by
 * side; both always share one pan and zoom (the store's compare state).
 * Drag pans, the wheel zooms about the cursor, two fingers pinch, and with the
 * stage focused + / − / 0 / 1 zoom in, out, to fit and to 100 %.
 */
export function CompareStage({ a, b, labelA, labelB, mode }: { a: VariantFrame; b: VariantFrame; labelA: string; labelB: string; mode: 'split' | 'side' }) {
  const compare = useView((s) => s.compare);
  const setCompare = useView((s) => s.setCompare);
  const [boxRef, boxWidth] = useElementWidth<HTMLDivElement>();
  const ref = referenceSize(a.frame, b.frame) ?? { width: 16, height: 9 };
  const paneW = Math.max(1, mode === 'side' ? Math.floor((boxWidth - GAP) / 2) : boxWidth);
  const paneH = Math.max(1, Math.round(Math.min((paneW * ref.height) / ref.width, window.innerHeight * 0.7)));
  const view: Size = { width: paneW, height: paneH };
  const xf: Xform = { zoom: compare.zoom, panX: compare.panX, panY: compare.panY };
  const geo = useRef<Geometry>({ ref, view });
  geo.current = { ref, view };

  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const pane = useRef<HTMLElement | null>(null);

  // Wheel zoom needs a non-passive listener (React's onWheel cannot preventDefault page scrolling).
  useEffect(() => {
    const el = boxRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      const p = (e.target as HTMLElement).closest<HTMLElement>('[data-pane]');
      if (!p) return;
      e.preventDefault();
      const r = p.getBoundingClientRect();
      const dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY;
      const { ref, view } = geo.current;
      const c = useView.getState().compare;
      setCompare(zoomAbout(c, Math.exp(-dy * 0.002), e.clientX - r.left, e.clientY - r.top, ref, view));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [boxRef, setCompare]);

  const local = (e: PointerEvent) => {
    const r = (pane.current ?? (e.currentTarget as HTMLElement)).getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    const p = (e.target as HTMLElement).closest<HTMLElement>('[data-pane]');
    if (!p) return;
    if (pointers.current.size === 0) pane.current = p;
    try {
      e.currentTarget.setPointerCapture(e.pointerId);
    } catch {
      // A pointer the browser no longer tracks (or a synthetic one): dragging still works while over the stage.
    }
    e.currentTarget.focus({ preventScroll: true });
    pointers.current.set(e.pointerId, local(e));
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const ps = pointers.current;
    const before = ps.get(e.pointerId);
    if (!before) return;
    const now = local(e);
    const { ref, view } = geo.current;
    const c = useView.getState().compare;
    if (ps.size === 1) {
      ps.set(e.pointerId, now);
      setCompare(panBy(c, now.x - before.x, now.y - before.y, ref, view));
      return;
    }
    // Pinch: zoom by the change of the fingers' distance about their midpoint, and pan with the midpoint.
    const other = [...ps.entries()].find(([id]) => id !== e.pointerId)?.[1];
    ps.set(e.pointerId, now);
    if (!other) return;
    const d0 = Math.hypot(before.x - other.x, before.y - other.y);
    const d1 = Math.hypot(now.x - other.x, now.y - other.y);
    const m0 = { x: (before.x + other.x) / 2, y: (before.y + other.y) / 2 };
    const m1 = { x: (now.x + other.x) / 2, y: (now.y + other.y) / 2 };
    let next: Xform = d0 > 0 ? zoomAbout(c, d1 / d0, m0.x, m0.y, ref, view) : c;
    next = panBy(next, m1.x - m0.x, m1.y - m0.y, ref, view);
    setCompare(next);
  };
  const onPointerEnd = (e: PointerEvent<HTMLDivElement>) => {
    pointers.current.delete(e.pointerId);
    if (pointers.current.size === 0) pane.current = null;
  };
  const zoomPct = Math.round(effectiveZoom(compare.zoom, ref, view) * 100);
  /** Zoom about the view's centre: a step in or out, to a level, or to fit. */
  const zoomKey = (to: 'in' | 'out' | 'fit' | number) => {
    const { ref, view } = geo.current;
    const c = useView.getState().compare;
    if (to === 'fit') return setCompare({ zoom: 0, panX: 0.5, panY: 0.5 });
    const z0 = effectiveZoom(c.zoom, ref, view);
    const z1 = to === 'in' ? stepZoom(z0, 1) : to === 'out' ? stepZoom(z0, -1) : to;
    setCompare(zoomAbout(c, z1 / z0, view.width / 2, view.height / 2, ref, view));
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '+' || e.key === '=') zoomKey('in');
    else if (e.key === '-' || e.key === '_') zoomKey('out');
    else if (e.key === '0') zoomKey('fit');
    else if (e.key === '1') zoomKey(1);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  const zoomButtons = (
    <span className="pane-zoom" onPointerDown={(e) => e.stopPropagation()}>
      <button type="button" title="Zoom out (−)" onClick={() => zoomKey('out')} data-testid="zoom-out">
        −
      </button>
      <button type="button" title="Fit (0)" onClick={() => zoomKey('fit')} data-testid="zoom-fit">
        {zoomPct} %
      </button>
      <button type="button" title="Zoom in (+)" onClick={() => zoomKey('in')} data-testid="zoom-in">
        +
      </button>
    </span>
  );

  const draw = (which: 'a' | 'b' | 'split') => (ctx: CanvasRenderingContext2D, v: Size, dpr: number) => {
    const paint = (f: VariantFrame, x0: number, x1: number) => {
      if (!f.frame || x1 <= x0) return;
      ctx.save();
      ctx.beginPath();
      ctx.rect(x0, 0, x1 - x0, v.height * dpr);
      ctx.clip();
      drawImage(ctx, frameCanvas(f.frame), f.frame, ref, v, xf, dpr);
      ctx.restore();
    };
    const W = v.width * dpr;
    if (which === 'a') paint(a, 0, W);
    else if (which === 'b') paint(b, 0, W);
    else {
      const sx = Math.round(compare.split * W);
      paint(a, 0, sx);
      paint(b, sx, W);
    }
  };

  const status = (f: VariantFrame) => (f.error ? <div className="stage-msg">{f.error}</div> : f.loading && !f.frame ? <div className="stage-msg">Rendering…</div> : null);

  return (
    <div
      ref={boxRef}
      className={`stage stage-${mode}`}
      tabIndex={0}
      data-testid="compare-stage"
      data-zoom={effectiveZoom(compare.zoom, ref, view)}
      aria-label="Comparison: drag to pan, wheel or pinch to zoom, + − 0 1 keys"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerEnd}
      onPointerCancel={onPointerEnd}
      onKeyDown={onKeyDown}
    >
      {mode === 'split' ? (
        <div className="pane" data-pane style={{ width: paneW, height: paneH }}>
          <ViewCanvas draw={draw('split')} width={paneW} height={paneH} testId="compare-canvas" />
          <span className="pane-label pane-label-left">A · {labelA}</span>
          <span className="pane-label pane-label-right">B · {labelB}</span>
          <div className="pane-status pane-status-left">{status(a)}</div>
          <div className="pane-status pane-status-right">{status(b)}</div>
          <SplitHandle split={compare.split} onSplit={(s) => setCompare({ split: s })} />
          {zoomButtons}
        </div>
      ) : (
        <>
          <div className="pane" data-pane style={{ width: paneW, height: paneH }}>
            <ViewCanvas draw={draw('a')} width={paneW} height={paneH} testId="compare-canvas-a" />
            <span className="pane-label pane-label-left">A · {labelA}</span>
            <div className="pane-status">{status(a)}</div>
            {zoomButtons}
          </div>
          <div className="pane" data-pane style={{ width: paneW, height: paneH }}>
            <ViewCanvas draw={draw('b')} width={paneW} height={paneH} testId="compare-canvas-b" />
            <span className="pane-label pane-label-left">B · {labelB}</span>
            <div className="pane-status">{status(b)}</div>
          </div>
        </>
      )}
    </div>
  );
}

/** The split line: drag it (mouse or touch), or focus it and use ← / → (Shift for big steps), Home, End. */
function SplitHandle({ split, onSplit }: { split: number; onSplit: (s: number) => void }) {
  const dragging = useRef(false);
  const at = (e: PointerEvent<HTMLDivElement>) => {
    const r = (e.currentTarget.parentElement as HTMLElement).getBoundingClientRect();
    return clamp((e.clientX - r.left) / r.width, 0, 1);
  };
  return (
    <div
      className="split-handle"
      role="slider"
      tabIndex={0}
      aria-label="Split position"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(split * 100)}
      data-testid="split-handle"
      style={{ left: `${split * 100}%` }}
      onPointerDown={(e) => {
        e.stopPropagation();
        e.currentTarget.setPointerCapture(e.pointerId);
        e.currentTarget.focus({ preventScroll: true });
        dragging.current = true;
      }}
      onPointerMove={(e) => {
        if (!dragging.current) return;
        e.stopPropagation();
        onSplit(at(e));
      }}
      onPointerUp={(e) => {
        e.stopPropagation();
        dragging.current = false;
      }}
      onPointerCancel={() => (dragging.current = false)}
      onKeyDown={(e) => {
        const step = e.shiftKey ? 0.1 : 0.02;
        if (e.key === 'ArrowLeft') onSplit(clamp(split - step, 0, 1));
        else if (e.key === 'ArrowRight') onSplit(clamp(split + step, 0, 1));
        else if (e.key === 'Home') onSplit(0);
        else if (e.key === 'End') onSplit(1);
        else return;
        // Keep the arrows from also stepping frames (the app's global keys) or panning.
        e.preventDefault();
        e.stopPropagation();
      }}
    >
      <span className="split-grip" />
    </div>
  );
}
