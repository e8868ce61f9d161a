/**
 * The dependency rule of docs/architecture.md, checked on the sources: an import never points up
 * the layers. Each folder of src/ has a rank; a source file may import its own folder and folders
 * of a lower rank. Inside src/stores/, the port and operation table sit below the layers and
 * adapters, which sit below the store pool. Tests are exempt (they drive everything from outside).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Lower ranks are closer to the wire; equal ranks may not import each other. */
const RANKS: Readonly<Record<string, number>> = {
  wire: 0,
  telemetry: 0,
  resources: 1,
  registry: 2,
  stores: 3,
  config: 3,
  objects: 3,
  leases: 3,
  shards: 4,
  cache: 4,
  targets: 5,
  scan: 6,
  snapshots: 7,
  operator: 7,
  gateway: 8,
  main: 9,
  cli: 10,
};

/** src/stores/<part>: the port below the layers and adapters, the pool on top. */
const STORE_RANKS: Readonly<Record<string, number>> = {
  '.': 0,
  limiter: 1,
  instrument: 1,
  local: 1,
  turbopuffer: 1,
  pool: 2,
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) =>
    resolve(dirname(file), m[1] as string),
  );
}

/** [top folder, second segment or '.'] of a path under src/. */
function place(path: string): [string, string] {
  const parts = relative(SRC, path).split('/');
  return [parts[0] as string, parts.length > 2 ? (parts[1] as string) : '.'];
}

describe('layering of src/', () => {
  const files = sources(SRC);

  it('gives every folder of src/ a rank', () => {
    const folders = new Set(files.map((f) => place(f)[0]).filter((f) => !f.endsWith('.ts')));
    expect([...folders].filter((f) => RANKS[f] === undefined)).toEqual([]);
  });

  it('has no import from a lower layer to a higher one', () => {
    const violations: string[] = [];
    for (const file of files) {
      const [from, fromPart] = place(file);
      for (const target of importsOf(file)) {
        if (!target.startsWith(SRC)) continue;
        const [to, toPart] = place(target);
        const name = `${relative(SRC, file)} -> ${relative(SRC, target)}`;
        if (from === to) {
          if (from === 'stores' && (STORE_RANKS[toPart] ?? 99) > (STORE_RANKS[fromPart] ?? -1))
            violations.push(name);
          if (from === 'stores' && fromPart !== toPart && STORE_RANKS[toPart] === STORE_RANKS[fromPart])
            violations.push(name);
          continue;
        }
        if ((RANKS[to] ?? 99) >= (RANKS[from] ?? -1)) violations.push(name);
      }
    }
    expect(violations).toEqual([]);
  });
});
