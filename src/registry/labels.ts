/**
 * Label filters for listing Indexes (`?label=app=shop&label=tier`): `k=v` requires the value,
 * a bare `k` requires only the key. All filters must match.
 */
import { invalid } from '../wire/errors.ts';

export interface LabelFilter {
  readonly key: string;
  /** Undefined: the key must merely exist. */
  readonly value?: string;
}

export function parseLabelFilters(raw: string | readonly string[] | undefined): LabelFilter[] {
  const values = raw === undefined ? [] : typeof raw === 'string' ? [raw] : raw;
  return values.map((text) => {
    const eq = text.indexOf('=');
    const key = (eq === -1 ? text : text.slice(0, eq)).trim();
    if (key === '') throw invalid(`invalid label filter ${JSON.stringify(text)}: expected key=value or key`);
    return eq === -1 ? { key } : { key, value: text.slice(eq + 1).trim() };
  });
}

export function matchesLabelFilters(
  labels: Readonly<Record<string, string>>,
  filters: readonly LabelFilter[],
): boolean {
  return filters.every((f) =>
    f.value === undefined ? Object.hasOwn(labels, f.key) : labels[f.key] === f.value,
  );
}

/** A Kubernetes `matchLabels` selector: every pair must be present; empty matches everything. */
export function matchesSelector(
  labels: Readonly<Record<string, string>>,
  matchLabels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(matchLabels).every(([k, v]) => labels[k] === v);
}
