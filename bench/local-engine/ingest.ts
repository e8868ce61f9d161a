/**
 * Ingest: the same rows written batch by batch to the local store (a JSON body per write, parsed
 * by the store as a client's request would be) and to the SQLite baseline, alternating which goes
 * first. Building the JSON text is the client's cost and is not timed.
 */
import type { LocalStore } from '../../src/stores/local/index.ts';
import { parseJson } from '../../src/wire/json.ts';
import { Payload } from '../../src/wire/payload.ts';
import { ratio, round, summarize } from '../lib/stats.ts';
import type { BatchInserter } from './baselines.ts';

export interface IngestPlan {
  readonly ns: string;
  readonly rows: number;
  readonly batchRows: number;
  /** The write request for rows [from, to); `first` is the namespace's first write. */
  readonly body: (from: number, to: number, first: boolean) => string;
  readonly baseline: BatchInserter;
}

export interface IngestFigures {
  readonly rows: number;
  readonly batchRows: number;
  readonly writes: number;
  readonly bodyMiB: number;
  readonly storeRowsPerS: number;
  readonly baselineRowsPerS: number;
  /** store / baseline throughput. */
  readonly ratioVsBaseline: number;
  readonly storeBatchP50Ms: number;
  readonly baselineBatchP50Ms: number;
  /** The wire parser's (parseJson) time on the same bodies, as a share of the store's write time. */
  readonly wireParseShare: number;
}

export async function measureIngest(store: LocalStore, plan: IngestPlan): Promise<IngestFigures> {
  const storeMs: number[] = [];
  const baseMs: number[] = [];
  let parseMs = 0;
  let bytes = 0;
  let writes = 0;
  for (let from = 0; from < plan.rows; from += plan.batchRows) {
    const to = Math.min(plan.rows, from + plan.batchRows);
    const body = Buffer.from(plan.body(from, to, from === 0), 'utf8');
    bytes += body.length;
    const runStore = async () => {
      const t0 = performance.now();
      const result = await store.write(plan.ns, Payload.fromBytes(body));
      result.bytes();
      storeMs.push(performance.now() - t0);
    };
    const runBase = () => {
      const t0 = performance.now();
      plan.baseline.insert(from, to);
      baseMs.push(performance.now() - t0);
    };
    if (writes % 2 === 0) {
      await runStore();
      runBase();
    } else {
      runBase();
      await runStore();
    }
    const t0 = performance.now();
    parseJson(body.toString('utf8'));
    parseMs += performance.now() - t0;
    writes++;
  }
  const storeTotal = storeMs.reduce((a, b) => a + b, 0);
  const baseTotal = baseMs.reduce((a, b) => a + b, 0);
  const storeRowsPerS = Math.round((plan.rows / storeTotal) * 1000);
  const baselineRowsPerS = Math.round((plan.rows / baseTotal) * 1000);
  return {
    rows: plan.rows,
    batchRows: plan.batchRows,
    writes,
    bodyMiB: round(bytes / 1024 / 1024, 1),
    storeRowsPerS,
    baselineRowsPerS,
    ratioVsBaseline: ratio(storeRowsPerS, baselineRowsPerS),
    storeBatchP50Ms: summarize(storeMs).p50Ms,
    baselineBatchP50Ms: summarize(baseMs).p50Ms,
    wireParseShare: ratio(parseMs, storeTotal),
  };
}
