import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSecretSource } from './secrets.ts';

const dir = mkdtempSync(join(tmpdir(), 'hevlayer-secrets-'));
mkdirSync(join(dir, 'tpuf'));
writeFileSync(join(dir, 'tpuf', 'api-key'), 'tpuf_secret_value\n');
writeFileSync(join(dir, 'tpuf', 'empty'), '  \n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const source = createSecretSource({ SET: 'env-secret-value', EMPTY: '' }, dir);

describe('secret sources', () => {
  it('reads env vars and mounted Secret keys (trimmed)', () => {
    expect(source.fromEnv('SET')).toBe('env-secret-value');
    expect(source.fromSecretRef({ name: 'tpuf', key: 'api-key' })).toBe('tpuf_secret_value');
  });

  it.each([
    [() => source.fromEnv('MISSING'), 'environment variable MISSING is not set'],
    [() => source.fromEnv('EMPTY'), 'environment variable EMPTY is not set'],
    [() => source.fromSecretRef({ name: 'tpuf', key: 'nope' }), 'Secret tpuf/nope not found or empty'],
    [() => source.fromSecretRef({ name: 'tpuf', key: 'empty' }), 'Secret tpuf/empty not found or empty'],
    [() => source.fromSecretRef({ name: '..', key: 'passwd' }), 'is not a valid name'],
    [() => source.fromSecretRef({ name: 'tpuf', key: '../tpuf/api-key' }), 'is not a valid name'],
    [
      () => createSecretSource({}, undefined).fromSecretRef({ name: 'a', key: 'b' }),
      'set HEVLAYER_SECRETS_DIR',
    ],
  ])('fails clearly, without the value (%#)', (fn, message) => {
    expect(fn).toThrow(message);
    try {
      fn();
    } catch (err) {
      expect((err as Error).message).not.toContain('secret_value');
    }
  });
});
