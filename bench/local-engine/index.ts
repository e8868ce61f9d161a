/**
 * Section `local-engine` (issue 3): ingest, ANN, BM25, filtered attribute order and group_by on
 * the embedded store, each beside a baseline measured in the same run on the same data.
 */
import { createLocalStore } from '../../src/stores/local/index.ts';
import { check, type SectionResult, type TableRow } from '../lib/report.ts';
import { round } from '../lib/stats.ts';
import {
  bruteForceTopK,
  filteredTopByPrice,
  fts5Index,
  mapGroupCount,
  openBaselineDb,
  tableInserter,
  vectorNorms,
} from './baselines.ts';
import { annQuery, attributeWrite, bm25Query, filteredOrderQuery, textWrite, vectorWrite } from './bodies.ts';
import { makeCatalog, makeTextQueries, makeVectors } from './data.ts';
import { measureGroupBy } from './group-by.ts';
import { measureIngest, type IngestFigures } from './ingest.ts';
import { measureQueries, overlap, rowIds, type QueryFigures } from './queries.ts';
import { BRANDS, CATEGORIES } from './vocabulary.ts';

export interface LocalEngineOptions {
  readonly quick: boolean;
  /** Scratch directory (deleted by the caller). */
  readonly workDir: string;
  readonly log: (line: string) => void;
}

const DIMS = 128;

function sizes(quick: boolean) {
  return quick
    ? { docs: 10_000, groupRows: 100_000, batch: 1_000, queries: 40, warmup: 5, groupRounds: 3 }
    : { docs: 100_000, groupRows: 1_000_000, batch: 5_000, queries: 200, warmup: 20, groupRounds: 7 };
}

export async function runLocalEngine(options: LocalEngineOptions): Promise<SectionResult> {
  const { log } = options;
  const size = sizes(options.quick);
  const store = await createLocalStore({ path: `${options.workDir}/store` });
  const db = openBaselineDb(`${options.workDir}/baseline.sqlite`);
  try {
    log(`generating ${size.docs.toLocaleString()} catalog rows and ${DIMS}-dim vectors`);
    const catalog = makeCatalog(size.docs, 1, true);
    const vectors = makeVectors(size.docs, DIMS, 2);
    const cat = (i: number) => CATEGORIES[catalog.category[i] as number] as string;
    const brand = (i: number) => BRANDS[catalog.brand[i] as number] as string;

    log('ingest: vectors + two string attributes (store vs better-sqlite3 inserts)');
    const vectorIngest = await measureIngest(store, {
      ns: 'vectors',
      rows: size.docs,
      batchRows: size.batch,
      body: vectorWrite(catalog, vectors, DIMS),
      baseline: tableInserter(
        db,
        'vectors',
        (i) => [cat(i), brand(i), Buffer.from(vectors.buffer, i * DIMS * 4, DIMS * 4)],
        ['category TEXT', 'brand TEXT', 'vec BLOB'],
      ),
    });

    log('ANN top-10 (store vs JS brute force)');
    const norms = vectorNorms(vectors, DIMS);
    const queryVectors = makeVectors(size.queries + size.warmup, DIMS, 3);
    const ann = await measureQueries(store, {
      ns: 'vectors',
      count: size.queries,
      warmup: size.warmup,
      body: (i) => annQuery(queryVectors, i, DIMS),
      baseline: (i) =>
        bruteForceTopK(vectors, norms, DIMS, queryVectors.subarray(i * DIMS, (i + 1) * DIMS), 10),
      agree: (answer, expected) => overlap(rowIds(answer), expected),
    });

    log('ingest: full-text titles + attributes (store vs FTS5 inserts)');
    const fts = fts5Index(db, catalog.title, (i) => [cat(i), brand(i), catalog.price[i] as number]);
    const textIngest = await measureIngest(store, {
      ns: 'products',
      rows: size.docs,
      batchRows: size.batch,
      body: textWrite(catalog),
      baseline: fts,
    });

    log('BM25 top-10 (store vs FTS5 bm25())');
    const texts = makeTextQueries(catalog, size.queries * 2 + size.warmup, 4);
    const bm25 = await measureQueries(store, {
      ns: 'products',
      count: size.queries * 2,
      warmup: size.warmup,
      body: (i) => bm25Query(texts[i] as string),
      baseline: (i) => fts.search((texts[i] as string).split(' '), 10),
      agree: (answer, expected) => overlap(rowIds(answer), expected),
    });

    log('filtered attribute order top-10 (store vs JS scan)');
    const filtered = await measureQueries(store, {
      ns: 'products',
      count: size.queries * 2,
      warmup: size.warmup,
      body: (i) => filteredOrderQuery(CATEGORIES[i % CATEGORIES.length] as string),
      baseline: (i) => filteredTopByPrice(catalog.category, catalog.price, i % CATEGORIES.length, 10),
      agree: (answer, expected) => (rowIds(answer).join() === expected.join() ? 1 : 0),
    });

    log(`ingest: ${size.groupRows.toLocaleString()} rows of two string attributes`);
    const groups = makeCatalog(size.groupRows, 5, false);
    const groupIngest = await measureIngest(store, {
      ns: 'groups',
      rows: size.groupRows,
      batchRows: size.batch,
      body: attributeWrite(groups),
      baseline: tableInserter(
        db,
        'groups',
        (i) => [
          CATEGORIES[groups.category[i] as number] as string,
          BRANDS[groups.brand[i] as number] as string,
        ],
        ['category TEXT', 'brand TEXT'],
      ),
    });

    log('Count group_by (category, brand) (store vs JS Map)');
    const groupBy = await measureGroupBy(store, 'groups', size.groupRounds, () =>
      mapGroupCount(groups.category, groups.brand, CATEGORIES, BRANDS),
    );

    return result(options.quick, size, {
      vectorIngest,
      textIngest,
      groupIngest,
      ann,
      bm25,
      filtered,
      groupBy,
    });
  } finally {
    db.close();
    await store.close();
  }
}

interface Figures {
  vectorIngest: IngestFigures;
  textIngest: IngestFigures;
  groupIngest: IngestFigures;
  ann: QueryFigures;
  bm25: QueryFigures;
  filtered: QueryFigures;
  groupBy: QueryFigures;
}

function ingestRow(name: string, f: IngestFigures, baseline: string): TableRow {
  return {
    measure: `${name} (${f.rows.toLocaleString()} rows, ${f.batchRows.toLocaleString()}/write)`,
    store: `${f.storeRowsPerS.toLocaleString()} rows/s`,
    baseline: `${f.baselineRowsPerS.toLocaleString()} rows/s`,
    'baseline is': baseline,
    'store/baseline': f.ratioVsBaseline,
    check: `wire JSON parse ≈ ${Math.round(f.wireParseShare * 100)}% of store time`,
  };
}

function queryRow(name: string, f: QueryFigures, baseline: string, agreement: string): TableRow {
  return {
    measure: `${name} (${f.queries} queries)`,
    store: `p50 ${f.store.p50Ms} / p99 ${f.store.p99Ms} ms`,
    baseline: `p50 ${f.baseline.p50Ms} / p99 ${f.baseline.p99Ms} ms`,
    'baseline is': baseline,
    'store/baseline': f.p50RatioVsBaseline,
    check: `${agreement} ${round(f.agreement * 100, 1)}%`,
  };
}

function result(quick: boolean, size: ReturnType<typeof sizes>, f: Figures): SectionResult {
  const table = [
    ingestRow('ingest vectors', f.vectorIngest, 'better-sqlite3 INSERT, 1 txn/batch'),
    ingestRow('ingest full-text', f.textIngest, 'FTS5 + table INSERT, 1 txn/batch'),
    ingestRow('ingest attributes', f.groupIngest, 'better-sqlite3 INSERT, 1 txn/batch'),
    queryRow('ANN top-10', f.ann, 'JS brute force (cosine)', 'recall@10'),
    queryRow('BM25 top-10', f.bm25, 'FTS5 bm25(), OR of words', 'top-10 overlap with FTS5'),
    queryRow('filter Eq + order price desc', f.filtered, 'JS scan + top-10', 'identical answers'),
    queryRow(
      `Count group_by over ${size.groupRows.toLocaleString()}`,
      f.groupBy,
      'JS Map count',
      'identical groups',
    ),
  ];
  const targets = [
    check('ingest (vectors)', f.vectorIngest.storeRowsPerS, 'rows/s', '>=', 20_000),
    check('ANN top-10 p50', f.ann.store.p50Ms, 'ms', '<=', 20),
    check('BM25 top-10 p50', f.bm25.store.p50Ms, 'ms', '<=', 10),
    check(
      `Count group_by over ${size.groupRows.toLocaleString()} rows p50`,
      f.groupBy.store.p50Ms,
      'ms',
      '<=',
      2000,
    ),
  ];
  return {
    section: 'local-engine',
    notes: [
      'local store = createLocalStore({ path }) defaults (SQLite WAL, synchronous FULL); bodies are Payload.fromBytes(JSON bytes) and answers are serialized, as over HTTP',
      'A/B interleaved per call; latencies are per-call wall times, p50/p99 nearest-rank',
      ...(quick ? ['QUICK run: small sizes, figures not comparable with the targets'] : []),
    ],
    params: { dims: DIMS, ...size, vectorEncoding: 'JSON numbers, 6 decimals', seed: 'fixed' },
    figures: {
      ...f,
      ratios: {
        ingestVsSqlite: f.vectorIngest.ratioVsBaseline,
        annP50VsBruteForce: f.ann.p50RatioVsBaseline,
        bm25P50VsFts5: f.bm25.p50RatioVsBaseline,
        groupByP50VsMap: f.groupBy.p50RatioVsBaseline,
        filteredP50VsScan: f.filtered.p50RatioVsBaseline,
      },
    },
    table,
    targets,
  };
}
