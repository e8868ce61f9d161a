import { describe, expect, it } from 'vitest';
import { manifest, validResource } from '../resources/test-helpers.ts';
import type { ConfigProblem } from '../resources/problems.ts';
import { buildRegistry, emptyRegistry } from './build.ts';
import { RegistryHolder } from './holder.ts';
import { indexObject } from './index-object.ts';
import { matchesLabelFilters, matchesSelector, parseLabelFilters } from './labels.ts';

const snapshot = (generation: number, loadedAt = `2026-01-01T00:0${generation}:00.000Z`) =>
  buildRegistry({
    resources: [
      {
        resource: validResource(manifest('VectorStore', { provider: 'local', default: true }, 'd')),
        source: { file: 's.yaml', document: 1 },
      },
      {
        resource: validResource(manifest('Index', { metadata: { labels: { app: 'shop' } } }, 'p')),
        source: { file: 'p.yaml', document: 1 },
      },
    ],
    generation,
    loadedAt,
    dataDir: '/d',
  });

const PROBLEM: ConfigProblem = {
  severity: 'error',
  file: 'p.yaml',
  document: 1,
  kind: 'Index',
  name: 'p',
  path: 'spec.scan.threads',
  message: 'must be an integer >= 1, got 0',
};

describe('RegistryHolder', () => {
  it('publishes snapshots to subscribers and records the load', () => {
    const holder = new RegistryHolder({ initial: emptyRegistry('/d'), source: 'file', location: '/cfg' });
    expect(holder.isLoaded()).toBe(false);
    const seen: number[][] = [];
    const unsubscribe = holder.subscribe((next, prev) => seen.push([prev.generation, next.generation]));
    holder.publish(snapshot(1));
    holder.publish(snapshot(2));
    unsubscribe();
    holder.publish(snapshot(3));
    expect(seen).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(holder.current().generation).toBe(3);
    expect(holder.isLoaded()).toBe(true);
    expect(holder.status()).toEqual({
      source: 'file',
      location: '/cfg',
      lastAttemptAt: '2026-01-01T00:03:00.000Z',
      lastSuccessAt: '2026-01-01T00:03:00.000Z',
    });
  });

  it('refuses a snapshot that does not advance the generation', () => {
    const holder = new RegistryHolder({ initial: snapshot(2), source: 'file', location: '/cfg' });
    expect(() => holder.publish(snapshot(2))).toThrow(/generation must grow/);
  });

  it('keeps the current snapshot on reject and clears the error on the next publish', () => {
    const holder = new RegistryHolder({ initial: emptyRegistry('/d'), source: 'file', location: '/cfg' });
    holder.publish(snapshot(1));
    holder.reject([PROBLEM], '2026-01-01T00:05:00.000Z');
    expect(holder.current().generation).toBe(1);
    expect(holder.status().lastError).toEqual({ at: '2026-01-01T00:05:00.000Z', problems: [PROBLEM] });
    holder.publish(snapshot(2));
    expect(holder.status().lastError).toBeUndefined();
  });

  it('isolates a throwing listener', () => {
    const errors: unknown[] = [];
    const holder = new RegistryHolder({
      initial: emptyRegistry('/d'),
      source: 'file',
      location: '/cfg',
      onListenerError: (e) => errors.push(e),
    });
    let reached = false;
    holder.subscribe(() => {
      throw new Error('boom');
    });
    holder.subscribe(() => {
      reached = true;
    });
    holder.publish(snapshot(1));
    expect([reached, errors.length]).toEqual([true, 1]);
  });
});

describe('Index objects for the API', () => {
  const snap = snapshot(1);
  const entry = snap.indexes.get('p');
  if (entry === undefined) throw new Error('no entry');

  it('shows the spec with defaults, the resolved backend and ConfigValid=True', () => {
    const object = indexObject(entry, snap, { config: { source: 'file', location: '/cfg' } });
    expect(object.metadata).toEqual({ name: 'p', namespace: 'default' });
    expect(object.spec.backend).toEqual({ namespace: 'p', distanceMetric: 'cosine_distance', shards: 1 });
    expect(object.status.backend).toEqual({ store: 'd', namespace: 'p', upstreamNamespaces: ['p'] });
    expect(object.status.metadataSync?.state).toBe('Synced');
    expect(object.status.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual([
      'StoreResolved=True',
      'Ready=True',
      'ConfigValid=True',
    ]);
  });

  it('shows a rejected change as ConfigValid=False naming the problem', () => {
    const object = indexObject(entry, snap, {
      config: {
        source: 'file',
        location: '/cfg',
        lastError: { at: '2026-01-01T00:09:00.000Z', problems: [PROBLEM] },
      },
    });
    const configValid = object.status.conditions?.find((c) => c.type === 'ConfigValid');
    expect(configValid).toEqual({
      type: 'ConfigValid',
      status: 'False',
      reason: 'ChangeRejected',
      message:
        'the config change at 2026-01-01T00:09:00.000Z was rejected, still serving generation 1: p.yaml: Index/p: spec.scan.threads: must be an integer >= 1, got 0',
      lastTransitionTime: '2026-01-01T00:09:00.000Z',
    });
    expect(object.status.metadataSync?.state).toBe('Failed');
  });
});

describe('label filters', () => {
  const labels = { app: 'shop', tier: 'gold' };
  it.each([
    [[], true],
    [['app=shop'], true],
    [['app=shop', 'tier=gold'], true],
    [['app=shop', 'tier=silver'], false],
    [['app'], true],
    [['team'], false],
    [['app='], false],
  ])('%j → %s', (raw, expected) => {
    expect(matchesLabelFilters(labels, parseLabelFilters(raw))).toBe(expected);
  });

  it('rejects a filter without a key', () => {
    expect(() => parseLabelFilters('=x')).toThrow(/invalid label filter "=x"/);
  });

  it('matchLabels selectors', () => {
    expect(matchesSelector(labels, {})).toBe(true);
    expect(matchesSelector(labels, { app: 'shop' })).toBe(true);
    expect(matchesSelector(labels, { app: 'blog' })).toBe(false);
  });
});
