import { describe, expect, it } from 'vitest';
import { createAuthorizer } from './auth.ts';
import { HevError } from '../wire/errors.ts';

const authz = createAuthorizer([
  { name: 'shop-reader', key: 'k-shop', matchLabels: { app: 'shop' } },
  { name: 'admin', key: 'k-admin' },
]);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof HevError ? `${err.status} ${err.code}` : 'other';
  }
}

describe('authorizer', () => {
  it('is open when no keys are configured', () => {
    const open = createAuthorizer([]);
    expect(open.enabled).toBe(false);
    expect(open.authenticate(undefined).name).toBe('anonymous');
  });

  it.each([
    [undefined, '401 HEV_UNAUTHENTICATED'],
    ['', '401 HEV_UNAUTHENTICATED'],
    ['wrong', '401 HEV_UNAUTHENTICATED'],
    ['k-shop', undefined],
    ['k-admin', undefined],
  ])('authenticates %s', (key, expected) => {
    expect(codeOf(() => authz.authenticate(key))).toBe(expected);
  });

  it.each([
    ['k-shop', { app: 'shop' }, undefined],
    ['k-shop', { app: 'shop', team: 'x' }, undefined],
    ['k-shop', { app: 'blog' }, '403 HEV_FORBIDDEN'],
    ['k-shop', {}, '403 HEV_FORBIDDEN'],
    ['k-admin', { app: 'blog' }, undefined],
  ])('authorizes %s for labels %j', (key, labels, expected) => {
    const principal = authz.authenticate(key);
    expect(codeOf(() => authz.authorize(principal, 'products', labels))).toBe(expected);
  });

  it('never puts the key value in an error message', () => {
    const principal = authz.authenticate('k-shop');
    try {
      authz.authorize(principal, 'blog', {});
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('k-shop');
      expect((err as Error).message).toContain('shop-reader');
    }
    expect(JSON.stringify(principal)).not.toContain('k-shop');
  });
});
