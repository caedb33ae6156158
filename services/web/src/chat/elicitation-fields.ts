import type { ElicitationAnswer, ElicitationAsk } from '@bedrock-mcp/contracts';
import { z } from 'zod';

/**
 * MCP's restricted elicitation schema (an object of primitive properties) as form fields, and
 * the form's values checked against it: what the server asked is what the person is held to.
 */

type FieldKind = 'text' | 'email' | 'uri' | 'date' | 'date-time' | 'number' | 'integer' | 'boolean' | 'select' | 'multiselect';

interface FieldOption {
  value: string;
  label: string;
}

export interface ElicitationField {
  name: string;
  kind: FieldKind;
  label: string;
  description?: string;
  required: boolean;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  options?: FieldOption[];
  /** The server's default, as the form holds it. */
  initial: FieldValue;
}

/** A field's value while the person edits it: numbers as typed, dates as the inputs give them. */
export type FieldValue = string | boolean | string[];
export type FormValues = Record<string, FieldValue>;
type ElicitationContent = NonNullable<ElicitationAnswer['content']>;

const OptionSchema = z.object({ const: z.union([z.string(), z.number()]).transform(String), title: z.string().optional() });
/** One property, read leniently: what this client cannot use is ignored rather than fatal. */
const PropertySchema = z.object({
  type: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  format: z.string().optional(),
  minLength: z.number().int().nonnegative().optional().catch(undefined),
  maxLength: z.number().int().nonnegative().optional().catch(undefined),
  minimum: z.number().optional().catch(undefined),
  maximum: z.number().optional().catch(undefined),
  minItems: z.number().int().nonnegative().optional().catch(undefined),
  maxItems: z.number().int().nonnegative().optional().catch(undefined),
  enum: z.array(z.union([z.string(), z.number()]).transform(String)).optional().catch(undefined),
  enumNames: z.array(z.string()).optional().catch(undefined),
  oneOf: z.array(OptionSchema).optional().catch(undefined),
  anyOf: z.array(OptionSchema).optional().catch(undefined),
  items: z
    .object({
      enum: z.array(z.union([z.string(), z.number()]).transform(String)).optional().catch(undefined),
      anyOf: z.array(OptionSchema).optional().catch(undefined),
      oneOf: z.array(OptionSchema).optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
  default: z.unknown().optional(),
});
type Property = z.infer<typeof PropertySchema>;

function optionsOf(source: { enum?: string[]; enumNames?: string[]; oneOf?: z.infer<typeof OptionSchema>[]; anyOf?: z.infer<typeof OptionSchema>[] }): FieldOption[] | undefined {
  if (source.enum) return source.enum.map((value, index) => ({ value, label: source.enumNames?.[index] ?? value }));
  const titled = source.oneOf ?? source.anyOf;
  return titled?.map((option) => ({ value: option.const, label: option.title ?? option.const }));
}

function kindOf(property: Property, options: FieldOption[] | undefined, itemOptions: FieldOption[] | undefined): FieldKind {
  switch (property.type) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'array':
      return itemOptions ? 'multiselect' : 'text';
    default:
      if (options) return 'select';
      if (property.format === 'email' || property.format === 'uri' || property.format === 'date' || property.format === 'date-time') return property.format;
      return 'text';
  }
}

/** `YYYY-MM-DDTHH:mm` in local time, as a datetime-local input holds it. */
function toLocalDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function initialValue(kind: FieldKind, value: unknown, options: FieldOption[] | undefined): FieldValue {
  switch (kind) {
    case 'boolean':
      return value === true;
    case 'multiselect':
      return Array.isArray(value) ? value.map(String).filter((item) => options?.some((option) => option.value === item)) : [];
    case 'number':
    case 'integer':
      return typeof value === 'number' ? String(value) : '';
    case 'date-time':
      return typeof value === 'string' ? toLocalDateTime(value) : '';
    case 'select':
      return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    default:
      return typeof value === 'string' ? value : '';
  }
}

/** The form's fields, in the schema's order. */
export function elicitationFields(schema: ElicitationAsk['requestedSchema']): ElicitationField[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, raw]) => {
    const parsed = PropertySchema.safeParse(raw);
    const property: Property = parsed.success ? parsed.data : {};
    const options = optionsOf(property);
    const itemOptions = property.items ? optionsOf(property.items) : undefined;
    const kind = kindOf(property, options, itemOptions);
    const fieldOptions = kind === 'multiselect' ? itemOptions : kind === 'select' ? options : undefined;
    return {
      name,
      kind,
      label: property.title ?? name,
      ...(property.description ? { description: property.description } : {}),
      required: required.has(name),
      ...(property.minLength !== undefined ? { minLength: property.minLength } : {}),
      ...(property.maxLength !== undefined ? { maxLength: property.maxLength } : {}),
      ...(property.minimum !== undefined ? { minimum: property.minimum } : {}),
      ...(property.maximum !== undefined ? { maximum: property.maximum } : {}),
      ...(property.minItems !== undefined ? { minItems: property.minItems } : {}),
      ...(property.maxItems !== undefined ? { maxItems: property.maxItems } : {}),
      ...(fieldOptions ? { options: fieldOptions } : {}),
      initial: initialValue(kind, property.default, fieldOptions),
    };
  });
}

export function initialValues(fields: readonly ElicitationField[]): FormValues {
  return Object.fromEntries(fields.map((field) => [field.name, field.initial]));
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function isUri(value: string): boolean {
  try {
    return /^[a-z][a-z0-9+.-]*:/i.test(value) && Boolean(new URL(value));
  } catch {
    return false;
  }
}

type Checked = { value: ElicitationContent[string] } | { error: string } | { omit: true };

function checkText(field: ElicitationField, value: string): Checked {
  if (field.minLength !== undefined && value.length < field.minLength) return { error: `At least ${field.minLength} characters.` };
  if (field.maxLength !== undefined && value.length > field.maxLength) return { error: `At most ${field.maxLength} characters.` };
  switch (field.kind) {
    case 'email':
      return EMAIL.test(value) ? { value } : { error: 'Enter an email address, like name@example.com.' };
    case 'uri':
      return isUri(value) ? { value } : { error: 'Enter a full address, like https://example.com.' };
    case 'date':
      return DATE.test(value) && !Number.isNaN(new Date(value).getTime()) ? { value } : { error: 'Enter a date (YYYY-MM-DD).' };
    case 'date-time': {
      const date = new Date(value);
      return Number.isNaN(date.getTime()) ? { error: 'Enter a date and time.' } : { value: date.toISOString() };
    }
    default:
      return { value };
  }
}

function checkNumber(field: ElicitationField, text: string): Checked {
  const value = Number(text);
  if (!Number.isFinite(value)) return { error: 'Enter a number.' };
  if (field.kind === 'integer' && !Number.isInteger(value)) return { error: 'Enter a whole number.' };
  if (field.minimum !== undefined && value < field.minimum) return { error: `At least ${field.minimum}.` };
  if (field.maximum !== undefined && value > field.maximum) return { error: `At most ${field.maximum}.` };
  return { value };
}

function checkField(field: ElicitationField, value: FieldValue | undefined): Checked {
  if (field.kind === 'boolean') return { value: value === true };
  if (field.kind === 'multiselect') {
    const chosen = Array.isArray(value) ? value : [];
    if (chosen.length === 0 && !field.required) return { omit: true };
    if (chosen.length === 0) return { error: 'Choose at least one.' };
    if (field.minItems !== undefined && chosen.length < field.minItems) return { error: `Choose at least ${field.minItems}.` };
    if (field.maxItems !== undefined && chosen.length > field.maxItems) return { error: `Choose at most ${field.maxItems}.` };
    return { value: chosen };
  }
  const text = typeof value === 'string' ? value : '';
  if (text.trim() === '') return field.required ? { error: field.kind === 'select' ? 'Choose one.' : 'Required.' } : { omit: true };
  if (field.kind === 'number' || field.kind === 'integer') return checkNumber(field, text.trim());
  if (field.kind === 'select') return field.options?.some((option) => option.value === text) ? { value: text } : { error: 'Choose one of the options.' };
  return checkText(field, text);
}

export type FormCheck = { ok: true; content: ElicitationContent } | { ok: false; errors: Record<string, string> };

/** The content to send, or an error per field; empty optional fields are left out. */
export function checkElicitationForm(fields: readonly ElicitationField[], values: FormValues): FormCheck {
  const content: ElicitationContent = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const checked = checkField(field, values[field.name]);
    if ('error' in checked) errors[field.name] = checked.error;
    else if ('value' in checked) content[field.name] = checked.value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, content };
}
