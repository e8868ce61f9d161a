/**
 * `npm run bench [-- --section local-engine|engine-concurrency|gateway|cache|snapshots|scan|floor] [--quick] [--profile] [--ablation] [--tool wrk|autocannon]`
 *
 * Runs the benchmark sections, prints a table per section with PASS/MISS against the issues'
 * targets, and writes bench/results/<section>-<UTC stamp>.json and <section>-latest.json (quick
 * runs: <section>-quick-…). Never part of `npm test`. See docs/benchmarks.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCache } from './cache/index.ts';
import { runEngineConcurrency } from './engine-concurrency/index.ts';
import { runFloor } from './gateway/floor.ts';
import { runGateway } from './gateway/index.ts';
import { runLocalEngine } from './local-engine/index.ts';
import { runSnapshots } from './snapshots/index.ts';
import { runScanBench } from './scan/index.ts';
import { formatTable, formatTargets, runInfo, writeResult, type SectionResult } from './lib/report.ts';

const SECTIONS = [
  'local-engine',
  'engine-concurrency',
  'gateway',
  'cache',
  'snapshots',
  'scan',
  'floor',
] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    section: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    ablation: { type: 'boolean', default: false },
    tool: { type: 'string' },
  },
});

const chosen = (values.section ?? [...SECTIONS]) as string[];
for (const s of chosen) {
  if (!(SECTIONS as readonly string[]).includes(s)) {
    console.error(`unknown --section ${JSON.stringify(s)}; choose from ${SECTIONS.join(', ')}`);
    process.exit(2);
  }
}
if (values.tool !== undefined && values.tool !== 'wrk' && values.tool !== 'autocannon') {
  console.error(`unknown --tool ${JSON.stringify(values.tool)}; choose wrk or autocannon`);
  process.exit(2);
}

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
const quick = values.quick;
const log = (line: string) => console.log(`  · ${line}`);
const tool = values.tool === undefined ? {} : { tool: values.tool as 'wrk' | 'autocannon' };

const RUNNERS: Record<Section, (workDir: string) => Promise<SectionResult>> = {
  'local-engine': (workDir) => runLocalEngine({ quick, workDir, log }),
  'engine-concurrency': (workDir) => runEngineConcurrency({ quick, workDir, log }),
  gateway: (workDir) =>
    runGateway({ quick, workDir, log, profile: values.profile, ablation: values.ablation, ...tool }),
  cache: (workDir) => runCache({ quick, workDir, log, profile: values.profile, ...tool }),
  snapshots: (workDir) => runSnapshots({ quick, workDir, log }),
  scan: (workDir) => runScanBench({ quick, workDir, log }),
  floor: (workDir) => runFloor({ quick, workDir, log }),
};

async function runSection(section: Section): Promise<void> {
  const info = runInfo(quick);
  const workDir = await mkdtemp(join(tmpdir(), `hev-bench-${section}-`));
  console.log(`\n== ${section}${quick ? ' (quick)' : ''} ==`);
  const started = performance.now();
  let result: SectionResult;
  try {
    result = await RUNNERS[section](workDir);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  console.log(`\n${formatTable(result.table)}\n`);
  if (result.details !== undefined && result.details !== '') console.log(`${result.details}\n`);
  for (const note of result.notes) console.log(`note: ${note}`);
  console.log(`\n${formatTargets(result.targets)}`);
  const files = await writeResult(resultsDir, info, result);
  console.log(
    `\n${section}: ${((performance.now() - started) / 1000).toFixed(0)} s; wrote ${files.join(', ')}`,
  );
}

for (const section of chosen as Section[]) await runSection(section);
