/**
 * Maps a V8 call frame in a TypeScript file back to its source line. tsx runs `.ts` files through
 * esbuild with whitespace minified, so every frame of a profile reads `file.ts:1`; transforming
 * the same file again with tsx's options (esbuild, which tsx depends on) gives the same code and
 * a source map. Without esbuild the frames keep their generated positions.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

/** 1-based source line of a 0-based generated (line, column), or undefined. */
export type SourceLocator = (url: string, line: number, column: number) => number | undefined;

interface Esbuild {
  transformSync(code: string, options: Record<string, unknown>): { code: string; map: string };
}

export async function sourceLocator(): Promise<SourceLocator> {
  let esbuild: Esbuild;
  try {
    esbuild = (await import('esbuild' as string)) as Esbuild;
  } catch {
    return () => undefined;
  }
  const maps = new Map<string, SourceMap | null>();
  const mapOf = (url: string): SourceMap | null => {
    let map = maps.get(url);
    if (map !== undefined) return map;
    try {
      const file = fileURLToPath(url);
      const out = esbuild.transformSync(readFileSync(file, 'utf8'), {
        loader: 'ts',
        format: 'esm',
        target: `node${process.versions.node}`,
        sourcemap: 'external',
        minifyWhitespace: true,
        keepNames: true,
        sourcefile: file,
      });
      map = new SourceMap(JSON.parse(out.map) as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      map = null;
    }
    maps.set(url, map);
    return map;
  };
  return (url, line, column) => {
    if (!url.startsWith('file://') || !url.endsWith('.ts')) return undefined;
    const entry = mapOf(url)?.findEntry(line, column);
    return entry !== undefined && 'originalLine' in entry ? entry.originalLine + 1 : undefined;
  };
}
