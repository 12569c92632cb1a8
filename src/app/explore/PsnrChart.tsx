/**
 * PSNR (Y) of each explorer tile against k = 1, plotted over k: the trend the grid shows, at a
 * glance. SVG, filled in as tiles arrive; the k = 1 reference (∞) is left out.
 */
import { isMonotoneDecreasing } from './explore';

const W = 320;
const H = 120;
const PAD = { l: 36, r: 8, t: 8, b: 22 };

export function PsnrChart({ points, kMax }: { points: { k: number; psnr: number }[]; kMax: number }) {
  const pts = points.filter((p) => Number.isFinite(p.psnr)).sort((a, b) => a.k - b.k);
  if (pts.length < 2) return null;
  const lo = Math.floor(Math.min(...pts.map((p) => p.psnr)) - 0.5);
  const hi = Math.ceil(Math.max(...pts.map((p) => p.psnr)) + 0.5);
  const x = (k: number) => PAD.l + ((k - 1) / Math.max(1, kMax - 1)) * (W - PAD.l - PAD.r);
  const y = (v: number) => PAD.t + ((hi - v) / (hi - lo)) * (H - PAD.t - PAD.b);
  const monotone = isMonotoneDecreasing(pts);
  return (
    <figure className="psnr-chart" data-testid="explore-chart" data-monotone={monotone}>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label="PSNR against k = 1, by k">
        <line x1={PAD.l} y1={H - PAD.b} x2={W - PAD.r} y2={H - PAD.b} className="axis" />
        <line x1={PAD.l} y1={PAD.t} x2={PAD.l} y2={H - PAD.b} className="axis" />
        <text x={PAD.l - 4} y={PAD.t + 8} textAnchor="end">{hi}</text>
        <text x={PAD.l - 4} y={H - PAD.b} textAnchor="end">{lo}</text>
        <text x={PAD.l} y={H - 6}>k = 1</text>
        <text x={W - PAD.r} y={H - 6} textAnchor="end">{kMax}</text>
        <polyline points={pts.map((p) => `${x(p.k)},${y(p.psnr)}`).join(' ')} className="trend" />
        {pts.map((p) => (
          <circle key={p.k} cx={x(p.k)} cy={y(p.psnr)} r={2.5}>
            <title>{`k = ${p.k}: ${p.psnr.toFixed(2)} dB`}</title>
          </circle>
        ))}
      </svg>
      <figcaption>
        PSNR-Y vs k = 1 (dB) · {monotone ? 'falls at every step' : 'not monotone in k'}
      </figcaption>
    </figure>
  );
}
