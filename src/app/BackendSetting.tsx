import { useApp } from '../state/store';
import { getEngine } from '../engine/engine-client';
import { savePreference, forgetMeasurements } from './backend-memory';
import type { BackendPreference } from '../gpu/backend-choice';

const LABEL: Record<BackendPreference, string> = {
  auto: 'Auto (fastest, measured)',
  webgpu: 'WebGPU',
  wasm: 'CPU (wasm)',
};

/**
 * Where the heavy stages run: measured per stage (default), or forced to one side. Only offered
 * when WebGPU is up — without it everything runs on the CPU anyway. "Measure again" forgets
 * what earlier probes found (after a driver or browser update, say), and times a software adapter,
 * which auto otherwise leaves untimed (gpu/backend-choice.ts).
 */
export function BackendSetting() {
  const backend = useApp((s) => s.backend);
  const pref = useApp((s) => s.backendPreference);
  if (backend?.kind !== 'webgpu') return null;
  const change = async (value: string) => {
    const again = value === 'measure-again';
    const p: BackendPreference = again ? 'auto' : (value as BackendPreference);
    if (again) forgetMeasurements();
    savePreference(p);
    useApp.getState().setBackendPreference(p);
    await (await getEngine()).api.setBackendPreference(p, again);
  };
  return (
    <label className="muted backend-setting" title="Where degradation and upscaling run. Auto times both sides once per model on this device and keeps the faster; on a software WebGPU adapter it runs everything on the CPU untimed, and Measure again times it.">
      Run on{' '}
      <select data-testid="backend-setting" value={pref} onChange={(e) => void change(e.target.value)}>
        {(Object.keys(LABEL) as BackendPreference[]).map((p) => (
          <option key={p} value={p}>
            {LABEL[p]}
          </option>
        ))}
        <option value="measure-again">Measure again</option>
      </select>
    </label>
  );
}
