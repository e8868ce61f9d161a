import { describe, expect, it } from 'vitest';
import type { StoreEntry } from '../registry/types.ts';
import type { NamedSource } from '../stores/copy-source.ts';
import { HevError } from '../wire/errors.ts';
import { sourceAccess } from './copy-source.ts';

const named: NamedSource = { field: 'copy_from_namespace', name: 'src', form: 'string', options: {} };

function tpStore(name: string, turbopuffer: Record<string, unknown>): StoreEntry {
  return {
    name,
    k8sNamespace: 'default',
    provider: 'turbopuffer',
    isDefault: false,
    maxConcurrency: 1,
    timeoutMs: 1000,
    resource: { spec: { provider: 'turbopuffer', turbopuffer } },
  } as unknown as StoreEntry;
}

const keys: Record<string, string> = { a: 'KEY-A-VALUE', b: 'KEY-B-VALUE' };
const keyOf = (store: StoreEntry) => keys[store.name] ?? 'missing';

describe('sourceAccess between two turbopuffer stores', () => {
  it.each([
    [
      'same upstream, same key source',
      tpStore('a', { region: 'aws-us-east-1', apiKeyEnv: 'K' }),
      tpStore('b', { region: 'aws-us-east-1', apiKeyEnv: 'K' }),
      {},
    ],
    [
      'same upstream, another key',
      tpStore('a', { region: 'aws-us-east-1', apiKeyEnv: 'KA' }),
      tpStore('b', { region: 'aws-us-east-1', apiKeyEnv: 'KB' }),
      { source_api_key: 'KEY-A-VALUE' },
    ],
    [
      'another region, same key source',
      tpStore('a', { region: 'aws-eu-west-1', apiKeyEnv: 'K' }),
      tpStore('b', { region: 'aws-us-east-1', apiKeyEnv: 'K' }),
      { source_region: 'aws-eu-west-1' },
    ],
    [
      'a {region} baseURL template counts as its region',
      tpStore('a', { baseURL: 'https://{region}.example.com', region: 'gcp-us-east4', apiKeyEnv: 'K' }),
      tpStore('b', { region: 'aws-us-east-1', apiKeyEnv: 'K' }),
      { source_region: 'gcp-us-east4' },
    ],
  ])('%s', (_name, source, target, expected) => {
    expect(sourceAccess(named, 'src', source, target, keyOf)).toEqual(expected);
  });

  it('a source on another upstream addressed by baseURL alone is a 400 (no region to name)', () => {
    const source = tpStore('a', { baseURL: 'https://tp.internal.example', apiKeyEnv: 'K' });
    const target = tpStore('b', { region: 'aws-us-east-1', apiKeyEnv: 'K' });
    expect(() => sourceAccess(named, 'src', source, target, keyOf)).toThrow(/by region id only/);
  });

  it('an unreadable key is a 503 naming the variable, never a value', () => {
    const source = tpStore('a', { region: 'aws-us-east-1', apiKeyEnv: 'KA' });
    const target = tpStore('b', { region: 'aws-us-east-1', apiKeyEnv: 'KB' });
    const unreadable = () => {
      throw new Error('environment variable KA is not set');
    };
    let error: unknown;
    try {
      sourceAccess(named, 'src', source, target, unreadable);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(HevError);
    expect(error).toMatchObject({ status: 503, message: expect.stringMatching(/KA is not set/) as unknown });
  });
});
