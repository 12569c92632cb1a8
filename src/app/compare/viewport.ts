/**
 * Pan/zoom geometry shared by the compare stage and the zoom windows, and the
 * one function that draws a frame into a view.
 *
 * Coordinates: "reference pixels" are pixels of the larger image of a
 * comparison (the ×4 results); a smaller image (the LR) is stretched by
 * refWidth / its width so both cover the same area. The view transform maps
 * reference pixel (u, v) to CSS pixel
 *     x = viewW/2 + (u − panX·refW)·zoom,   y = viewH/2 + (v − panY·refH)·zoom
 * so (panX, panY) ∈ [0, 1]² is the image point at the view's centre.
 */
import { ZOOM_MAX, ZOOM_MIN, clamp } from '../../state/view-state';

export interface Size {
  width: number;
  height: number;
}

export interface Xform {
  /** CSS px per reference px; 0 = fit. */
  zoom: number;
  panX: number;
  panY: number;
}

/** The zoom at which the whole reference frame fits the view. */
export function fitZoom(ref: Size, view: Size): number {
  if (ref.width <= 0 || ref.height <= 0 || view.width <= 0 || view.height <= 0) return 1;
  return Math.min(view.width / ref.width, view.height / ref.height);
}

export function effectiveZoom(zoom: number, ref: Size, view: Size): number {
  return zoom > 0 ? zoom : fitZoom(ref, view);
}

/** Reference-pixel coordinates of a CSS point in the view. */
export function viewToImage(x: number, y: number, xf: Xform, ref: Size, view: Size): { u: number; v: number } {
  const z = effectiveZoom(xf.zoom, ref, view);
  return { u: xf.panX * ref.width + (x - view.width / 2) / z, v: xf.panY * ref.height + (y - view.height / 2) / z };
}

/**
 * Zoom by `factor` keeping the image point under (x, y) where it is (wheel and
 * pinch about the cursor). Pan stays in [0, 1]², so the frame never leaves the view entirely.
 */
export function zoomAbout(xf: Xform, factor: number, x: number, y: number, ref: Size, view: Size): Xform {
  const z0 = effectiveZoom(xf.zoom, ref, view);
  const z1 = clamp(z0 * factor, ZOOM_MIN, ZOOM_MAX);
  const p = viewToImage(x, y, xf, ref, view);
  return {
    zoom: z1,
    panX: clamp((p.u - (x - view.width / 2) / z1) / ref.width, 0, 1),
    panY: clamp((p.v - (y - view.height / 2) / z1) / ref.height, 0, 1),
  };
}

/** Drag by (dx, dy) CSS px: the image follows the pointer. */
export function panBy(xf: Xform, dx: number, dy: number, ref: Size, view: Size): Xform {
  const z = effectiveZoom(xf.zoom, ref, view);
  return { zoom: xf.zoom, panX: clamp(xf.panX - dx / (z * ref.width), 0, 1), panY: clamp(xf.panY - dy / (z * ref.height), 0, 1) };
}

/** The size both images are shown at: the larger one's (the LR is shown stretched to it). */
export function referenceSize(...frames: (Size | null | undefined)[]): Size | null {
  let best: Size | null = null;
  for (const f of frames) if (f && (!best || f.width > best.width)) best = { width: f.width, height: f.height };
  return best;
}

/** Source pixels of an image visible in a view, and where they land, in device pixels. */
export interface Placement {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
  dx: number;
  dy: number;
  /** Device px per source pixel. */
  scale: number;
  /** Nearest neighbour (no smoothing) when each source pixel covers at least one device pixel. */
  nearest: boolean;
}

/**
 * Where an image of size `img` goes in a view of `view` CSS px at `dpr`, under
 * xf: only the visible whole source pixels, placed on whole device pixels when
 * magnified so every source pixel becomes a crisp block. null when nothing shows.
 */
export function placeImage(img: Size, ref: Size, view: Size, xf: Xform, dpr: number): Placement | null {
  const z = effectiveZoom(xf.zoom, ref, view);
  const k = ref.width / img.width; // reference px per image px
  const scale = z * k * dpr;
  const nearest = scale >= 1;
  // Device position of the image's top-left corner.
  let ox = (view.width / 2 - xf.panX * ref.width * z) * dpr;
  let oy = (view.height / 2 - xf.panY * ref.height * z) * dpr;
  if (nearest) {
    ox = Math.round(ox);
    oy = Math.round(oy);
  }
  const W = view.width * dpr;
  const H = view.height * dpr;
  const sx = clamp(Math.floor(-ox / scale), 0, img.width);
  const sy = clamp(Math.floor(-oy / scale), 0, img.height);
  const ex = clamp(Math.ceil((W - ox) / scale), 0, img.width);
  const ey = clamp(Math.ceil((H - oy) / scale), 0, img.height);
  if (ex <= sx || ey <= sy) return null;
  return { sx, sy, sw: ex - sx, sh: ey - sy, dx: ox + sx * scale, dy: oy + sy * scale, scale, nearest };
}

/** Draws `src` (an image of size `img`) into ctx (device-pixel canvas) under xf. */
export function drawImage(ctx: CanvasRenderingContext2D, src: CanvasImageSource, img: Size, ref: Size, view: Size, xf: Xform, dpr: number): void {
  const p = placeImage(img, ref, view, xf, dpr);
  if (!p) return;
  ctx.imageSmoothingEnabled = !p.nearest;
  if (!p.nearest) ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(src, p.sx, p.sy, p.sw, p.sh, p.dx, p.dy, p.sw * p.scale, p.sh * p.scale);
}
