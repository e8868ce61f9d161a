/**
 * Reads the manifests of a config directory: every `*.yaml`/`*.yml` directly inside it, following
 * symlinks, skipping dot-entries. A Kubernetes ConfigMap mount looks like
 *   dir/index.yaml -> ..data/index.yaml, dir/..data -> ..2024_01_01_…, dir/..2024_01_01_…/
 * so skipping dot-entries and following the top-level symlinks reads exactly the current version.
 * The fingerprint (names + contents) lets the provider ignore events that changed nothing.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManifestFile } from '../../resources/manifests.ts';

export interface ReadFailure {
  readonly file: string;
  readonly message: string;
}

export interface DirectoryContents {
  readonly files: ManifestFile[];
  readonly failures: ReadFailure[];
  readonly fingerprint: string;
}

const MANIFEST = /\.ya?ml$/i;

export function isManifestName(name: string): boolean {
  return !name.startsWith('.') && MANIFEST.test(name);
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'cannot read: no such file or directory';
  if (e.code === 'EACCES') return 'cannot read: permission denied';
  if (e.code === 'EISDIR') return 'cannot read: is a directory';
  return `cannot read: ${e.message}`;
}

async function readOne(file: string, files: ManifestFile[], failures: ReadFailure[]): Promise<void> {
  try {
    files.push({ file, text: await readFile(file, 'utf8') });
  } catch (err) {
    failures.push({ file, message: describeError(err) });
  }
}

export async function readManifestDir(dir: string): Promise<DirectoryContents> {
  const files: ManifestFile[] = [];
  const failures: ReadFailure[] = [];
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter(isManifestName).sort();
  } catch (err) {
    failures.push({ file: dir, message: describeError(err) });
  }
  for (const name of names) {
    const file = join(dir, name);
    try {
      // Follows symlinks: a dangling link or a directory named *.yaml is skipped, not an error.
      if (!(await stat(file)).isFile()) continue;
    } catch {
      continue;
    }
    await readOne(file, files, failures);
  }
  return { files, failures, fingerprint: fingerprintOf(files, failures) };
}

/** For `hevlayer validate -f`: files as named, directories expanded like a config directory. */
export async function readManifestPaths(
  paths: readonly string[],
): Promise<Omit<DirectoryContents, 'fingerprint'>> {
  const files: ManifestFile[] = [];
  const failures: ReadFailure[] = [];
  for (const path of paths) {
    let isDir = false;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (err) {
      failures.push({ file: path, message: describeError(err) });
      continue;
    }
    if (isDir) {
      const contents = await readManifestDir(path);
      files.push(...contents.files);
      failures.push(...contents.failures);
      if (contents.files.length === 0 && contents.failures.length === 0) {
        failures.push({ file: path, message: 'no *.yaml or *.yml manifests found' });
      }
    } else {
      await readOne(path, files, failures);
    }
  }
  return { files, failures };
}

function fingerprintOf(files: readonly ManifestFile[], failures: readonly ReadFailure[]): string {
  const hash = createHash('sha256');
  for (const { file, text } of files) hash.update(`${file}\0${text}\0`);
  for (const { file, message } of failures) hash.update(`!${file}\0${message}\0`);
  return hash.digest('hex');
}
