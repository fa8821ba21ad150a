// Small conversions for rows read with raw SQL (the driver returns bigint and numeric as text).

export const toNumber = (value: unknown): number => (typeof value === 'number' ? value : Number(value));

export const toNullableNumber = (value: unknown): number | null =>
  value === null || value === undefined ? null : toNumber(value);

export const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

export const toNullableDate = (value: unknown): Date | null =>
  value === null || value === undefined ? null : toDate(value);

/** A PostgreSQL array read through the driver (already an array, or its text form for bigint[]). */
export function toNumberArray(value: unknown): number[] | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(toNumber);
  const text = String(value).replace(/^\{|\}$/g, '');
  return text === '' ? [] : text.split(',').map(Number);
}
