import { useEffect, useRef, useState } from 'react';
import { useApp } from '../../state/store';
import { BLIND_MAX_FRAMES, BLIND_MAX_PAIRS, DEFAULT_VSR_MODEL, useView, vsrVariant, type BlindTestDef } from '../../state/view-state';
import { variantLabel, type VariantId } from '../variants';
import { ZoomWindows } from '../compare/ZoomWindows';
import { VariantSelect } from '../compare/CompareView';
import { useAvailableVariants, useVariantFrame } from '../compare/frames';
import { downloadText, parseFrameList, resultsCsv, resultsJson, tally, uniformFrames } from './blind-test';
import { useBlindRun } from './blind-run';
import '../compare/compare.css';

/**
 * The paper's A-B user study, runnable by anyone (VQD-SR supplementary, Fig. 6):
 * frames × method pairs, each trial showing the two methods in seeded random
 * order as "1" and "2" (whole frame + two magnified windows), voted with the
 * keys 1 and 2; at the end the share of votes per method per pair, exportable.
 */
export function BlindTestView() {
  const def = useView((s) => s.blind);
  const run = useBlindRun();
  // A different definition (edited, or from a link) invalidates a run in progress.
  useEffect(() => {
    if (run.def && JSON.stringify(run.def) !== JSON.stringify(def)) run.reset();
  }, [def, run]);
  if (run.phase === 'setup' || !run.def) return <BlindSetup def={def} />;
  if (run.phase === 'running') return <BlindTrial />;
  return <BlindResults />;
}

function sameDef(a: BlindTestDef, b: BlindTestDef): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function BlindSetup({ def }: { def: BlindTestDef }) {
  const setBlind = useView((s) => s.setBlind);
  const source = useApp((s) => s.source);
  const available = useAvailableVariants();
  const frameCount = source?.frameCount ?? 1;
  const [framesText, setFramesText] = useState(() => def.frames.map((f) => f + 1).join(', '));
  const [uniformN, setUniformN] = useState(4);
  const [newPair, setNewPair] = useState<[VariantId, VariantId]>([vsrVariant(DEFAULT_VSR_MODEL), 'bicubic']);
  useEffect(() => setFramesText(def.frames.map((f) => f + 1).join(', ')), [def.frames]);
  const update = (patch: Partial<BlindTestDef>) => {
    const next = { ...def, ...patch };
    if (!sameDef(next, def)) setBlind(next);
  };
  const commitFrames = () => {
    const frames = parseFrameList(framesText, frameCount);
    if (frames.length > 0) update({ frames });
    else setFramesText(def.frames.map((f) => f + 1).join(', '));
  };
  const used = new Set<VariantId>([def.context, ...def.pairs.flat()]);
  const missing = [...used].filter((id) => !available.includes(id));
  const beyond = def.frames.filter((f) => f >= frameCount);
  const trials = def.frames.length * def.pairs.length;
  return (
    <section className="blind" data-testid="blind-setup">
      <div className="panel blind-setup">
        <h3>Blind A-B test</h3>
        <p className="muted">
          Every frame × method pair is one trial. The two methods appear as “1” and “2” in an order drawn from the seed, so the same test replays identically — share it with
          “Copy link”. Vote with the keys <kbd>1</kbd> and <kbd>2</kbd>.
        </p>
        <label className="blind-row">
          <span>Frames (1-based)</span>
          <input
            type="text"
            value={framesText}
            onChange={(e) => setFramesText(e.target.value)}
            onBlur={commitFrames}
            onKeyDown={(e) => e.key === 'Enter' && commitFrames()}
            data-testid="blind-frames"
            aria-label="Frames, 1-based, e.g. 1, 20, 40-42"
          />
        </label>
        <div className="blind-row">
          <span />
          <span>
            <button type="button" onClick={() => update({ frames: uniformFrames(frameCount, uniformN) })} data-testid="blind-uniform">
              Spread
            </button>{' '}
            <input type="number" min={1} max={BLIND_MAX_FRAMES} value={uniformN} onChange={(e) => setUniformN(Math.max(1, Math.min(BLIND_MAX_FRAMES, Number(e.target.value) || 1)))} style={{ width: 56 }} aria-label="How many frames" /> frames
            evenly over the clip (the paper: 4 per clip)
          </span>
        </div>
        <div className="blind-row">
          <span>Method pairs</span>
          <ul className="blind-pairs" data-testid="blind-pairs">
            {def.pairs.map(([x, y], i) => (
              <li key={`${x}|${y}`}>
                {variantLabel(x)} <span className="muted">vs</span> {variantLabel(y)}{' '}
                <button type="button" aria-label="Remove this pair" disabled={def.pairs.length <= 1} onClick={() => update({ pairs: def.pairs.filter((_, j) => j !== i) })}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        </div>
        <div className="blind-row">
          <span />
          <span className="blind-add">
            <VariantSelect label="" value={newPair[0]} onChange={(v) => setNewPair([v, newPair[1]])} available={available} testId="blind-new-a" />
            <span className="muted">vs</span>
            <VariantSelect label="" value={newPair[1]} onChange={(v) => setNewPair([newPair[0], v])} available={available} testId="blind-new-b" />
            <button
              type="button"
              data-testid="blind-add-pair"
              disabled={newPair[0] === newPair[1] || def.pairs.length >= BLIND_MAX_PAIRS || def.pairs.some((p) => p[0] === newPair[0] && p[1] === newPair[1])}
              onClick={() => update({ pairs: [...def.pairs, newPair] })}
            >
              Add pair
            </button>
          </span>
        </div>
        <div className="blind-row">
          <span>Main window</span>
          <VariantSelect label="" value={def.context} onChange={(v) => update({ context: v })} available={available} testId="blind-context" />
        </div>
        <label className="blind-row">
          <span>Seed</span>
          <span>
            <input
              type="number"
              min={0}
              max={4294967295}
              value={def.seed}
              onChange={(e) => {
                const v = Math.floor(Number(e.target.value));
                if (Number.isFinite(v) && v >= 0 && v <= 0xffffffff) update({ seed: v });
              }}
              data-testid="blind-seed"
              style={{ width: 130 }}
            />{' '}
            <button type="button" onClick={() => update({ seed: crypto.getRandomValues(new Uint32Array(1))[0] })}>
              New seed
            </button>
          </span>
        </label>
        {missing.length > 0 && <p className="warn">Not available yet: {missing.map((id) => variantLabel(id)).join(', ')}. Open the view that makes them first (e.g. Degrade, Upscale).</p>}
        {beyond.length > 0 && <p className="warn">Frames past the end of this clip ({frameCount} frames): {beyond.map((f) => f + 1).join(', ')}.</p>}
        <p>
          <button type="button" className="primary" disabled={missing.length > 0 || beyond.length > 0} onClick={() => useBlindRun.getState().start(def)} data-testid="blind-start">
            Start · {trials} trial{trials === 1 ? '' : 's'}
          </button>
        </p>
      </div>
    </section>
  );
}

function BlindTrial() {
  const { def, trials, votes } = useBlindRun();
  const source = useApp((s) => s.source);
  const region = useView((s) => s.compare.region);
  const setCompare = useView((s) => s.setCompare);
  const trial = trials[votes.length];
  const main = useVariantFrame(def!.context, trial.frame);
  const a = useVariantFrame(trial.first, trial.frame);
  const b = useVariantFrame(trial.second, trial.frame);
  // Ready only when all three show this trial's frame (not the previous trial's, still on screen while the next renders).
  const ready = a.of === `${trial.first}@${trial.frame}` && b.of === `${trial.second}@${trial.frame}` && main.of === `${def!.context}@${trial.frame}`;
  const shownAt = useRef(0);
  useEffect(() => {
    if (ready) shownAt.current = performance.now();
  }, [ready, trial.index]);

  const latest = useRef({ ready });
  latest.current = { ready };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      if (e.key !== '1' && e.key !== '2') return;
      e.preventDefault();
      if (!latest.current.ready) return; // never a vote on an image the subject has not seen
      useBlindRun.getState().vote(e.key === '1' ? 1 : 2, performance.now() - shownAt.current);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const vote = (c: 1 | 2) => ready && useBlindRun.getState().vote(c, performance.now() - shownAt.current);
  const frameName = `${source?.name ?? ''} — frame ${trial.frame + 1}`;
  return (
    <section className="blind" data-testid="blind-trial" data-ready={ready}>
      <ZoomWindows
        main={main}
        a={a}
        b={b}
        labelA={<strong>1</strong>}
        labelB={<strong>2</strong>}
        region={region}
        onRegion={(r) => setCompare({ region: r })}
        testId="blind-zoom"
        caption={
          <>
            <span className="blind-progress" data-testid="blind-progress">
              {votes.length + 1} / {trials.length}
            </span>{' '}
            <span data-testid="blind-frame-name">{frameName}</span>
          </>
        }
      />
      <div className="blind-vote">
        <span>Which has the higher visual quality?</span>
        <button type="button" className="primary" disabled={!ready} onClick={() => vote(1)} data-testid="vote-1">
          1 is better <kbd>1</kbd>
        </button>
        <button type="button" className="primary" disabled={!ready} onClick={() => vote(2)} data-testid="vote-2">
          2 is better <kbd>2</kbd>
        </button>
        <span style={{ flex: 1 }} />
        <button type="button" disabled={votes.length === 0} onClick={() => useBlindRun.getState().undo()}>
          Undo last vote
        </button>
        <button type="button" onClick={() => useBlindRun.getState().reset()}>
          Stop
        </button>
      </div>
    </section>
  );
}

function pct(v: number): string {
  return Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : '–';
}

function BlindResults() {
  const { def, votes } = useBlindRun();
  const source = useApp((s) => s.source);
  const name = source?.name ?? 'source';
  const results = tally(def!, votes);
  const base = `blind-test-${name.replace(/[^A-Za-z0-9._-]+/g, '_')}-seed${def!.seed}`;
  return (
    <section className="blind" data-testid="blind-results">
      <div className="panel">
        <h3>Results · {votes.length} votes</h3>
        <table className="blind-table">
          <thead>
            <tr>
              <th>Pair</th>
              <th>Method</th>
              <th>Votes</th>
              <th>Share</th>
            </tr>
          </thead>
          <tbody>
            {results.map((r) =>
              ([0, 1] as const).map((k) => (
                <tr key={`${r.pair.join('|')}:${k}`} data-testid={`result-${r.pair[0]}-${r.pair[1]}-${r.pair[k]}`}>
                  {k === 0 && <td rowSpan={2}>{`${variantLabel(r.pair[0])} vs ${variantLabel(r.pair[1])}`}</td>}
                  <td>{variantLabel(r.pair[k])}</td>
                  <td>
                    {r.votes[k]} / {r.total}
                  </td>
                  <td>
                    <span className="bar" style={{ width: Number.isFinite(r.share[k]) ? r.share[k] * 120 : 0 }} /> {pct(r.share[k])}
                  </td>
                </tr>
              )),
            )}
          </tbody>
        </table>
        <p>
          <button type="button" onClick={() => downloadText(`${base}.csv`, resultsCsv(def!, votes, name, (id) => variantLabel(id)), 'text/csv')} data-testid="blind-export-csv">
            Export CSV
          </button>{' '}
          <button type="button" onClick={() => downloadText(`${base}.json`, resultsJson(def!, votes, name), 'application/json')} data-testid="blind-export-json">
            Export JSON
          </button>{' '}
          <button type="button" onClick={() => useBlindRun.getState().start(def!)}>
            Run again
          </button>{' '}
          <button type="button" onClick={() => useBlindRun.getState().reset()}>
            Edit the test
          </button>
        </p>
      </div>
    </section>
  );
}
