/**
 * `hevlayer snapshots list|show|run INDEX [ID]`: the snapshot history of an Index — the list as a
 * table (newest first; `--json` for the API answer), one body as JSON, and a manual run (which
 * ignores the interval) printing the new snapshot's summary.
 */
import type { Command } from 'commander';
import { cliConnection, type ConnectionFlags } from './connection.ts';
import { gatewayCall } from './http.ts';

interface SnapshotsFlags extends ConnectionFlags {
  json?: boolean;
}

interface Summary {
  readonly id: string;
  readonly takenAt: string;
  readonly rowCount: number;
  readonly sizeBytes: number;
}

export function renderHistory(index: string, items: readonly Summary[]): string {
  if (items.length === 0) return `${index}: no snapshots yet\n`;
  const header = ['ID', 'TAKEN AT', 'ROWS', 'BYTES'];
  const rows = items.map((s) => [s.id, s.takenAt, String(s.rowCount), String(s.sizeBytes)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export function registerSnapshots(
  program: Command,
  out: (text: string) => void = (t) => process.stdout.write(t),
): void {
  const path = (index: string) => `/hevlayer/v1/indexes/${encodeURIComponent(index)}/snapshots`;
  const withConnection = (command: Command) =>
    command
      .option('--json', 'print the API answer as JSON')
      .option('--url <url>', 'gateway URL (default: HEVLAYER_URL or http://127.0.0.1:8080)')
      .option('--api-key <key>', 'API key (default: HEVLAYER_API_KEY)');
  const group = program.command('snapshots').description('facet snapshot history of an Index');

  withConnection(
    group.command('list').description('list the snapshots, newest first').argument('<index>', 'Index name'),
  ).action(async (index: string, flags: SnapshotsFlags) => {
    const conn = cliConnection(flags);
    const answer = await gatewayCall(conn, 'GET', path(index));
    out(
      flags.json === true
        ? `${JSON.stringify(answer, null, 2)}\n`
        : renderHistory(index, answer.items as Summary[]),
    );
  });

  withConnection(
    group
      .command('show')
      .description('print one snapshot body')
      .argument('<index>', 'Index name')
      .argument('<id>', 'snapshot id'),
  ).action(async (index: string, id: string, flags: SnapshotsFlags) => {
    const conn = cliConnection(flags);
    out(
      `${JSON.stringify(await gatewayCall(conn, 'GET', `${path(index)}/${encodeURIComponent(id)}`), null, 2)}\n`,
    );
  });

  withConnection(
    group
      .command('run')
      .description('take a snapshot now (ignores the interval)')
      .argument('<index>', 'Index name'),
  ).action(async (index: string, flags: SnapshotsFlags) => {
    const conn = cliConnection(flags);
    const s = (await gatewayCall(conn, 'POST', path(index))) as unknown as Summary;
    out(
      flags.json === true
        ? `${JSON.stringify(s, null, 2)}\n`
        : `snapshot ${s.id} of ${index}: ${s.rowCount} rows, ${s.sizeBytes} bytes, taken ${s.takenAt}\n`,
    );
  });
}
