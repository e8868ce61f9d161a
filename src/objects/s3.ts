/**
 * The `s3` object store (@aws-sdk/client-s3 v3) on any S3-compatible endpoint: keys live in one
 * bucket. A PutObject is atomic for readers (S3 shows the old object or the new one). Credentials
 * come from the options (a Kubernetes Secret, resolved in main/) or, when absent, the standard AWS
 * chain (env, profile, web identity, instance metadata). Checksums are computed only when an
 * operation requires them (DeleteObjects), which S3-compatible servers without the newer CRC
 * headers accept. Errors keep the S3 error name only: no endpoint, key material or signed URL.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { ObjectStoreError, checkKey, compareKeys, type ObjectInfo, type ObjectStore } from './port.ts';

export interface S3ObjectStoreOptions {
  readonly bucket: string;
  readonly endpoint?: string | undefined;
  /** Default `us-east-1` (S3-compatible servers ignore it; AWS needs the bucket's region). */
  readonly region?: string | undefined;
  readonly forcePathStyle?: boolean | undefined;
  /** Static credentials; absent = the standard AWS chain. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
  /** One attempt's budget (ms), default 10 000; the SDK retries throttling and 5xx itself. */
  readonly requestTimeoutMs?: number;
  /** SDK attempts per call, default 3. */
  readonly maxAttempts?: number;
}

/** DeleteObjects takes at most 1000 keys. */
const DELETE_BATCH = 1000;

function reasonOf(err: unknown): string {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  const status = e.$metadata?.httpStatusCode;
  return `${e.name ?? e.code ?? 'Error'}${status === undefined ? '' : ` (HTTP ${status})`}`;
}

export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
  const timeout = options.requestTimeoutMs ?? 10_000;
  const config: S3ClientConfig = {
    region: options.region ?? 'us-east-1',
    forcePathStyle: options.forcePathStyle ?? false,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: { connectionTimeout: Math.min(timeout, 3000), requestTimeout: timeout },
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
  };
  const client = new S3Client(config);
  const Bucket = options.bucket;
  const call = async <T>(operation: string, key: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof ObjectStoreError) throw err;
      throw new ObjectStoreError(operation, key, reasonOf(err));
    }
  };

  return {
    kind: 's3',
    async put(key, body) {
      await call('put', key, () =>
        client.send(
          new PutObjectCommand({ Bucket, Key: checkKey(key), Body: body, ContentType: 'application/json' }),
        ),
      );
    },
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: checkKey(key) }));
        if (out.Body === undefined) return Buffer.alloc(0);
        return Buffer.from(await out.Body.transformToByteArray());
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
        if (err instanceof ObjectStoreError) throw err;
        throw new ObjectStoreError('get', key, reasonOf(err));
      }
    },
    async list(prefix) {
      const out: ObjectInfo[] = [];
      let token: string | undefined;
      do {
        const page = await call('list', prefix, () =>
          client.send(
            new ListObjectsV2Command({
              Bucket,
              Prefix: prefix,
              ...(token === undefined ? {} : { ContinuationToken: token }),
            }),
          ),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key !== undefined) out.push({ key: o.Key, size: o.Size ?? 0 });
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return out.sort((a, b) => compareKeys(a.key, b.key));
    },
    async delete(keys) {
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH).map((k) => ({ Key: checkKey(k) }));
        const out = await call('delete', batch[0]?.Key ?? '', () =>
          client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch, Quiet: true } })),
        );
        const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
        if (failed.length > 0) {
          throw new ObjectStoreError('delete', failed[0]?.Key ?? '', failed[0]?.Code ?? 'error');
        }
      }
    },
    async close() {
      client.destroy();
    },
  };
}
