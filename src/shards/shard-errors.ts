/**
 * The errors a sharded Index reports. A failing shard always fails the request (never silent
 * partial results), and the error names the shard. For writes, which are atomic per shard but not
 * across shards, it also says which shards applied their part and that a retry converges.
 */
import { HevError, isHevError } from '../wire/errors.ts';
import type { Settled } from './scatter.ts';

/** What a person reads about a shard: `shard 2 (products-2)`. */
export type ShardLabel = (shard: number) => string;

export function isNotFound(err: unknown): boolean {
  return isHevError(err) && err.status === 404;
}

/** Every shard answered 404: the Index as a whole does not exist (yet). Keeps the 404. */
export function indexNotFound(err: unknown, shardCount: number): unknown {
  if (!isHevError(err)) return err;
  return new HevError(err.code, `${errorText(err)} (none of the ${shardCount} shards of this Index exists)`, {
    status: err.status,
    cause: err,
  });
}

/** The human text of an error, preferring the upstream's own `error` field when relayed raw. */
export function errorText(err: unknown): string {
  if (isHevError(err) && err.rawBody !== undefined) {
    try {
      const body: unknown = JSON.parse(err.rawBody.toString('utf8'));
      if (
        typeof body === 'object' &&
        body !== null &&
        typeof (body as { error?: unknown }).error === 'string'
      ) {
        return (body as { error: string }).error;
      }
    } catch {
      // Not JSON: fall back to the message.
    }
  }
  return err instanceof Error ? err.message : String(err);
}

function isClientError(err: unknown): err is HevError {
  return isHevError(err) && err.status >= 400 && err.status < 500;
}

/** A read (query, metadata, schema) failed on one shard: the whole request fails. */
export function readFailure(shard: number, err: unknown, label: ShardLabel): HevError {
  const where = label(shard);
  if (isClientError(err)) {
    // Every shard would reject the request the same way: keep the status the client expects.
    return new HevError(err.code, `${where}: ${errorText(err)}`, {
      status: err.status,
      cause: err,
      ...(err.details === undefined ? {} : { details: err.details }),
      ...(err.headers === undefined ? {} : { headers: err.headers }),
    });
  }
  const status = isHevError(err) && err.status >= 500 ? err.status : 502;
  return new HevError(
    'HEV_SHARD_FAILURE',
    `${where} failed: ${errorText(err)}; no partial results are returned`,
    {
      status,
      cause: err,
      details: { failed_shard: shard },
      ...(isHevError(err) && err.headers !== undefined ? { headers: err.headers } : {}),
    },
  );
}

function list(shards: readonly number[]): string {
  return shards.join(', ');
}

/** "shard 1 (p-1), shard 3 (p-3): <reason>; shard 2 (p-2): <other reason>" */
function reasons(failures: readonly { shard: number; error: unknown }[], label: ShardLabel): string {
  const byText = new Map<string, number[]>();
  for (const f of failures) {
    const text = errorText(f.error);
    byText.set(text, [...(byText.get(text) ?? []), f.shard]);
  }
  return [...byText].map(([text, shards]) => `${shards.map(label).join(', ')}: ${text}`).join('; ');
}

/**
 * An operation sent to several shards failed on some. `applied` are the shards whose part took
 * effect (or had nothing to do). When every failure is the same client error, its status and
 * code are kept, so the SDK reacts as it would for an unsharded namespace; otherwise it is
 * HEV_SHARD_FAILURE.
 */
export function fanOutFailure(
  what: string,
  outcomes: readonly Settled<unknown>[],
  label: ShardLabel,
  retryHint: string,
): HevError {
  const failures = outcomes.filter((o): o is Extract<Settled<unknown>, { ok: false }> => !o.ok);
  const applied = outcomes.filter((o) => o.ok).map((o) => o.shard);
  const failed = failures.map((f) => f.shard);
  const state =
    applied.length === 0
      ? `nothing applied; failed on shards ${list(failed)}`
      : `applied on shards ${list(applied)}; failed on shards ${list(failed)} ` +
        "(each shard's part is atomic, the shards together are not)";
  const hint = applied.length === 0 ? '' : ` ${retryHint}`;
  const message = `sharded ${what}: ${state}: ${reasons(failures, label)}.${hint}`;
  const details = { applied_shards: applied, failed_shards: failed };
  const [first] = failures;
  const firstErr = first?.error;
  if (
    isClientError(firstErr) &&
    failures.every(
      (f) => isClientError(f.error) && f.error.status === firstErr.status && f.error.code === firstErr.code,
    )
  ) {
    return new HevError(firstErr.code, message, {
      status: firstErr.status,
      cause: firstErr,
      details,
      ...(firstErr.headers === undefined ? {} : { headers: firstErr.headers }),
    });
  }
  const upstream5xx = failures.map((f) => (isHevError(f.error) ? f.error.status : 0)).find((s) => s >= 500);
  return new HevError('HEV_SHARD_FAILURE', message, { status: upstream5xx ?? 502, cause: firstErr, details });
}
