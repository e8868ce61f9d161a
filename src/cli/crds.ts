/**
 * `hevlayer crds [--out DIR]`: prints the CustomResourceDefinitions generated from the resource
 * schemas, or writes one file per CRD into DIR (how deploy/crds/ is refreshed).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CRD_KINDS, renderAllCrdsYaml, renderCrdYaml } from '../resources/crd.ts';

export function registerCrds(program: Command): void {
  program
    .command('crds')
    .description(
      'print the CustomResourceDefinitions (Index, VectorStore, GatewayConfig) as multi-document YAML',
    )
    .option('-o, --out <dir>', 'write one file per CRD into this directory instead of printing')
    .action(async (options: { out?: string }) => {
      if (options.out === undefined) {
        process.stdout.write(renderAllCrdsYaml());
        return;
      }
      await mkdir(options.out, { recursive: true });
      for (const names of CRD_KINDS) {
        const file = join(options.out, names.file);
        await writeFile(file, renderCrdYaml(names));
        process.stdout.write(`wrote ${file}\n`);
      }
    });
}
