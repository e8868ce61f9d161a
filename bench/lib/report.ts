/**
 * What every section hands back: figures for the JSON file, rows for the printed table, and the
 * issue's targets with PASS/MISS. Targets are informational: a MISS never fails the run, because
 * absolute figures on a shared 2-core box move with other people's load.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

export interface TargetCheck {
  readonly name: string;
  /** e.g. "<= 20 ms" */
  readonly target: string;
  readonly value: number;
  readonly unit: string;
  readonly pass: boolean;
}

export interface TableRow {
  readonly [column: string]: string | number;
}

export interface SectionResult {
  readonly section: string;
  /** Which load generator or baseline produced the figures, in words. */
  readonly notes: readonly string[];
  readonly params: Record<string, unknown>;
  readonly figures: Record<string, unknown>;
  readonly table: readonly TableRow[];
  readonly targets: readonly TargetCheck[];
  /** Printed after the table (e.g. a profile summary); not written to the JSON. */
  readonly details?: string | undefined;
}

export function check(
  name: string,
  value: number,
  unit: string,
  op: '<=' | '>=',
  limit: number,
): TargetCheck {
  const pass = Number.isFinite(value) && (op === '<=' ? value <= limit : value >= limit);
  return { name, target: `${op} ${limit.toLocaleString('en-US')} ${unit}`.trim(), value, unit, pass };
}

export function formatTable(rows: readonly TableRow[]): string {
  if (rows.length === 0) return '';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: string | number | undefined): string =>
    v === undefined ? '' : typeof v === 'number' ? formatNumber(v) : v;
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ].join('\n');
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '-';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : abs >= 1 ? v.toFixed(2) : v.toFixed(3);
}

export function formatTargets(targets: readonly TargetCheck[]): string {
  return targets
    .map(
      (t) =>
        `${t.pass ? 'PASS' : 'MISS'}  ${t.name}: ${formatNumber(t.value)} ${t.unit} (target ${t.target})`,
    )
    .join('\n');
}

/** `20250101T104134Z`: sortable and safe in file names. */
export function utcStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export interface RunInfo {
  readonly startedAt: Date;
  readonly quick: boolean;
  readonly loadBefore: readonly number[];
}

export function runInfo(quick: boolean): RunInfo {
  return { startedAt: new Date(), quick, loadBefore: loadavg() };
}

/**
 * Writes `<section>-<stamp>.json` and `<section>-latest.json`. Quick (smoke) runs are written as
 * `<section>-quick-…` so they never replace the figures of the last full run.
 */
export async function writeResult(dir: string, info: RunInfo, result: SectionResult): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const name = info.quick ? `${result.section}-quick` : result.section;
  const doc = {
    section: result.section,
    quick: info.quick,
    startedAt: info.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadavgBefore: info.loadBefore.map((l) => Math.round(l * 100) / 100),
      loadavgAfter: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    notes: result.notes,
    params: result.params,
    figures: result.figures,
    targets: result.targets,
  };
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const files = [join(dir, `${name}-${utcStamp(info.startedAt)}.json`), join(dir, `${name}-latest.json`)];
  for (const file of files) await writeFile(file, text);
  return files;
}
