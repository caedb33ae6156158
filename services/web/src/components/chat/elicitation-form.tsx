import type { ElicitationAsk, TurnAnswersInput } from '@bedrock-mcp/contracts';
import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { checkElicitationForm, elicitationFields, initialValues, type ElicitationField, type FieldValue, type FormValues } from '../../chat/elicitation-fields.js';

const INPUT_TYPE: Partial<Record<ElicitationField['kind'], string>> = {
  text: 'text',
  email: 'email',
  uri: 'url',
  date: 'date',
  'date-time': 'datetime-local',
  number: 'number',
  integer: 'number',
};

function FieldInput({
  field,
  value,
  error,
  onChange,
}: {
  field: ElicitationField;
  value: FieldValue;
  error?: string;
  onChange: (value: FieldValue) => void;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [field.description ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const common = { 'aria-invalid': error !== undefined, 'aria-describedby': describedBy, 'data-field': field.name };
  const label = (
    <>
      {field.label}
      {field.required ? (
        <span className="required" aria-hidden="true">
          {' '}
          *
        </span>
      ) : null}
    </>
  );
  const hint = field.description ? (
    <span className="field-hint" id={hintId}>
      {field.description}
    </span>
  ) : null;
  const errorText = error ? (
    <span className="field-error" id={errorId}>
      {error}
    </span>
  ) : null;

  if (field.kind === 'boolean') {
    return (
      <div className="form-field form-field-check">
        <input id={id} type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked)} {...common} />
        <label htmlFor={id}>{label}</label>
        {hint}
        {errorText}
      </div>
    );
  }
  if (field.kind === 'multiselect') {
    const chosen = Array.isArray(value) ? value : [];
    return (
      <fieldset className="form-field" aria-describedby={describedBy} aria-invalid={error !== undefined} data-field={field.name}>
        <legend>{label}</legend>
        {hint}
        {field.options?.map((option) => (
          <label key={option.value} className="form-option">
            <input
              type="checkbox"
              checked={chosen.includes(option.value)}
              onChange={(event) => onChange(event.target.checked ? [...chosen, option.value] : chosen.filter((item) => item !== option.value))}
            />
            {option.label}
          </label>
        ))}
        {errorText}
      </fieldset>
    );
  }
  return (
    <div className="form-field">
      <label htmlFor={id}>{label}</label>
      {hint}
      {field.kind === 'select' ? (
        <select id={id} value={typeof value === 'string' ? value : ''} onChange={(event) => onChange(event.target.value)} aria-required={field.required} {...common}>
          <option value="">{field.required ? 'Choose…' : '(none)'}</option>
          {field.options?.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          type={INPUT_TYPE[field.kind] ?? 'text'}
          value={typeof value === 'string' ? value : ''}
          onChange={(event) => onChange(event.target.value)}
          aria-required={field.required}
          {...(field.kind === 'integer' ? { step: 1, inputMode: 'numeric' as const } : {})}
          {...(field.kind === 'number' ? { step: 'any', inputMode: 'decimal' as const } : {})}
          {...(field.minimum !== undefined ? { min: field.minimum } : {})}
          {...(field.maximum !== undefined ? { max: field.maximum } : {})}
          {...(field.maxLength !== undefined ? { maxLength: field.maxLength } : {})}
          {...common}
        />
      )}
      {errorText}
    </div>
  );
}

export interface ElicitationFormProps {
  ask: ElicitationAsk;
  busy: boolean;
  submit: (answers: TurnAnswersInput, summary: string) => Promise<void>;
}

/** The server's requested schema as a form: Submit (checked here first), Decline, Cancel. */
export function ElicitationForm({ ask, busy, submit }: ElicitationFormProps) {
  const fields = useMemo(() => elicitationFields(ask.requestedSchema), [ask.requestedSchema]);
  const [values, setValues] = useState<FormValues>(() => initialValues(fields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const formRef = useRef<HTMLFormElement>(null);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const checked = checkElicitationForm(fields, values);
    if (!checked.ok) {
      setErrors(checked.errors);
      const first = fields.find((field) => checked.errors[field.name]);
      const element = first ? formRef.current?.querySelector<HTMLElement>(`[data-field="${CSS.escape(first.name)}"]`) : undefined;
      (element?.matches('fieldset') ? element.querySelector<HTMLElement>('input') : element)?.focus();
      return;
    }
    setErrors({});
    void submit({ elicitations: [{ id: ask.id, action: 'accept', content: checked.content }] }, 'submitted');
  };

  return (
    <form ref={formRef} className="ask-form" noValidate onSubmit={onSubmit} aria-label={`Form of ${ask.serverId}`}>
      {fields.map((field) => (
        <FieldInput
          key={field.name}
          field={field}
          value={values[field.name] ?? field.initial}
          error={errors[field.name]}
          onChange={(value) => setValues((current) => ({ ...current, [field.name]: value }))}
        />
      ))}
      {Object.keys(errors).length > 0 ? <p className="field-error">Check the marked fields.</p> : null}
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy}>
          Submit
        </button>
        <button type="button" className="button button-secondary" disabled={busy} onClick={() => void submit({ elicitations: [{ id: ask.id, action: 'decline' }] }, 'declined')}>
          Decline
        </button>
        <button type="button" className="button button-ghost" disabled={busy} onClick={() => void submit({ elicitations: [{ id: ask.id, action: 'cancel' }] }, 'cancelled')}>
          Cancel
        </button>
      </div>
    </form>
  );
}
