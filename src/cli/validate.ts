/**
 * `hevlayer validate -f FILE [-f FILE…]`: checks manifests exactly as `serve` would load them, as one
 * set (so duplicates across files are found). Problems go to stderr, one per line,
 * `FILE: KIND/NAME: spec.path: message`; a one-line summary goes to stdout when the set is valid.
 * Exit 0 when there is no error (warnings allowed), 1 otherwise.
 */
import type { Command } from 'commander';
import { readManifestPaths } from '../config/file/read-dir.ts';
import { validateManifestSet } from '../resources/manifests.ts';
import { formatProblem, type ConfigProblem } from '../resources/problems.ts';

export interface ValidateIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export async function runValidate(paths: readonly string[], io: ValidateIo): Promise<number> {
  const { files, failures } = await readManifestPaths(paths);
  const result = validateManifestSet(files);
  const problems: ConfigProblem[] = [
    ...failures.map((f): ConfigProblem => ({
      severity: 'error',
      file: f.file,
      path: '',
      message: f.message,
    })),
    ...result.problems,
  ];
  for (const problem of problems) io.err(formatProblem(problem));
  const errors = problems.filter((p) => p.severity === 'error').length;
  if (errors > 0 || failures.length > 0) return 1;
  const warnings = problems.length - errors;
  const noun = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  io.out(
    `valid: ${noun(result.resources.length, 'resource')} in ${noun(files.length, 'file')}` +
      (warnings > 0 ? `, ${noun(warnings, 'warning')}` : ''),
  );
  return 0;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('validate manifests (Index, VectorStore, GatewayConfig); exit 0 when all are valid, else 1')
    .requiredOption('-f, --filename <file>', 'a manifest file or a directory of them (repeatable)', collect)
    .addHelpText(
      'after',
      '\nProblems are printed to stderr, one per line: FILE: KIND/NAME: spec.path: message\n' +
        'Warnings (e.g. deprecated fields) are printed too but do not fail validation.',
    )
    .action(async (options: { filename: string[] }) => {
      process.exitCode = await runValidate(options.filename, {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      });
    });
}
