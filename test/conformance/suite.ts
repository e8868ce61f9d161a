/**
 * The turbopuffer conformance suite, driven by the official `@turbopuffer/turbopuffer` client. It is
 * topology-agnostic: a caller supplies a target (a base URL and key of something that speaks the
 * turbopuffer API) and every case runs against it. Each run must start from an empty store; cases
 * use their own namespaces (see namespaces.ts) or a fixture namespace that no case mutates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Harness, type ConformanceTarget, type KnownDifferences } from './harness.ts';
import { CONFORMANCE_NAMESPACES, CONFORMANCE_VECTOR_METRICS, NS } from './namespaces.ts';
import { defineWriteBasicCases } from './cases/writes-basic.ts';
import { defineWriteRuleCases } from './cases/writes-rules.ts';
import { defineWriteTypeCases } from './cases/writes-types.ts';
import { defineConditionalCases } from './cases/conditional.ts';
import { defineVectorCases } from './cases/vectors.ts';
import { defineBm25Cases } from './cases/bm25.ts';
import { defineFilterCases } from './cases/filters.ts';
import { defineOrderCases } from './cases/order.ts';
import { defineAggregationCases } from './cases/aggregations.ts';
import { defineQueryShapeCases } from './cases/query-shape.ts';
import { defineNamespaceApiCases } from './cases/namespace-api.ts';
import { defineErrorCases } from './cases/errors.ts';
import { defineTransportCases } from './cases/transport.ts';
import { defineByFilterCapCases, type ByFilterCaps } from './cases/by-filter-caps.ts';

export type { ConformanceTarget, KnownDifferences } from './harness.ts';
export { SHARDED_DIFFERENCES } from './sharded-differences.ts';
export type { ByFilterCaps } from './cases/by-filter-caps.ts';

export interface ConformanceOptions {
  /**
   * The target's patch_by_filter / delete_by_filter row caps, when they are small enough to test
   * (e.g. a local store configured with tiny limits). Without it the over-cap cases are skipped.
   */
  readonly byFilterCaps?: ByFilterCaps;
  /**
   * Cases whose answer legitimately differs on an Index sharded over several namespaces, with the
   * reason (sharded-differences.ts): each is reported as a skip whose title names the reason.
   */
  readonly shardedDifferences?: KnownDifferences;
}
export { CONFORMANCE_NAMESPACES, CONFORMANCE_VECTOR_METRICS } from './namespaces.ts';

export function defineConformanceSuite(
  name: string,
  makeTarget: () => Promise<ConformanceTarget>,
  options: ConformanceOptions = {},
): void {
  describe(`turbopuffer conformance: ${name}`, () => {
    const differences = options.shardedDifferences ?? {};
    const harness = new Harness(differences);
    beforeAll(async () => {
      harness.attach(await makeTarget());
    });
    afterAll(async () => {
      await harness.detach();
    });

    it('names every namespace it uses once, as conf-[a-z0-9-]+', () => {
      const names = Object.values(NS);
      expect(new Set(names).size).toBe(names.length);
      expect(CONFORMANCE_NAMESPACES).toHaveLength(names.length);
      for (const ns of CONFORMANCE_NAMESPACES) expect(ns).toMatch(/^conf-[a-z0-9-]+$/);
      for (const ns of Object.keys(CONFORMANCE_VECTOR_METRICS)) expect(CONFORMANCE_NAMESPACES).toContain(ns);
    });

    defineWriteBasicCases(harness);
    defineWriteRuleCases(harness);
    defineWriteTypeCases(harness);
    defineConditionalCases(harness);
    defineVectorCases(harness);
    defineBm25Cases(harness);
    defineFilterCases(harness);
    defineOrderCases(harness);
    defineAggregationCases(harness);
    defineQueryShapeCases(harness);
    defineNamespaceApiCases(harness);
    defineErrorCases(harness);
    defineTransportCases(harness);
    defineByFilterCapCases(harness, options.byFilterCaps);

    it('lists only known differences that name a case of the suite', () => {
      const unknown = Object.keys(differences).filter((title) => !harness.caseTitles.has(title));
      expect(unknown).toEqual([]);
    });
  });
}
