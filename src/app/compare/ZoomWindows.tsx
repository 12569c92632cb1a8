import { useEffect, useRef, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';
import { REGION_MAX, REGION_MIN, clamp, type ZoomRegion } from '../../state/view-state';
import { ViewCanvas, useElementWidth } from './ViewCanvas';
import { frameCanvas, type VariantFrame } from './frames';
import { drawImage, fitZoom, referenceSize, viewToImage, type Size } from './viewport';

/**
 * The paper's A-B viewer (VQD-SR supplementary, Fig. 6): the main window shows
 * the whole frame; two windows show the same square region of A and B
 * magnified (nearest neighbour), centred where the pointer is over the main
 * window. The wheel over the main window changes the region's size; with the
 * main window focused, + / − do the same and the arrow keys move the region.
 */
export function ZoomWindows({
  main,
  a,
  b,
  labelA,
  labelB,
  region,
  onRegion,
  caption,
  testId = 'zoom',
}: {
  main: VariantFrame;
  a: VariantFrame;
  b: VariantFrame;
  labelA: ReactNode;
  labelB: ReactNode;
  region: ZoomRegion;
  onRegion: (r: ZoomRegion) => void;
  caption?: ReactNode;
  testId?: string;
}) {
  const [boxRef, boxW] = useElementWidth<HTMLDivElement>();
  const ref = referenceSize(a.frame, b.frame, main.frame) ?? { width: 16, height: 9 };
  const stacked = boxW < 720;
  const gap = 8;
  const mainW = Math.max(1, stacked ? boxW : Math.floor(boxW * 0.46));
  const mainH = Math.max(1, Math.round((mainW * ref.height) / ref.width));
  const winW = Math.max(1, Math.floor(stacked ? (boxW - gap) / 2 : (boxW - mainW - 2 * gap) / 2));
  const mainView: Size = { width: mainW, height: mainH };
  const fit = { zoom: fitZoom(ref, mainView), panX: 0.5, panY: 0.5 };
  const side = region.size * ref.width; // region side in reference px
  const winXf = { zoom: winW / side, panX: region.x, panY: region.y };

  const latest = useRef({ region, ref, mainView, onRegion });
  latest.current = { region, ref, mainView, onRegion };
  const mainRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = mainRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const { region, onRegion } = latest.current;
      const dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaMode === 2 ? e.deltaY * 400 : e.deltaY;
      onRegion({ ...region, size: clamp(region.size * Math.exp(dy * 0.002), REGION_MIN, REGION_MAX) });
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const follow = (e: PointerEvent<HTMLDivElement>) => {
    if (e.pointerType !== 'mouse' && e.buttons === 0) return;
    const { region, ref, mainView, onRegion } = latest.current;
    const r = e.currentTarget.getBoundingClientRect();
    const p = viewToImage(e.clientX - r.left, e.clientY - r.top, { zoom: 0, panX: 0.5, panY: 0.5 }, ref, mainView);
    const x = clamp(p.u / ref.width, 0, 1);
    const y = clamp(p.v / ref.height, 0, 1);
    if (x !== region.x || y !== region.y) onRegion({ ...region, x, y });
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const { region, onRegion, ref } = latest.current;
    const step = 0.02 * (e.shiftKey ? 5 : 1);
    const aspect = ref.width / ref.height;
    if (e.key === '+' || e.key === '=') onRegion({ ...region, size: clamp(region.size / 1.25, REGION_MIN, REGION_MAX) });
    else if (e.key === '-' || e.key === '_') onRegion({ ...region, size: clamp(region.size * 1.25, REGION_MIN, REGION_MAX) });
    else if (e.key === 'ArrowLeft') onRegion({ ...region, x: clamp(region.x - step, 0, 1) });
    else if (e.key === 'ArrowRight') onRegion({ ...region, x: clamp(region.x + step, 0, 1) });
    else if (e.key === 'ArrowUp') onRegion({ ...region, y: clamp(region.y - step * aspect, 0, 1) });
    else if (e.key === 'ArrowDown') onRegion({ ...region, y: clamp(region.y + step * aspect, 0, 1) });
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  const drawWhole = (ctx: CanvasRenderingContext2D, v: Size, dpr: number) => {
    if (main.frame) drawImage(ctx, frameCanvas(main.frame), main.frame, ref, v, fit, dpr);
  };
  const drawWin = (f: VariantFrame) => (ctx: CanvasRenderingContext2D, v: Size, dpr: number) => {
    if (f.frame) drawImage(ctx, frameCanvas(f.frame), f.frame, ref, v, winXf, dpr);
  };
  // The region's outline on the main window, in CSS px.
  const z = fit.zoom;
  const box = {
    left: mainW / 2 + (region.x - 0.5) * ref.width * z - (side * z) / 2,
    top: mainH / 2 + (region.y - 0.5) * ref.height * z - (side * z) / 2,
    size: side * z,
  };
  const msg = (f: VariantFrame) => (f.error ? <div className="stage-msg">{f.error}</div> : f.loading && !f.frame ? <div className="stage-msg">Rendering…</div> : null);

  return (
    <div ref={boxRef} className={`zoomwin ${stacked ? 'zoomwin-stacked' : ''}`} data-testid={testId}>
      <figure className="zoomwin-main">
        <div
          ref={mainRef}
          className="pane"
          tabIndex={0}
          style={{ width: mainW, height: mainH }}
          data-testid={`${testId}-main`}
          aria-label="Whole frame: move the pointer to choose the magnified region, wheel or + / − to resize it"
          onPointerMove={follow}
          onPointerDown={(e) => {
            e.currentTarget.focus({ preventScroll: true });
            if (e.pointerType !== 'mouse') e.currentTarget.setPointerCapture(e.pointerId);
            follow(e);
          }}
          onKeyDown={onKeyDown}
        >
          <ViewCanvas draw={drawWhole} width={mainW} height={mainH} testId={`${testId}-main-canvas`} />
          <div className="zoomwin-region" style={{ left: box.left, top: box.top, width: box.size, height: box.size }} />
          <div className="pane-status">{msg(main)}</div>
        </div>
        {caption && <figcaption className="zoomwin-caption">{caption}</figcaption>}
      </figure>
      {([
        [a, labelA, 'a'],
        [b, labelB, 'b'],
      ] as const).map(([f, label, k]) => (
        <figure key={k} className="zoomwin-win">
          <div className="pane" style={{ width: winW, height: winW }}>
            <ViewCanvas draw={drawWin(f)} width={winW} height={winW} testId={`${testId}-${k}-canvas`} />
            <div className="pane-status">{msg(f)}</div>
          </div>
          <figcaption>{label}</figcaption>
        </figure>
      ))}
    </div>
  );
}
