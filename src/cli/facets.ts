/**
 * `hevlayer facets INDEX`: the latest facet counts of an Index as a table per field, each value
 * with its count and a bar proportional to the field's largest count (`--json`: the API's answer).
 * `--top N` shows the N largest values per field and says how many more there are.
 */
import type { Command } from 'commander';
import { cliConnection, type ConnectionFlags } from './connection.ts';
import { gatewayCall } from './http.ts';

interface FacetsFlags extends ConnectionFlags {
  json?: boolean;
  top: string;
}

export interface FacetsAnswer {
  readonly index: string;
  readonly snapshotId: string;
  readonly takenAt: string;
  readonly facets: Record<string, { value: unknown; count: number }[]>;
}

const BAR_WIDTH = 30;

function label(value: unknown): string {
  return value === null ? '(missing)' : typeof value === 'string' ? value : JSON.stringify(value);
}

/** The facets as text: one block per field, values aligned, bars proportional within the field. */
export function renderFacets(answer: FacetsAnswer, top: number): string {
  const lines = [`${answer.index} — snapshot ${answer.snapshotId} taken ${answer.takenAt}`];
  for (const [field, values] of Object.entries(answer.facets)) {
    const shown = values.slice(0, top);
    const max = Math.max(1, ...shown.map((v) => v.count));
    const width = Math.max(1, ...shown.map((v) => label(v.value).length));
    const digits = Math.max(1, ...shown.map((v) => String(v.count).length));
    lines.push('', `${field} (${values.length} value${values.length === 1 ? '' : 's'})`);
    for (const v of shown) {
      const bar = '█'.repeat(Math.max(v.count > 0 ? 1 : 0, Math.round((v.count / max) * BAR_WIDTH)));
      lines.push(`  ${label(v.value).padEnd(width)}  ${String(v.count).padStart(digits)}  ${bar}`);
    }
    if (values.length > shown.length)
      lines.push(`  … ${values.length - shown.length} more (--top to show more)`);
  }
  return `${lines.join('\n')}\n`;
}

export function parseTop(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1)
    throw new Error(`--top must be an integer >= 1, got ${JSON.stringify(text)}`);
  return n;
}

export function registerFacets(
  program: Command,
  out: (text: string) => void = (t) => process.stdout.write(t),
): void {
  program
    .command('facets')
    .description('show the latest facet counts of an Index (from its newest snapshot)')
    .argument('<index>', 'Index name')
    .option('--json', 'print the API answer as JSON')
    .option('--top <n>', 'values shown per field', '20')
    .option('--url <url>', 'gateway URL (default: HEVLAYER_URL or http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key (default: HEVLAYER_API_KEY)')
    .action(async (index: string, flags: FacetsFlags) => {
      const top = parseTop(flags.top);
      const conn = cliConnection(flags);
      const answer = await gatewayCall(
        conn,
        'GET',
        `/hevlayer/v1/indexes/${encodeURIComponent(index)}/facets`,
      );
      out(
        flags.json === true
          ? `${JSON.stringify(answer, null, 2)}\n`
          : renderFacets(answer as unknown as FacetsAnswer, top),
      );
    });
}
