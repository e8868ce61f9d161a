import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderFieldTable, updateReference } from './reference-doc.ts';

describe('docs/configuration.md', () => {
  it('has current field tables (regenerate: npx tsx src/resources/reference-doc.ts docs/configuration.md)', () => {
    const doc = readFileSync('docs/configuration.md', 'utf8');
    expect(updateReference(doc)).toBe(doc);
  });

  it('lists every seed field with its default', () => {
    const table = renderFieldTable('Index');
    for (const row of [
      '| `spec.backend.distanceMetric` | `cosine_distance` |',
      '| `spec.snapshot.facetFields` | `[]` |',
      '| `spec.snapshot.interval` | `5m` |',
      '| `spec.snapshot.retention` | `never` |',
      '| `spec.scan.threads` | `8` |',
      '| `spec.cache.mode` | `standard` |',
      '| `spec.consistency` | `strong` |',
    ]) {
      expect(table).toContain(row);
    }
  });
});
