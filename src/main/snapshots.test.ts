/**
 * The snapshot wiring's choices: the object store from spec.snapshots (S3 credentials from a
 * mounted Secret, errors naming the Secret but never a value) and the lease matching the cache.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { singleIndexRegistry } from '../snapshots/testing.ts';
import { openLeaseStore, openSnapshotObjectStore } from './snapshots.ts';
import { createSecretSource } from './secrets.ts';

const dir = mkdtempSync(join(tmpdir(), 'hevlayer-snapwiring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gatewayOf = (spec: Record<string, unknown>) => singleIndexRegistry('p', {}, spec, dir).gateway;

describe('openSnapshotObjectStore', () => {
  it('opens the filesystem store under the data dir by default', async () => {
    const store = openSnapshotObjectStore(gatewayOf({}), createSecretSource({}, undefined));
    expect(store.kind).toBe('filesystem');
    await store.put('a/b.json', '1');
    expect((await store.get('a/b.json'))?.toString()).toBe('1');
  });

  it('refuses an S3 store whose credentials Secret is missing, naming the Secret and no value', () => {
    const secrets = join(dir, 'secrets');
    mkdirSync(join(secrets, 's3-creds'), { recursive: true });
    writeFileSync(join(secrets, 's3-creds', 'AWS_ACCESS_KEY_ID'), 'AKIA-visible-id');
    const spec = { snapshots: { store: 's3', bucket: 'snaps', credentialsSecretRef: { name: 's3-creds' } } };
    expect(() => openSnapshotObjectStore(gatewayOf(spec), createSecretSource({}, secrets))).toThrow(
      'Secret s3-creds/AWS_SECRET_ACCESS_KEY not found or empty under HEVLAYER_SECRETS_DIR',
    );
    const withKey = {
      snapshots: {
        ...spec.snapshots,
        credentialsSecretRef: { name: 's3-creds', accessKeyIdKey: 'id', secretAccessKeyKey: 'secret' },
      },
    };
    writeFileSync(join(secrets, 's3-creds', 'id'), 'AKIA-visible-id');
    writeFileSync(join(secrets, 's3-creds', 'secret'), 'very-secret');
    expect(openSnapshotObjectStore(gatewayOf(withKey), createSecretSource({}, secrets)).kind).toBe('s3');
  });
});

describe('openLeaseStore', () => {
  it('uses a file lease on one machine with the in-process cache', async () => {
    const leases = openLeaseStore(gatewayOf({}), dir);
    expect(await leases.acquire('x', 'a', 1000)).toBe(true);
    expect(await leases.acquire('x', 'b', 1000)).toBe(false);
    await leases.close();
  });
});
