/**
 * The browser's memory of the backend choice: the user's setting and what earlier probes measured
 * (per adapter and model file; see gpu/backend-choice.ts). localStorage, because the engine worker
 * has none; everything read back is validated, and a broken or full storage only costs a re-probe.
 */
import { BACKEND_PREFERENCES, isMeasurement, type BackendPreference, type StageMeasurement } from '../gpu/backend-choice';

const PREF_KEY = 'vqdsr.backend.preference';
const MEASURE_KEY = 'vqdsr.backend.measurements.v1';
/** Enough for a few adapters × models; the oldest go first. */
const MAX_MEASUREMENTS = 32;

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // blocked storage (privacy settings, sandboxed frames)
  }
}

/** `?webgpu` and `?wasm` force one side for this visit; otherwise the stored setting, default 'auto'. */
export function loadPreference(search: string): BackendPreference {
  const q = new URLSearchParams(search);
  if (q.has('webgpu')) return 'webgpu';
  if (q.has('wasm')) return 'wasm';
  const v = storage()?.getItem(PREF_KEY);
  return BACKEND_PREFERENCES.includes(v as BackendPreference) ? (v as BackendPreference) : 'auto';
}

export function savePreference(p: BackendPreference): void {
  try {
    storage()?.setItem(PREF_KEY, p);
  } catch {
    /* full or blocked storage: the setting lasts this visit */
  }
}

export function loadMeasurements(): Record<string, StageMeasurement> {
  try {
    const raw: unknown = JSON.parse(storage()?.getItem(MEASURE_KEY) ?? '{}');
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
    return Object.fromEntries(Object.entries(raw).filter((e): e is [string, StageMeasurement] => isMeasurement(e[1])));
  } catch {
    return {};
  }
}

export function saveMeasurement(key: string, m: StageMeasurement): void {
  const all = { ...loadMeasurements(), [key]: m };
  const kept = Object.entries(all)
    .sort((a, b) => a[1].at.localeCompare(b[1].at))
    .slice(-MAX_MEASUREMENTS);
  try {
    storage()?.setItem(MEASURE_KEY, JSON.stringify(Object.fromEntries(kept)));
  } catch {
    /* as above */
  }
}

export function forgetMeasurements(): void {
  try {
    storage()?.removeItem(MEASURE_KEY);
  } catch {
    /* as above */
  }
}
