/**
 * "Your models" (in the Upscale tab): add an .onnx upscaler of your own (pick it, or drop it on the
 * page), see what the app made of it (scale, frames, value range, tile size, and how each was
 * found), answer what it could not tell, remove it. Added models are kept by the browser and
 * offered like ours in every model picker.
 */
import { useRef, useState, type FormEvent } from 'react';
import { BYO_MAX_BYTES, byoSummary, type ByoAnswers } from '../../pipeline/byo/byo-model';
import { MAX_STATE_CHANNELS } from '../../pipeline/byo/probe';
import { addModelFile, BYO_ACCEPT, cancelQuestions, removeModel, useByo, useYourModels } from './byo-client';
import './byo.css';

export function ByoPanel() {
  const byo = useByo();
  const yours = useYourModels();
  const input = useRef<HTMLInputElement>(null);
  const busy = byo.phase === 'reading';
  return (
    <div className="panel byo-panel" data-testid="byo-panel">
      <h3>Your models</h3>
      <p className="muted">
        Bring an upscaler of your own: an <code>.onnx</code> file (×1–×4, NCHW RGB, one frame in and one out, or this app&rsquo;s recurrent step), up to {BYO_MAX_BYTES / 2 ** 20} MB.
        It is checked and tried on a test frame, kept by this browser for your next visit, and offered here, in Compare and in the blind A-B test.
      </p>
      <div className="panel-actions">
        <button type="button" disabled={busy} onClick={() => input.current?.click()} data-testid="byo-add">
          Add an ONNX model…
        </button>
        <span className="muted">or drop it on the page</span>
        <input
          ref={input}
          type="file"
          accept={BYO_ACCEPT}
          hidden
          data-testid="byo-file-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            e.target.value = ''; // the same file again is a new choice
            if (f) void addModelFile(f);
          }}
        />
      </div>
      {byo.phase === 'reading' && (
        <div className="muted" data-testid="byo-status" data-phase="reading">
          {byo.message}
        </div>
      )}
      {byo.phase === 'refused' && (
        <div className="warn" data-testid="byo-status" data-phase="refused">
          Not added: {byo.message}
        </div>
      )}
      {byo.phase === 'added' && byo.added && (
        <div className="byo-ok" data-testid="byo-status" data-phase="added">
          Added {byo.added.byo?.fileName}: {byoSummary(byo.added)}. Selected above.
        </div>
      )}
      {byo.phase === 'asking' && byo.file && <ByoQuestions />}
      {yours.length > 0 && (
        <ul className="byo-list" data-testid="byo-list">
          {yours.map((m) => (
            <li key={m.id} data-testid="byo-model" data-id={m.id}>
              <div>
                <strong>{m.byo!.fileName}</strong> <span className="muted">{byoSummary(m)}</span>
                {m.byo!.webgpuProblem && <span className="muted"> · runs on the CPU (wasm)</span>}
              </div>
              <details>
                <summary className="muted">How the app found this</summary>
                <ul className="muted">
                  {m.byo!.notes.map((n, i) => (
                    <li key={i}>{n}</li>
                  ))}
                  <li>
                    {(m.step.bytes / 2 ** 20).toFixed(1)} MB, sha256 {m.step.sha256.slice(0, 16)}…, added {new Date(m.byo!.addedAt).toLocaleString()}
                  </li>
                </ul>
              </details>
              <button type="button" onClick={() => void removeModel(m.id)} data-testid="byo-remove" title="Forget this model (its file stays on your disk)">
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** What the model did not tell: asked once, with the app's best guess preselected. */
function ByoQuestions() {
  const byo = useByo();
  const rangeQ = byo.questions.find((q) => q.id === 'range');
  const stateQ = byo.questions.find((q) => q.id === 'stateChannels');
  const [range, setRange] = useState<1 | 255>(rangeQ?.id === 'range' ? rangeQ.suggested : 1);
  const [width, setWidth] = useState('');
  const widthOk = !stateQ || (/^\d+$/.test(width) && Number(width) >= 1 && Number(width) <= MAX_STATE_CHANNELS);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!byo.file || !widthOk) return;
    const answers: ByoAnswers = {};
    if (rangeQ) answers.range = range;
    if (stateQ) answers.stateChannels = Number(width);
    void addModelFile(byo.file, answers);
  };
  return (
    <form className="byo-form" onSubmit={submit} data-testid="byo-form">
      <div>
        <strong>{byo.file?.name}</strong>: what the app cannot tell by itself.
      </div>
      {byo.notes.length > 0 && <div className="muted">Found: {byo.notes.join('; ')}.</div>}
      {rangeQ && (
        <fieldset>
          <legend>Value range of its pixels</legend>
          <p className="muted">{rangeQ.why}</p>
          <label>
            <input type="radio" name="byo-range" checked={range === 1} onChange={() => setRange(1)} data-testid="byo-range-1" /> 0–1
          </label>{' '}
          <label>
            <input type="radio" name="byo-range" checked={range === 255} onChange={() => setRange(255)} data-testid="byo-range-255" /> 0–255
          </label>
        </fieldset>
      )}
      {stateQ && (
        <fieldset>
          <legend>State width C</legend>
          <p className="muted">{stateQ.why}</p>
          <input type="number" min={1} max={MAX_STATE_CHANNELS} value={width} onChange={(e) => setWidth(e.target.value)} data-testid="byo-state-width" style={{ width: 80 }} />
        </fieldset>
      )}
      <div className="panel-actions">
        <button type="submit" className="primary" disabled={!widthOk} data-testid="byo-submit">
          Add with this answer
        </button>
        <button type="button" onClick={cancelQuestions}>
          Cancel
        </button>
      </div>
    </form>
  );
}
