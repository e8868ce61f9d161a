/**
 * Where the Aerospike tests run: always against the in-process fake, and also against a real
 * server when `HEVLAYER_TEST_AEROSPIKE=host:port[/namespace]` is set (namespace default `cache`;
 * an in-memory namespace with `nsup-period` set, see the README "Aerospike: real-server check").
 */
import Aerospike from 'aerospike';
import type { AerospikeClientLike } from '../../src/cache/aerospike-client.ts';

export interface RealAerospike {
  readonly host: string;
  readonly namespace: string;
}

/** The real server named by the environment, or the reason the real-server tests are skipped. */
export function realAerospike(env: NodeJS.ProcessEnv = process.env): RealAerospike | string {
  const value = env.HEVLAYER_TEST_AEROSPIKE;
  if (value === undefined || value === '') {
    return 'HEVLAYER_TEST_AEROSPIKE is not set (host:port[/namespace] of an Aerospike CE 8 server)';
  }
  const match = /^([^/\s]+:\d+)(?:\/([A-Za-z0-9_-]+))?$/.exec(value);
  if (match === null) return `HEVLAYER_TEST_AEROSPIKE=${value} is not host:port[/namespace]`;
  return { host: match[1] as string, namespace: match[2] ?? 'cache' };
}

/** A connected real client (tests close it). */
export async function connectReal(target: RealAerospike): Promise<AerospikeClientLike> {
  const client = new Aerospike.Client({ hosts: target.host, log: { level: Aerospike.log.OFF } });
  await client.connect();
  return client as unknown as AerospikeClientLike;
}
