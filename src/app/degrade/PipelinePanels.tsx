/**
 * The sliders of x = FFmpeg(VQD(Down(Noise(Blur(y))))): one panel per stage, in
 * pipeline order, editing the one validated PipelineParams in the params store.
 */
import { useEffect, useRef } from 'react';
import { usePipeline } from '../../state/params-store';
import { useApp } from '../../state/store';
import { useModels } from '../../state/models-store';
import { BLUR_KINDS, BLUR_LIMITS } from '../../pipeline/blur/options';
import { NOISE_KINDS, NOISE_LIMITS } from '../../pipeline/noise/options';
import { RESIZE_METHODS } from '../../pipeline/resize/options';
import { VIDEO_CODECS, X264_PROFILES } from '../../media/codec-args';
import { blurKernel, renderKernelRgba } from '../../pipeline/blur/kernel';
import { ANCHOR_SIGMA_MAX, defaultPipelineParams, VQD_K_MAX, type PipelineParams } from '../../pipeline/params';
import { samplePaperParams } from '../../pipeline/sample-params';
import { Panel, Select, Slider, Toggle } from './controls';

type Patch = (p: PipelineParams) => PipelineParams;

function useEdit() {
  const setParams = usePipeline((s) => s.setParams);
  return (f: Patch) => {
    try {
      setParams(f(structuredClone(usePipeline.getState().params)));
    } catch (e) {
      useApp.getState().setError(e instanceof Error ? e.message : String(e));
    }
  };
}

const deg = (r: number) => `${Math.round((r * 180) / Math.PI)}°`;

function KernelPreview({ params }: { params: PipelineParams['blur'] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const k = blurKernel(params);
    const side = Math.round(Math.sqrt(k.length));
    c.width = side;
    c.height = side;
    c.getContext('2d')!.putImageData(new ImageData(renderKernelRgba(k, side), side, side), 0, 0);
  }, [params]);
  return <canvas ref={ref} className="kernel-preview" data-testid="kernel-preview" title="The blur kernel (brightness ∝ weight)" />;
}

/** Says when the degrader's weights are weak, from the engine manifest's own training summary. */
function ModelNote({ modelId }: { modelId: string }) {
  const model = useModels((s) => s.vqgan.find((m) => m.id === modelId));
  const note = !model ? null : !model.trained ? `The ${model.id} VQGAN has random weights (not trained): its output is noise.` : (model.qualityNote ?? null);
  return note ? (
    <p className="hint" data-testid="vqd-model-note">
      {note} <a href="models/MODEL_CARD.md" target="_blank" rel="noreferrer">Model card</a>
    </p>
  ) : null;
}

export function PipelinePanels() {
  const p = usePipeline((s) => s.params);
  const edit = useEdit();
  const b = p.blur;
  const n = p.noise;
  const c = p.compress;
  const paper = p.vqd.mode === 'paper';
  return (
    <div className="panels">
      <div className="panel-actions">
        <button
          type="button"
          className="primary"
          data-testid="random-params"
          title="Draw every parameter from the paper's training distribution (R)"
          onClick={() => edit(() => samplePaperParams(crypto.getRandomValues(new Uint32Array(1))[0]))}
        >
          Random (paper)
        </button>
        <button type="button" onClick={() => edit(() => defaultPipelineParams())}>
          Reset
        </button>
        <span className="muted" data-testid="params-seed">
          seed {p.seed}
        </span>
      </div>
      <Panel title="1 · Blur" aside={<KernelPreview params={b} />}>
        <Select label="kernel" value={b.kind} options={BLUR_KINDS} onChange={(v) => edit((q) => ((q.blur.kind = v), q))} testId="blur-kind" />
        <Slider label={b.kind === 'iso' ? 'σ' : 'σx'} value={b.sigmaX} min={BLUR_LIMITS.sigmaX[0]} max={BLUR_LIMITS.sigmaX[1]} step={0.05} format={(v) => v.toFixed(2)} disabled={b.kind === 'none'} onChange={(v) => edit((q) => ((q.blur.sigmaX = v), q))} testId="blur-sigma" />
        {b.kind !== 'iso' && b.kind !== 'none' && (
          <>
            <Slider label="σy" value={b.sigmaY} min={BLUR_LIMITS.sigmaY[0]} max={BLUR_LIMITS.sigmaY[1]} step={0.05} format={(v) => v.toFixed(2)} onChange={(v) => edit((q) => ((q.blur.sigmaY = v), q))} />
            <Slider label="θ" value={b.theta} min={BLUR_LIMITS.theta[0]} max={BLUR_LIMITS.theta[1]} step={0.01} format={deg} onChange={(v) => edit((q) => ((q.blur.theta = v), q))} />
          </>
        )}
        {(b.kind === 'generalized' || b.kind === 'plateau') && (
          <Slider label="β (shape)" value={b.beta} min={BLUR_LIMITS.beta[0]} max={BLUR_LIMITS.beta[1]} step={0.05} format={(v) => v.toFixed(2)} onChange={(v) => edit((q) => ((q.blur.beta = v), q))} />
        )}
      </Panel>
      <Panel title="2 · Noise">
        <Select label="kind" value={n.kind} options={NOISE_KINDS} onChange={(v) => edit((q) => ((q.noise.kind = v), q))} testId="noise-kind" />
        {n.kind === 'gaussian' && (
          <Slider label="σ (/255)" value={n.sigma} min={NOISE_LIMITS.sigma[0]} max={NOISE_LIMITS.sigma[1]} step={0.5} format={(v) => v.toFixed(1)} onChange={(v) => edit((q) => ((q.noise.sigma = v), q))} testId="noise-sigma" title="The paper draws 0–10; beyond is for exploring" />
        )}
        {n.kind === 'poisson' && (
          <Slider label="scale" value={n.scale} min={NOISE_LIMITS.scale[0]} max={NOISE_LIMITS.scale[1]} step={0.05} format={(v) => v.toFixed(2)} onChange={(v) => edit((q) => ((q.noise.scale = v), q))} />
        )}
        <Toggle label="grey" checked={n.gray} disabled={n.kind === 'none'} onChange={(v) => edit((q) => ((q.noise.gray = v), q))} />
        <Slider label="seed" value={p.seed % 1000} min={0} max={999} onChange={(v) => edit((q) => ((q.seed = v), q))} title="Noise seed (the counter-based RNG is keyed by seed, frame, pixel)" />
      </Panel>
      <Panel title="3 · Down">
        <Slider label="factor" value={p.down.factor} min={1} max={4} step={0.25} format={(v) => `1/${v}`} onChange={(v) => edit((q) => ((q.down.factor = v), q))} testId="down-factor" />
        <Select label="method" value={p.down.method} options={RESIZE_METHODS} onChange={(v) => edit((q) => ((q.down.method = v), q))} testId="down-method" />
      </Panel>
      <Panel title="4 · VQ degradation">
        <ModelNote modelId={p.modelId} />
        <Toggle label="enabled" checked={p.vqd.enabled} onChange={(v) => edit((q) => ((q.vqd.enabled = v), q))} testId="vqd-enabled" />
        <Select label="k" value={p.vqd.mode} options={['fixed', 'paper'] as const} labels={{ fixed: 'fixed', paper: 'paper random (per clip)' }} disabled={!p.vqd.enabled} onChange={(v) => edit((q) => ((q.vqd.mode = v), q))} />
        {paper && (
          <Slider label="k seed" value={p.vqd.seed % 1000} min={0} max={999} disabled={!p.vqd.enabled} onChange={(v) => edit((q) => ((q.vqd.seed = v), q))} title="top 1, middle U{1..10}, bottom 1–15 / 16–30 / 31–50 with p .3/.4/.3" />
        )}
        <Slider label="k top (f=8)" value={p.vqd.kTop} min={1} max={VQD_K_MAX} disabled={!p.vqd.enabled || paper} onChange={(v) => edit((q) => ((q.vqd.kTop = v), q))} testId="vqd-ktop" />
        <Slider label="k middle (f=4)" value={p.vqd.kMid} min={1} max={VQD_K_MAX} disabled={!p.vqd.enabled || paper} onChange={(v) => edit((q) => ((q.vqd.kMid = v), q))} testId="vqd-kmid" />
        <Slider label="k bottom (f=2)" value={p.vqd.kBot} min={1} max={VQD_K_MAX} disabled={!p.vqd.enabled || paper} onChange={(v) => edit((q) => ((q.vqd.kBot = v), q))} testId="vqd-kbot" />
        <Slider
          label="colour anchor σ"
          value={p.vqd.anchorSigma}
          min={0}
          max={ANCHOR_SIGMA_MAX}
          step={0.25}
          format={(v) => (v === 0 ? 'off' : `${v.toFixed(2)} px`)}
          disabled={!p.vqd.enabled}
          onChange={(v) => edit((q) => ((q.vqd.anchorSigma = v), q))}
          testId="vqd-anchor"
          title="Keeps the VQGAN's fine detail (its degradations) but takes the regional colour from its input, so VQD does not tint the frame. Larger σ: only broader colour is taken back; 0: off"
        />
      </Panel>
      <Panel title="5 · Codec (FFmpeg)">
        <Select label="codec" value={c.codec} options={['none', ...VIDEO_CODECS] as const} onChange={(v) => edit((q) => ((q.compress.codec = v), q))} testId="codec" />
        {c.codec === 'libx264' && (
          <>
            <Slider label="crf" value={c.crf} min={0} max={51} onChange={(v) => edit((q) => ((q.compress.crf = v), q))} testId="crf" title="The paper draws 18–35" />
            <Select label="profile" value={c.profile} options={X264_PROFILES} onChange={(v) => edit((q) => ((q.compress.profile = v), q))} />
          </>
        )}
        {(c.codec === 'mpeg4' || c.codec === 'mpeg2video') && (
          <Slider label="qscale" value={c.qscale} min={1} max={31} onChange={(v) => edit((q) => ((q.compress.qscale = v), q))} />
        )}
      </Panel>
    </div>
  );
}
