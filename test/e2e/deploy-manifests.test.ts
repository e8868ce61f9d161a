/**
 * The shipped Deployment fits the shutdown lifecycle: Kubernetes' SIGKILL comes
 * terminationGracePeriodSeconds after SIGTERM, and the gateway needs the default drainDelay plus
 * gracePeriod (GatewayConfig spec.shutdown) to finish; readiness is the route that fails first.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultGatewayConfigSpec } from '../../src/resources/gateway-config-schema.ts';
import { parseDelay, parseDuration } from '../../src/resources/duration.ts';

interface Deployment {
  spec: {
    template: {
      spec: {
        terminationGracePeriodSeconds: number;
        containers: {
          readinessProbe: { httpGet: { path: string } };
          livenessProbe: { httpGet: { path: string } };
        }[];
      };
    };
  };
}

describe('deploy/gateway/deployment.yaml', () => {
  it('gives the default drain delay and grace period time to run before SIGKILL', async () => {
    const doc = parse(await readFile('deploy/gateway/deployment.yaml', 'utf8')) as Deployment;
    const { drainDelay, gracePeriod } = defaultGatewayConfigSpec().shutdown;
    const neededMs = parseDelay(drainDelay) + parseDuration(gracePeriod);
    const pod = doc.spec.template.spec;
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(neededMs);
    expect(pod.terminationGracePeriodSeconds).toBe(30);
  });

  it('probes readiness on /readyz (503 first at SIGTERM) and liveness on /healthz', async () => {
    const doc = parse(await readFile('deploy/gateway/deployment.yaml', 'utf8')) as Deployment;
    const [container] = doc.spec.template.spec.containers;
    expect(container?.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container?.livenessProbe.httpGet.path).toBe('/healthz');
  });
});
