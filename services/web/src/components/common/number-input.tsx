import { useEffect, useState, type InputHTMLAttributes } from 'react';

export interface NumberInputProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'type' | 'min' | 'max'> {
  value: number;
  min: number;
  max: number;
  onChange: (value: number) => void;
}

/**
 * An integer field the user can type freely in: what is typed is kept as text, committed while it
 * is a whole number within [min, max], and put back to the committed value on blur.
 */
export function NumberInput({ value, min, max, onChange, onBlur, ...props }: NumberInputProps) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  const valid = (candidate: number) => Number.isInteger(candidate) && candidate >= min && candidate <= max;
  return (
    <input
      {...props}
      type="number"
      inputMode="numeric"
      min={min}
      max={max}
      value={text}
      aria-invalid={!valid(Number(text)) || text.trim() === ''}
      onChange={(event) => {
        setText(event.target.value);
        const candidate = Number(event.target.value);
        if (event.target.value.trim() !== '' && valid(candidate)) onChange(candidate);
      }}
      onBlur={(event) => {
        setText(String(value));
        onBlur?.(event);
      }}
    />
  );
}
