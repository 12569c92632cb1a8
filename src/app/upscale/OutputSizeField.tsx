/**
 * The Upscale tab's "Output size" select (output-size.ts): each choice names the size it makes
 * for the current clip, region and source; a choice this input cannot have is greyed out with the
 * reason (its tooltip, and the line under the select when it is the one chosen).
 */
import { useApp } from '../../state/store';
import { usePipeline } from '../../state/params-store';
import { QUALITY } from '../../media/export-args';
import type { OutputSizeId } from '../../pipeline/vsr/output-size';
import { useView } from '../../state/view-state';
import { useModels } from '../../state/models-store';
import { lrSizeOf, outputSizeChoices, outputSizeHint } from './output-size';
import { regionBox, useUpscale } from './upscale-run';

export function OutputSizeField() {
  const source = useApp((s) => s.source);
  const settings = useUpscale((s) => s.settings);
  const setSettings = useUpscale((s) => s.setSettings);
  const downFactor = usePipeline((s) => s.params.down.factor);
  const model = useView((s) => s.vsrModel);
  const netScale = useModels((s) => s.vsr.find((m) => m.id === model)?.scale ?? 4);
  const lr = source ? lrSizeOf(source, settings.source === 'degraded', downFactor) : null;
  const box = lr ? regionBox(settings.region, lr.width, lr.height) : null;
  const even = !source?.isImage && settings.output in QUALITY;
  const choices = outputSizeChoices(box && { width: box.w, height: box.h }, even, netScale);
  const chosen = choices.find((c) => c.id === settings.size);
  return (
    <>
      <label className="field" title="The net upscales ×4; other sizes resample its output with Lanczos-3 (enhance: its input)">
        <span>Output size</span>
        <select data-testid="upscale-size" value={settings.size} onChange={(e) => setSettings({ size: e.target.value as OutputSizeId })}>
          {choices.map((c) => (
            <option key={c.id} value={c.id} disabled={!!c.problem} title={c.problem ?? undefined}>
              {c.label}
            </option>
          ))}
        </select>
        <span />
      </label>
      <div className="hint" data-testid="upscale-size-hint" data-problem={chosen?.problem ? 'true' : undefined}>
        {outputSizeHint(chosen)}
      </div>
    </>
  );
}
