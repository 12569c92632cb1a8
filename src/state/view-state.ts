/**
 * What the compare and blind-test views show: plain data, shared by the views,
 * the share link (url-state.ts) and the tests. The numeric ranges here are the
 * ones the link decoder clamps to, so a view never receives a value it cannot draw.
 */
import { create } from 'zustand';

/**
 * The VSR model (a key of public/models/manifest.json). The degrader's model id
 * is PipelineParams.modelId; the upscaler's is not a degradation parameter, so it lives here.
 */
export const DEFAULT_VSR_MODEL = 'vsr';
export const MODEL_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The images a view can show (app/variants.ts makes them): fixed ones, and one per VSR model of
 * the manifest, 'vsr:<model id>' (Compare and the blind test offer every VSR model the manifest lists).
 */
export const BASE_VARIANT_IDS = ['original', 'bicubic', 'lr', 'pipeline-b'] as const;
export type BaseVariantId = (typeof BASE_VARIANT_IDS)[number];
export type VsrVariantId = `vsr:${string}`;
export type VariantId = BaseVariantId | VsrVariantId;

export function vsrVariant(modelId: string): VsrVariantId {
  return `vsr:${modelId}`;
}

/** The VSR model a variant shows, or null for the fixed variants. */
export function vsrModelOf(id: VariantId): string | null {
  return id.startsWith('vsr:') ? id.slice(4) : null;
}

export function isVariantId(v: unknown): v is VariantId {
  if (typeof v !== 'string') return false;
  if ((BASE_VARIANT_IDS as readonly string[]).includes(v)) return true;
  return v.startsWith('vsr:') && MODEL_ID_PATTERN.test(v.slice(4));
}

/** split: A | B under one draggable line; side: two panes side by side; windows: whole frame + two magnified windows (the paper's A-B UI). */
export const COMPARE_MODES = ['split', 'side', 'windows'] as const;
export type CompareMode = (typeof COMPARE_MODES)[number];

/** Zoom is CSS pixels per pixel of the larger image; 0 means "fit the view". */
export const ZOOM_MIN = 1 / 16;
export const ZOOM_MAX = 64;
/** Zoom-window region: its side as a fraction of the frame's width. */
export const REGION_MIN = 0.02;
export const REGION_MAX = 1;

export interface ZoomRegion {
  /** Centre of the magnified region, in [0, 1] of the frame's width and height. */
  x: number;
  y: number;
  /** Side of the (square) region as a fraction of the frame's width. */
  size: number;
}

export interface CompareState {
  a: VariantId;
  b: VariantId;
  mode: CompareMode;
  /** Split line position, [0, 1] of the view's width. */
  split: number;
  /** CSS px per image px (≥ 2 draws pixel-exact nearest neighbour); 0 = fit. */
  zoom: number;
  /** The image point at the centre of the view, [0, 1] of width and height. */
  panX: number;
  panY: number;
  region: ZoomRegion;
}

export const DEFAULT_COMPARE: CompareState = {
  a: 'original',
  b: 'bicubic',
  mode: 'split',
  split: 0.5,
  zoom: 0,
  panX: 0.5,
  panY: 0.5,
  region: { x: 0.5, y: 0.5, size: 0.2 },
};

/**
 * A blind A-B test: every frame × every method pair is one trial; the seed fixes
 * the trial order and which side each method appears on, so the same definition
 * replays identically.
 */
export interface BlindTestDef {
  seed: number;
  /** Source frame indices (0-based), distinct. */
  frames: number[];
  /** Method pairs; the two ids of a pair differ. */
  pairs: [VariantId, VariantId][];
  /** What the main window shows (the whole frame); the two zoom windows show the pair. */
  context: VariantId;
}

export const BLIND_MAX_FRAMES = 64;
export const BLIND_MAX_PAIRS = 15;

export const DEFAULT_BLIND: BlindTestDef = {
  seed: 1,
  frames: [0],
  pairs: [[vsrVariant(DEFAULT_VSR_MODEL), 'bicubic']],
  context: 'lr',
};

export interface ViewStore {
  compare: CompareState;
  vsrModel: string;
  /**
   * The Upscale tab's "auto": the app picks vsrModel from the clip (app/upscale/auto-model.ts).
   * Where the manifest routes no models it has no effect.
   */
  vsrAuto: boolean;
  blind: BlindTestDef;
  setCompare: (patch: Partial<CompareState>) => void;
  /** The model, as auto picked it (auto stays on). */
  setVsrModel: (id: string) => void;
  /** The model, as the user or a link named it: auto goes off. */
  chooseVsrModel: (id: string) => void;
  setVsrAuto: (on: boolean) => void;
  setBlind: (def: BlindTestDef) => void;
}

export const useView = create<ViewStore>((set, get) => ({
  compare: DEFAULT_COMPARE,
  vsrModel: DEFAULT_VSR_MODEL,
  vsrAuto: true,
  blind: DEFAULT_BLIND,
  setCompare: (patch) => set({ compare: onLinkGrid({ ...get().compare, ...patch }) }),
  setVsrModel: (vsrModel) => set({ vsrModel }),
  chooseVsrModel: (vsrModel) => set({ vsrModel, vsrAuto: false }),
  setVsrAuto: (vsrAuto) => set({ vsrAuto }),
  setBlind: (blind) => set({ blind }),
}));

/** Numbers in links have a fixed number of decimals: compact, and a decoded state re-encodes to the same text. */
export function q4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
/** Pan and region centres get 6 decimals: a 1e-6 step is ¼ px even at 64× on a 4K frame, so drags stay smooth. */
export function q6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/**
 * The compare state rounded to what a link can hold. The views keep their state
 * on this grid, so a restored link reproduces the exact pixels on screen (a pan
 * rounded only when encoded could land a magnified image one pixel off).
 */
export function onLinkGrid(c: CompareState): CompareState {
  return {
    ...c,
    split: q4(c.split),
    zoom: q4(c.zoom),
    panX: q6(c.panX),
    panY: q6(c.panY),
    region: { x: q6(c.region.x), y: q6(c.region.y), size: q4(c.region.size) },
  };
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
