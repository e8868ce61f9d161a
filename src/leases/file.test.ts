/** The file lease: the contract suite on a temp directory, on a hand-moved clock. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineLeaseContract } from './contract.ts';
import { createFileLeaseStore } from './file.ts';

defineLeaseContract('file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hevlayer-leases-'));
  let t = 1_000_000;
  const now = () => t;
  return {
    a: createFileLeaseStore(dir, { now }),
    b: createFileLeaseStore(dir, { now }),
    ttlMs: 10_000,
    expire: async () => {
      t += 10_001;
    },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
