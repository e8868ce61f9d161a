/**
 * The s3 object store against a real S3-compatible server (s3rver) on loopback: the contract suite,
 * plus errors that name the operation and key but never the credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RVER_CREDENTIALS, startS3Server, type TestS3Server } from '../../test/helpers/s3-server.ts';
import { defineObjectStoreContract } from './contract.ts';
import { createS3ObjectStore } from './s3.ts';

defineObjectStoreContract('s3 (s3rver)', async () => {
  const server = await startS3Server();
  const store = createS3ObjectStore({
    bucket: server.bucket,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  return {
    store,
    close: async () => {
      await store.close();
      await server.stop();
    },
  };
});

describe('s3 object store failures', () => {
  let server: TestS3Server;
  beforeAll(async () => {
    server = await startS3Server();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('names the operation and key of a failed call, never the secret key', async () => {
    const secret = 'very-secret-key-material';
    const store = createS3ObjectStore({
      bucket: 'no-such-bucket',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: secret },
      maxAttempts: 1,
    });
    const err = await store.put('a/b.json', '{}').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^object store put "a\/b.json" failed: NoSuchBucket/);
    expect(JSON.stringify(err)).not.toContain(secret);
    expect(err?.message).not.toContain(secret);
    await store.close();
  });

  it('fails a call while the server is down and succeeds once it is back', async () => {
    const store = createS3ObjectStore({
      bucket: server.bucket,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
      maxAttempts: 1,
      requestTimeoutMs: 2000,
    });
    await store.put('x/1.json', '1');
    await server.kill();
    await expect(store.get('x/1.json')).rejects.toThrow(/object store get "x\/1.json" failed/);
    await server.start();
    expect((await store.get('x/1.json'))?.toString()).toBe('1');
    await store.close();
  }, 30_000);
});
