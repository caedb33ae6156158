import { useId } from 'react';

export interface SwitchProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  /** Shown under the label. */
  hint?: string;
  compact?: boolean;
}

/** A labelled on/off switch (a checkbox with role="switch"). */
export function Switch({ label, checked, onChange, disabled, hint, compact }: SwitchProps) {
  const id = useId();
  return (
    <label className={`switch${compact ? ' switch-compact' : ''}`} htmlFor={id}>
      <input id={id} type="checkbox" role="switch" checked={checked} disabled={disabled} onChange={(event) => onChange(event.target.checked)} />
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      <span className="switch-text">
        <span className="switch-label">{label}</span>
        {hint ? <span className="switch-hint">{hint}</span> : null}
      </span>
    </label>
  );
}
