import { describe, expect, it } from 'vitest';
import { closest, describeValue, pathSegments, renderPath } from './error-format.ts';

describe('error formatting helpers', () => {
  it.each([
    ['thread', ['threads', 'other'], 'threads'],
    ['Threads', ['threads'], 'threads'],
    ['capGib', ['ttl', 'capGiB', 'mode'], 'capGiB'],
    ['storeref', ['storeRef', 'namespace'], 'storeRef'],
    ['zzz', ['threads'], undefined],
    ['ab', ['xy'], undefined],
  ])('closest(%j) = %j', (key, candidates, expected) => {
    expect(closest(key, candidates)).toBe(expected);
  });

  it.each([
    [['spec', 'scan', 'threads'], 'spec.scan.threads'],
    [['spec', 'auth', 'apiKeys', 0, 'keyEnv'], 'spec.auth.apiKeys[0].keyEnv'],
    [
      ['spec', 'metadata', 'labels', 'app.kubernetes.io/name'],
      'spec.metadata.labels["app.kubernetes.io/name"]',
    ],
  ])('renders %j as %s and parses it back', (segments, path) => {
    expect(renderPath(segments)).toBe(path);
    expect(pathSegments(path)).toEqual(segments);
  });

  it.each([
    [0, '0'],
    ['8', '"8"'],
    [null, 'null'],
    [[], 'an empty list'],
    [[1], 'a list'],
    [{}, 'a mapping'],
    [true, 'true'],
    ['x'.repeat(50), `"${'x'.repeat(40)}"… (50 characters)`],
    ['http://user:pw-1@h:6379', '"http://user:***@h:6379"'],
    ['redis://:pw-1@h', '"redis://:***@h"'],
    ['redis://h:6379/0', '"redis://h:6379/0"'],
  ])('describes %j as %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});
