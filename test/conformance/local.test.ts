/**
 * The conformance suite against the local engine served directly: one fresh data directory, the
 * gateway's turbopuffer routes over `openResolver(store)`, on a free port.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGatewayServer } from '../../src/gateway/server.ts';
import { openResolver } from '../../src/gateway/target.ts';
import { createLocalStore } from '../../src/stores/local/index.ts';
import { listenOnFreePort } from '../helpers/listen.ts';
import { defineConformanceSuite } from './suite.ts';

// Tiny by-filter caps make the over-cap cases testable; every other by-filter case stays below them.
const BY_FILTER_CAP = 5;

defineConformanceSuite(
  'local engine',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hevlayer-conformance-'));
    const store = await createLocalStore({
      path: dir,
      limits: { patchByFilterMax: BY_FILTER_CAP, deleteByFilterMax: BY_FILTER_CAP },
    });
    const app = createGatewayServer({ resolver: openResolver(store) });
    const baseURL = await listenOnFreePort(app);
    return {
      baseURL,
      apiKey: 'conformance-local',
      close: async () => {
        await app.close();
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { byFilterCaps: { patch: BY_FILTER_CAP, delete: BY_FILTER_CAP } },
);
