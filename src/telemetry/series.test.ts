import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastCounter, FastHistogram } from './series.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const SAMPLES = [0.0005, 0.001, 0.003, 0.05, 0.5, 2, 7, 0.01];

/** The same observations through prom-client's own metrics and through ours must print identically. */
describe('FastHistogram and FastCounter', () => {
  it('print exactly what prom-client prints for the same observations', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const names = { name: 'x_seconds', help: 'help text', labelNames: ['route', 'status'] as const };
    const h1 = new Histogram({
      ...names,
      labelNames: [...names.labelNames],
      buckets: BUCKETS,
      registers: [theirs],
    });
    const h2 = new FastHistogram({ ...names, buckets: BUCKETS, registers: [ours] });
    const c1 = new Counter({ name: 'x_total', help: 'count', labelNames: ['route'], registers: [theirs] });
    const c2 = new FastCounter({ name: 'x_total', help: 'count', labelNames: ['route'], registers: [ours] });
    for (const [i, v] of SAMPLES.entries()) {
      const labels = { route: i % 2 === 0 ? '/a' : '/b"quoted"', status: '200' };
      h1.observe(labels, v);
      h2.labels(labels).observe(v);
      c1.inc({ route: labels.route }, i + 1);
      c2.labels({ route: labels.route }).inc(i + 1);
    }
    c1.inc({ route: '/a' });
    c2.labels({ route: '/a' }).inc();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuses a label set that does not match the declared names', () => {
    const h = new FastHistogram({ name: 'y', help: 'y', labelNames: ['a'], buckets: BUCKETS, registers: [] });
    expect(() => h.labels({ b: 'x' } as never)).toThrow('labels must be exactly a');
    expect(() => h.labels({ a: 'x', b: 'y' } as never)).toThrow('labels must be exactly a');
  });

  it('ignores non-finite observations and forgets series on reset', async () => {
    const registry = new Registry();
    const h = new FastHistogram({
      name: 'z',
      help: 'z',
      labelNames: ['a'],
      buckets: BUCKETS,
      registers: [registry],
    });
    h.labels({ a: '1' }).observe(Number.NaN);
    h.labels({ a: '1' }).observe(0.5);
    expect(await registry.metrics()).toContain('z_count{a="1"} 1');
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('z_count');
  });
});
