/**
 * Section `snapshots` (issue 11): the time to take one facet snapshot of 1M rows × 2 facet fields
 * (category, brand) on the local store, through the Index's dispatch and into a filesystem history
 * — with the grouped path (aggregate_by + group_by per field) and without it (the scan path: every
 * row paged by id), the bytes written, and an in-process Map count of the same rows as the
 * baseline (which also checks the counts). Target: ≤ 5 s with the grouped path.
 */
import { join } from 'node:path';
import { createFilesystemObjectStore } from '../../src/objects/filesystem.ts';
import type { IndexEntry } from '../../src/registry/types.ts';
import { SnapshotBridge } from '../../src/snapshots/bridge.ts';
import type { CountMode } from '../../src/snapshots/facets.ts';
import { SnapshotHistory } from '../../src/snapshots/history.ts';
import { SnapshotLayout } from '../../src/snapshots/layout.ts';
import { runSnapshot } from '../../src/snapshots/run.ts';
import { singleIndexRegistry } from '../../src/snapshots/testing.ts';
import { createLocalStore } from '../../src/stores/local/index.ts';
import { indexChain } from '../../src/targets/index-chain.ts';
import { Payload } from '../../src/wire/payload.ts';
import { attributeWrite } from '../local-engine/bodies.ts';
import { makeCatalog, type Catalog } from '../local-engine/data.ts';
import { BRANDS, CATEGORIES } from '../local-engine/vocabulary.ts';
import { check, type SectionResult, type TableRow } from '../lib/report.ts';
import { median, round } from '../lib/stats.ts';

export interface SnapshotsOptions {
  readonly quick: boolean;
  readonly workDir: string;
  readonly log: (line: string) => void;
}

const TARGET_S = 5;

function plan(quick: boolean) {
  return quick
    ? { rows: 100_000, groupedRounds: 2, scanRounds: 1 }
    : { rows: 1_000_000, groupedRounds: 5, scanRounds: 1 };
}

/** The baseline: the same counts from the generated arrays, in a Map. */
function mapCounts(c: Catalog): Record<string, Map<string, number>> {
  const category = new Map<string, number>();
  const brand = new Map<string, number>();
  for (let i = 0; i < c.size; i++) {
    const cat = CATEGORIES[c.category[i] as number] as string;
    const b = BRANDS[c.brand[i] as number] as string;
    category.set(cat, (category.get(cat) ?? 0) + 1);
    brand.set(b, (brand.get(b) ?? 0) + 1);
  }
  return { category, brand };
}

export async function runSnapshots(options: SnapshotsOptions): Promise<SectionResult> {
  const { log, workDir } = options;
  const p = plan(options.quick);
  const store = await createLocalStore({ path: join(workDir, 'local') });
  try {
    const catalog = makeCatalog(p.rows, 11, false);
    const body = attributeWrite(catalog);
    const started = performance.now();
    for (let from = 0; from < p.rows; from += 50_000) {
      const to = Math.min(p.rows, from + 50_000);
      await store.write('bench', Payload.fromBytes(Buffer.from(body(from, to))));
    }
    log(
      `loaded ${p.rows.toLocaleString('en-US')} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const registry = singleIndexRegistry(
      'bench',
      { snapshot: { facetFields: ['category', 'brand'] } },
      {},
      workDir,
    );
    const entry = registry.indexes.get('bench') as IndexEntry;
    const dispatch = indexChain(entry, registry, store.dispatch);
    const history = new SnapshotHistory(
      createFilesystemObjectStore(join(workDir, 'snapshots')),
      new SnapshotLayout(''),
    );
    const bridge = new SnapshotBridge({ history });
    const expected = mapCounts(catalog);

    const measure = async (mode: CountMode, rounds: number) => {
      const ms: number[] = [];
      let bytes = 0;
      let exact = 1;
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        const result = await runSnapshot(
          { history, bridge, now: Date.now, countMode: mode },
          {
            entry,
            dispatch,
            snapshot: registry,
            trigger: 'manual',
            previous: () => history.latest(entry),
            stillHolder: () => true,
          },
        );
        ms.push(performance.now() - t0);
        if (!result.ok || result.summary === undefined)
          throw new Error(`${mode} snapshot failed: ${String(result.error)}`);
        bytes = result.summary.sizeBytes;
        const taken = await history.read(entry, result.summary.id);
        for (const field of ['category', 'brand'] as const) {
          const got = new Map(taken?.facets[field]?.map((v) => [v.value as string, v.count]));
          if (JSON.stringify([...got].sort()) !== JSON.stringify([...(expected[field] ?? [])].sort()))
            exact = 0;
        }
        log(`${mode}: round ${r + 1}/${rounds} ${(ms[ms.length - 1] as number).toFixed(0)} ms`);
      }
      // The first grouped run also loads the namespace into the engine's memory (cold).
      const warm = ms.length > 1 ? ms.slice(1) : ms;
      return {
        firstMs: round(ms[0] as number, 1),
        medianMs: round(median(warm), 1),
        samplesMs: ms.map((v) => round(v, 1)),
        bodyBytes: bytes,
        exact,
      };
    };

    const t0 = performance.now();
    mapCounts(catalog);
    const baselineMs = round(performance.now() - t0, 1);
    const grouped = await measure('grouped', p.groupedRounds);
    const scan = await measure('scan', p.scanRounds);
    const table: TableRow[] = [
      {
        path: 'grouped (aggregate_by + group_by)',
        'first ms': grouped.firstMs,
        'median ms': grouped.medianMs,
        'body bytes': grouped.bodyBytes,
        exact: grouped.exact,
      },
      {
        path: 'scan (rows paged by id)',
        'first ms': scan.firstMs,
        'median ms': scan.medianMs,
        'body bytes': scan.bodyBytes,
        exact: scan.exact,
      },
      {
        path: 'baseline: Map count in process',
        'first ms': baselineMs,
        'median ms': baselineMs,
        'body bytes': 0,
        exact: 1,
      },
    ];
    return {
      section: 'snapshots',
      notes: [
        `${p.rows.toLocaleString('en-US')} rows × 2 facet fields (category ${CATEGORIES.length} values, brand ${BRANDS.length} values, zipf) on the local store, one shard, filesystem history`,
        'first ms: the first grouped run also loads the namespace into memory (as after a restart); median ms: the later runs (the writer after a write, namespace loaded); the scan runs after the grouped runs (warm)',
        'a snapshot = metadata + counts (grouped: one Count per field plus the row count; scan: every row once) + body + latest.json',
        'shared 2-core machine: figures are indicative; the grouped/scan ratio is the comparison that holds',
      ],
      params: {
        rows: p.rows,
        fields: ['category', 'brand'],
        groupedRounds: p.groupedRounds,
        scanRounds: p.scanRounds,
      },
      figures: { grouped, scan, baselineMs, groupedVsScan: round(scan.medianMs / grouped.medianMs, 2) },
      table,
      targets: [
        check(
          `${p.rows.toLocaleString('en-US')} rows × 2 fields, grouped, warm`,
          round(grouped.medianMs / 1000, 2),
          's',
          '<=',
          TARGET_S,
        ),
        check(
          `${p.rows.toLocaleString('en-US')} rows × 2 fields, grouped, first (cold)`,
          round(grouped.firstMs / 1000, 2),
          's',
          '<=',
          TARGET_S,
        ),
        check('counts equal the baseline (grouped and scan)', grouped.exact * scan.exact, '', '>=', 1),
      ],
    };
  } finally {
    await store.close();
  }
}
