// Turns what the driver returned into the shapes kept in run.result and run.error.
import type { RunError, RunResult } from '../db/schema';

interface DriverResult {
  command?: string | null;
  rowCount?: number | null;
  rows?: unknown[];
  fields?: Array<{ name: string }>;
}

/**
 * The result of the last statement (a command string may hold several), with rows kept
 * while their JSON stays within `limitBytes`; `truncated` says whether rows were dropped.
 */
export function toRunResult(raw: unknown, limitBytes: number): RunResult {
  const last = (Array.isArray(raw) ? raw[raw.length - 1] : raw) as DriverResult | undefined;
  const rows: unknown[] = [];
  let size = 2;
  let truncated = false;
  for (const row of last?.rows ?? []) {
    const rowSize = JSON.stringify(row)?.length ?? 4;
    if (size + rowSize + 1 > limitBytes) {
      truncated = true;
      break;
    }
    rows.push(row);
    size += rowSize + 1;
  }
  return {
    command: last?.command ?? null,
    row_count: last?.rowCount ?? null,
    columns: (last?.fields ?? []).map((f) => f.name),
    rows,
    truncated,
  };
}

/** SQLSTATE, message, detail and hint of a PostgreSQL error; just the message otherwise. */
export function toRunError(e: unknown): RunError {
  if (!(e instanceof Error)) return { message: String(e) };
  const fields = e as Error & { code?: unknown; detail?: unknown; hint?: unknown };
  const error: RunError = { message: e.message };
  if (typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code)) error.sqlstate = fields.code;
  if (typeof fields.detail === 'string') error.detail = fields.detail;
  if (typeof fields.hint === 'string') error.hint = fields.hint;
  return error;
}
