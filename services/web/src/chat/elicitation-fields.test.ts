import { describe, expect, it } from 'vitest';
import { checkElicitationForm, elicitationFields, initialValues } from './elicitation-fields.js';

/** The schema server-everything's trigger-elicitation-request sends (trimmed to one field per kind). */
const schema = {
  type: 'object' as const,
  properties: {
    name: { title: 'String', type: 'string', description: 'Your full, legal name', minLength: 2, maxLength: 20 },
    check: { title: 'Boolean', type: 'boolean' },
    email: { type: 'string', format: 'email' },
    homepage: { type: 'string', format: 'uri' },
    birthdate: { type: 'string', format: 'date' },
    meeting: { type: 'string', format: 'date-time' },
    integer: { type: 'integer', minimum: 1, maximum: 100, default: 42 },
    number: { type: 'number', minimum: 0, maximum: 1000, default: 3.14 },
    friend: { type: 'string', enum: ['Monica', 'Rachel'], default: 'Monica' },
    hero: { type: 'string', oneOf: [{ const: 'hero-1', title: 'Superman' }, { const: 'hero-2', title: 'Wonder Woman' }] },
    pet: { type: 'string', enum: ['pet-1', 'pet-2'], enumNames: ['Cats', 'Dogs'] },
    fish: { type: 'array', minItems: 1, maxItems: 2, items: { anyOf: [{ const: 'fish-1', title: 'Tuna' }, { const: 'fish-2', title: 'Salmon' }, { const: 'fish-3', title: 'Trout' }] }, default: ['fish-1'] },
  },
  required: ['name', 'hero'],
};

describe('elicitationFields', () => {
  it('reads every kind of the restricted schema: formats, ranges, enums with their titles, defaults, required', () => {
    const fields = elicitationFields(schema);
    expect(fields.map((field) => [field.name, field.kind, field.required])).toEqual([
      ['name', 'text', true],
      ['check', 'boolean', false],
      ['email', 'email', false],
      ['homepage', 'uri', false],
      ['birthdate', 'date', false],
      ['meeting', 'date-time', false],
      ['integer', 'integer', false],
      ['number', 'number', false],
      ['friend', 'select', false],
      ['hero', 'select', true],
      ['pet', 'select', false],
      ['fish', 'multiselect', false],
    ]);
    const byName = Object.fromEntries(fields.map((field) => [field.name, field]));
    expect(byName.name).toMatchObject({ label: 'String', description: 'Your full, legal name', minLength: 2, maxLength: 20 });
    expect(byName.email?.label).toBe('email');
    expect(byName.hero?.options).toEqual([
      { value: 'hero-1', label: 'Superman' },
      { value: 'hero-2', label: 'Wonder Woman' },
    ]);
    expect(byName.pet?.options).toEqual([
      { value: 'pet-1', label: 'Cats' },
      { value: 'pet-2', label: 'Dogs' },
    ]);
    expect(byName.fish).toMatchObject({ minItems: 1, maxItems: 2, options: [{ value: 'fish-1', label: 'Tuna' }, { value: 'fish-2', label: 'Salmon' }, { value: 'fish-3', label: 'Trout' }] });
    expect(initialValues(fields)).toEqual({
      name: '',
      check: false,
      email: '',
      homepage: '',
      birthdate: '',
      meeting: '',
      integer: '42',
      number: '3.14',
      friend: 'Monica',
      hero: '',
      pet: '',
      fish: ['fish-1'],
    });
  });
});

describe('checkElicitationForm', () => {
  const fields = elicitationFields(schema);
  const valid = { ...initialValues(fields), name: 'Ada Lovelace', hero: 'hero-2' };

  it('sends typed content: numbers as numbers, booleans, arrays; empty optional fields left out', () => {
    const checked = checkElicitationForm(fields, { ...valid, check: true, email: 'ada@example.com', birthdate: '1815-12-10', meeting: '2026-12-06T14:30' });
    expect(checked).toEqual({
      ok: true,
      content: {
        name: 'Ada Lovelace',
        check: true,
        email: 'ada@example.com',
        birthdate: '1815-12-10',
        meeting: new Date('2026-12-06T14:30').toISOString(),
        integer: 42,
        number: 3.14,
        friend: 'Monica',
        hero: 'hero-2',
        fish: ['fish-1'],
      },
    });
  });

  it('holds each field to the schema: required, lengths, formats, integer and range, choices, item counts', () => {
    const checked = checkElicitationForm(fields, {
      ...valid,
      name: 'A',
      hero: '',
      email: 'not-an-email',
      homepage: 'example.com',
      birthdate: '10/12/1815',
      integer: '4.5',
      number: '1001',
      fish: ['fish-1', 'fish-2', 'fish-3'],
    });
    expect(checked).toEqual({
      ok: false,
      errors: {
        name: 'At least 2 characters.',
        hero: 'Choose one.',
        email: 'Enter an email address, like name@example.com.',
        homepage: 'Enter a full address, like https://example.com.',
        birthdate: 'Enter a date (YYYY-MM-DD).',
        integer: 'Enter a whole number.',
        number: 'At most 1000.',
        fish: 'Choose at most 2.',
      },
    });
    const missing = checkElicitationForm(fields, { ...valid, name: '', integer: 'abc', number: '-1' });
    expect(missing).toEqual({ ok: false, errors: { name: 'Required.', integer: 'Enter a number.', number: 'At least 0.' } });
  });
});
