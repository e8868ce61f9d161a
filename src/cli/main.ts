/**
 * The `hevlayer` command line. Each command lives in its own file and registers itself; adding a
 * command is one import and one line below.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerCrds } from './crds.ts';
import { registerDemo } from './demo.ts';
import { registerFacets } from './facets.ts';
import { registerOperator } from './operator.ts';
import { registerServe } from './serve.ts';
import { registerSnapshots } from './snapshots.ts';
import { registerValidate } from './validate.ts';
import { registerScan } from './scan.ts';
import { registerCacheWarm } from './cache-warm.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('hevlayer')
  .description('A turbopuffer-compatible gateway: shared cache, sharding, scans and facet snapshots')
  .version(version)
  .showHelpAfterError();

registerServe(program, { version });
registerValidate(program);
registerCrds(program);
registerDemo(program);
registerFacets(program);
registerSnapshots(program);
registerOperator(program, { version });
registerScan(program);
registerCacheWarm(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A command's failure is a message for a person, not a stack trace.
  process.stderr.write(`hevlayer: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
