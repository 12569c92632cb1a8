/**
 * A blind test in progress (kept outside the view so switching tabs does not
 * lose the votes). The definition it runs is a snapshot: editing the test or
 * opening another test's link starts over.
 */
import { create } from 'zustand';
import type { BlindTestDef } from '../../state/view-state';
import { makeTrials, voteFor, type Trial, type Vote } from './blind-test';

export type BlindPhase = 'setup' | 'running' | 'done';

interface BlindRun {
  phase: BlindPhase;
  def: BlindTestDef | null;
  trials: Trial[];
  votes: Vote[];
  start: (def: BlindTestDef) => void;
  vote: (choice: 1 | 2, ms: number) => void;
  /** Takes back the last vote (a slip of the finger). */
  undo: () => void;
  reset: () => void;
}

export const useBlindRun = create<BlindRun>((set, get) => ({
  phase: 'setup',
  def: null,
  trials: [],
  votes: [],
  start: (def) => set({ phase: 'running', def, trials: makeTrials(def), votes: [] }),
  vote(choice, ms) {
    const { phase, trials, votes } = get();
    if (phase !== 'running') return;
    const trial = trials[votes.length];
    if (!trial) return;
    const next = [...votes, voteFor(trial, choice, ms)];
    set({ votes: next, phase: next.length === trials.length ? 'done' : 'running' });
  },
  undo() {
    const { votes } = get();
    if (votes.length > 0) set({ votes: votes.slice(0, -1), phase: 'running' });
  },
  reset: () => set({ phase: 'setup', def: null, trials: [], votes: [] }),
}));
