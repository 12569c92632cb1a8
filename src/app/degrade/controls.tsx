/** Small labelled controls shared by the pipeline panels. */
import type { ReactNode } from 'react';

export function Slider(props: {
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  format?: (v: number) => string;
  disabled?: boolean;
  onChange: (v: number) => void;
  testId?: string;
  title?: string;
}) {
  const { label, value, min, max, step = 1, format = (v) => String(v), disabled, onChange, testId, title } = props;
  return (
    <label className="field" title={title}>
      <span>{label}</span>
      <input
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        disabled={disabled}
        data-testid={testId}
        onChange={(e) => onChange(Number(e.target.value))}
      />
      <output>{format(value)}</output>
    </label>
  );
}

export function Select<T extends string>(props: { label: string; value: T; options: readonly T[]; labels?: Partial<Record<T, string>>; disabled?: boolean; onChange: (v: T) => void; testId?: string }) {
  const { label, value, options, labels, disabled, onChange, testId } = props;
  return (
    <label className="field">
      <span>{label}</span>
      <select value={value} disabled={disabled} data-testid={testId} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => (
          <option key={o} value={o}>
            {labels?.[o] ?? o}
          </option>
        ))}
      </select>
      <output />
    </label>
  );
}

export function Toggle(props: { label: string; checked: boolean; disabled?: boolean; onChange: (v: boolean) => void; testId?: string }) {
  return (
    <label className="field">
      <span>{props.label}</span>
      <input type="checkbox" checked={props.checked} disabled={props.disabled} data-testid={props.testId} onChange={(e) => props.onChange(e.target.checked)} />
      <output />
    </label>
  );
}

export function Panel({ title, children, aside }: { title: string; children: ReactNode; aside?: ReactNode }) {
  return (
    <section className="panel">
      <h3>
        {title}
        {aside}
      </h3>
      {children}
    </section>
  );
}
