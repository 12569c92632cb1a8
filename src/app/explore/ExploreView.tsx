/**
 * Level explorer (the paper's Fig. 7–8): the HR frame and the LR frame degraded
 * at k = 1, 4, 7, …, 70 on one branch, filled in progressively. One zoom and
 * pan shared by every tile (wheel / drag / keys), PSNR (Y) of each tile
 * against k = 1, and the whole grid exported as one PNG.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApp } from '../../state/store';
import { usePipeline } from '../../state/params-store';
import { useCurrentFrame } from '../frame-source';
import { degradeFrame } from '../degrade/degrade-client';
import { paramsForLevel } from '../../pipeline/vqd/options';
import { diffFrame, levels, PAPER_RANGE, type ExploreRange } from './explore';
import { PsnrChart } from './PsnrChart';
import { ProgressBar } from '../ProgressBar';
import type { RgbaFrame } from '../../core/frame';
import { psnrY } from '../../metrics/psnr';
import { fromRgba8 } from '../../core/pixels';
import { Select } from '../degrade/controls';

interface TileResult {
  k: number;
  frame: RgbaFrame;
  psnr: number;
}

interface View {
  zoom: number; // 1 = whole frame
  cx: number; // centre of the view, 0..1 of the frame
  cy: number;
}

const TILE_W = 220;

function drawTile(c: HTMLCanvasElement | null, f: RgbaFrame | null, v: View) {
  if (!c || !f) return;
  const h = Math.round((TILE_W * f.height) / f.width);
  if (c.width !== TILE_W || c.height !== h) {
    c.width = TILE_W;
    c.height = h;
  }
  const ctx = c.getContext('2d')!;
  const src = new OffscreenCanvas(f.width, f.height);
  src.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(f.data), f.width, f.height), 0, 0);
  const sw = f.width / v.zoom;
  const sh = f.height / v.zoom;
  const sx = Math.min(f.width - sw, Math.max(0, v.cx * f.width - sw / 2));
  const sy = Math.min(f.height - sh, Math.max(0, v.cy * f.height - sh / 2));
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, c.width, c.height);
  ctx.drawImage(src, sx, sy, sw, sh, 0, 0, c.width, c.height);
}

function Tile({ frame, label, view, onView, testId }: { frame: RgbaFrame | null; label: string; view: View; onView: (v: View) => void; testId?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const drag = useRef<{ x: number; y: number; v: View } | null>(null);
  useEffect(() => drawTile(ref.current, frame, view), [frame, view]);
  return (
    <figure className="explore-tile">
      <canvas
        ref={ref}
        data-testid={testId}
        width={TILE_W}
        height={Math.round(TILE_W * 0.5625)}
        onWheel={(e) => {
          e.preventDefault();
          const zoom = Math.min(32, Math.max(1, view.zoom * (e.deltaY < 0 ? 1.25 : 0.8)));
          onView({ ...view, zoom });
        }}
        onPointerDown={(e) => {
          (e.target as HTMLElement).setPointerCapture(e.pointerId);
          drag.current = { x: e.clientX, y: e.clientY, v: view };
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (!d) return;
          const c = ref.current!;
          onView({ ...d.v, cx: d.v.cx - (e.clientX - d.x) / c.clientWidth / d.v.zoom, cy: d.v.cy - (e.clientY - d.y) / c.clientHeight / d.v.zoom });
        }}
        onPointerUp={() => (drag.current = null)}
      />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

export function ExploreView() {
  const source = useApp((s) => s.source);
  const index = useApp((s) => s.frameIndex);
  const params = usePipeline((s) => s.params);
  const hr = useCurrentFrame();
  const [range, setRange] = useState<ExploreRange>(PAPER_RANGE);
  const [withCodec, setWithCodec] = useState(false);
  const [tiles, setTiles] = useState<TileResult[]>([]);
  const [ref1, setRef1] = useState<RgbaFrame | null>(null);
  const [running, setRunning] = useState<{ done: number; total: number } | null>(null);
  const [view, setView] = useState<View>({ zoom: 1, cx: 0.5, cy: 0.5 });
  // Difference view: each tile as |tile − k=1| × gain, so a change of a few grey levels shows.
  const [diffGain, setDiffGain] = useState(0);
  const cancel = useRef(false);
  const ks = levels(range);

  const run = useCallback(async () => {
    if (!source) return;
    cancel.current = false;
    setTiles([]);
    setRunning({ done: 0, total: ks.length });
    try {
      const ref = await degradeFrame(index, paramsForLevel(params, range.branch, 1, withCodec));
      setRef1(ref.frame);
      const refImg = fromRgba8(ref.frame.data, ref.frame.width, ref.frame.height);
      const out: TileResult[] = [];
      for (const k of ks) {
        if (cancel.current) break;
        const r = await degradeFrame(index, paramsForLevel(params, range.branch, k, withCodec));
        out.push({ k, frame: r.frame, psnr: psnrY(fromRgba8(r.frame.data, r.frame.width, r.frame.height), refImg) });
        setTiles([...out]);
        setRunning({ done: out.length, total: ks.length });
      }
    } catch (e) {
      useApp.getState().setError(`Explorer: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setRunning(null);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [source, index, params, range, withCodec, ks.join(',')]);

  // Keys while the explorer is shown: + / − zoom, 0 resets, arrows pan (Shift: frames stay on ←/→).
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement | null)?.tagName === 'INPUT') return;
      if (e.key === '+' || e.key === '=') setView((v) => ({ ...v, zoom: Math.min(32, v.zoom * 1.25) }));
      else if (e.key === '-') setView((v) => ({ ...v, zoom: Math.max(1, v.zoom / 1.25) }));
      else if (e.key === '0') setView({ zoom: 1, cx: 0.5, cy: 0.5 });
    };
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, []);

  // One difference frame per (tile, gain), not one per render.
  // The deps are the point: a new, empty cache whenever the reference or the gain changes.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const diffs = useMemo(() => new Map<number, RgbaFrame>(), [ref1, diffGain]);
  const diffOf = (t: TileResult): RgbaFrame => {
    let d = diffs.get(t.k);
    if (!d) diffs.set(t.k, (d = diffFrame(t.frame, ref1!, diffGain)));
    return d;
  };

  const exportPng = () => {
    if (!tiles.length || !hr) return;
    const f0 = tiles[0].frame;
    const cell = { w: f0.width * 2, h: f0.height * 2 + 18 };
    const cols = Math.ceil(Math.sqrt(tiles.length + 1));
    const rows = Math.ceil((tiles.length + 1) / cols);
    const c = document.createElement('canvas');
    c.width = cols * cell.w;
    c.height = rows * cell.h;
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#14161c';
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.imageSmoothingEnabled = false;
    ctx.font = '12px system-ui, sans-serif';
    const put = (f: RgbaFrame, i: number, label: string) => {
      const o = new OffscreenCanvas(f.width, f.height);
      o.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(f.data), f.width, f.height), 0, 0);
      const x = (i % cols) * cell.w;
      const y = Math.floor(i / cols) * cell.h;
      ctx.imageSmoothingEnabled = f.width > f0.width;
      ctx.drawImage(o, x, y, cell.w, cell.h - 18);
      ctx.fillStyle = '#e6e8ee';
      ctx.fillText(label, x + 4, y + cell.h - 5);
    };
    put(hr, 0, 'HR');
    tiles.forEach((t, i) => put(t.frame, i + 1, `${range.branch.slice(1)} k=${t.k}  ${Number.isFinite(t.psnr) ? t.psnr.toFixed(2) + ' dB' : '∞'}`));
    c.toBlob((b) => {
      if (!b) return;
      const a = document.createElement('a');
      a.href = URL.createObjectURL(b);
      a.download = `vqd-levels-${source?.name ?? 'frame'}-f${index + 1}.png`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    }, 'image/png');
  };

  return (
    <div className="explore-view">
      <div className="explore-controls">
        <Select label="branch" value={range.branch} options={['kBot', 'kMid', 'kTop'] as const} labels={{ kBot: 'bottom (f=2)', kMid: 'middle (f=4)', kTop: 'top (f=8)' } } onChange={(b) => setRange({ ...range, branch: b })} />
        <label className="inline">
          k from <input type="number" min={1} max={128} value={range.start} onChange={(e) => setRange({ ...range, start: Number(e.target.value) })} data-testid="explore-start" />
        </label>
        <label className="inline">
          to <input type="number" min={1} max={128} value={range.end} onChange={(e) => setRange({ ...range, end: Number(e.target.value) })} data-testid="explore-end" />
        </label>
        <label className="inline">
          step <input type="number" min={1} max={64} value={range.step} onChange={(e) => setRange({ ...range, step: Number(e.target.value) })} data-testid="explore-step" />
        </label>
        <label className="inline">
          <input type="checkbox" checked={withCodec} onChange={(e) => setWithCodec(e.target.checked)} /> with codec
        </label>
        <label className="inline" title="Show each tile as |tile − (k = 1)| × gain">
          difference{' '}
          <select value={diffGain} onChange={(e) => setDiffGain(Number(e.target.value))} data-testid="explore-diff">
            <option value={0}>off</option>
            <option value={4}>×4</option>
            <option value={16}>×16</option>
          </select>
        </label>
        <button type="button" className="primary" onClick={() => void run()} disabled={!!running || !source} data-testid="explore-run">
          Run {ks.length} levels
        </button>
        {running && (
          <button type="button" onClick={() => (cancel.current = true)} data-testid="explore-cancel">
            Cancel
          </button>
        )}
        <button type="button" onClick={exportPng} disabled={!tiles.length} data-testid="explore-export">
          Export PNG
        </button>
        <span className="muted">wheel/drag on any tile: zoom/pan all · 0 resets</span>
      </div>
      {running && <ProgressBar progress={{ label: 'Degrading levels', done: running.done, total: running.total }} onCancel={() => (cancel.current = true)} />}
      <PsnrChart points={tiles} kMax={Math.max(ks.at(-1) ?? 1, ...tiles.map((t) => t.k))} />
      <div className="explore-grid" data-testid="explore-grid">
        <Tile frame={hr} label="HR" view={view} onView={setView} testId="explore-hr" />
        {ref1 && !tiles.some((t) => t.k === 1) && <Tile frame={ref1} label="k = 1 (reference)" view={view} onView={setView} />}
        {tiles.map((t) => (
          <Tile key={t.k} frame={diffGain && ref1 ? diffOf(t) : t.frame} view={view} onView={setView} label={`k = ${t.k} · ${Number.isFinite(t.psnr) ? `${t.psnr.toFixed(2)} dB` : 'reference'}`} testId={`explore-tile-${t.k}`} />
        ))}
      </div>
      <div className="muted" data-testid="explore-psnr">
        {tiles.length > 0 && `PSNR (Y) vs k = 1: ${tiles.map((t) => `${t.k}:${Number.isFinite(t.psnr) ? t.psnr.toFixed(2) : '∞'}`).join(' ')}`}
      </div>
    </div>
  );
}
