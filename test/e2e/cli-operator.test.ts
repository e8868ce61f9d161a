/**
 * `hevlayer operator` as a process: bad flags exit 1 with a message naming the flag (and start
 * nothing); with a kubeconfig for the test API server it serves an Index declared as a CR.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../helpers/kube-api-server.ts';
import { apply, eventually, kubeIndex, kubeLocalStore } from '../helpers/kube-fixtures.ts';

function hevlayer(args: readonly string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'node',
      ['bin/hevlayer.js', ...args],
      { env: { ...process.env, KUBECONFIG: '/nonexistent' } },
      (err, _out, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stderr });
      },
    );
  });
}

let api: KubeApiServer;
let dir: string;

beforeAll(async () => {
  api = await startKubeApiServer();
  dir = await mkdtemp(join(tmpdir(), 'hev-cli-operator-'));
});

afterAll(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

describe('hevlayer operator', () => {
  it.each([
    [['--namespace', 'Not_A_Namespace'], /--namespace: must be a Kubernetes namespace name/],
    [['--lease-namespace', '-x'], /--lease-namespace: must be a Kubernetes namespace name/],
    [['--namespace', 'ok', '--port', 'eighty'], /--port: must be an integer between 0 and 65535/],
  ])('rejects bad flags %j with exit 1 and a message naming the flag', async (args, message) => {
    const run = await hevlayer(['operator', ...args]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
  });

  it('serves an Index declared as a custom resource, from a kubeconfig file', async () => {
    await apply(api, kubeLocalStore('local', 'layer', join(dir, 'local')), kubeIndex('docs', 'layer'), {
      apiVersion: 'hevlayer.com/v1',
      kind: 'GatewayConfig',
      metadata: { name: 'gw', namespace: 'layer' },
      spec: { shutdown: { drainDelay: '0s' } },
    });
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, api.kubeconfig());
    const proc = spawn(
      process.execPath,
      [
        'bin/hevlayer.js',
        'operator',
        '--namespace',
        'layer',
        '--kubeconfig',
        kubeconfig,
        '--port',
        '0',
        '--data',
        dir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: proc.stdout }).on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'hevlayer gateway listening' && entry.url !== undefined) resolve(entry.url);
        });
        proc.once('exit', (code) => reject(new Error(`operator exited ${code}`)));
      });
      const listed = await fetch(`${url}/v1/namespaces`);
      expect(await listed.json()).toMatchObject({ namespaces: [{ id: 'docs' }] });
      const status = await eventually(async () => {
        const res = await api.kube('GET', '/apis/hevlayer.com/v1/namespaces/layer/indexes/docs');
        const conditions = (
          res.body.status as { conditions?: { type: string; status: string }[] } | undefined
        )?.conditions;
        return conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? conditions : undefined;
      }, 10_000);
      expect(status.map((c) => c.type)).toEqual(
        expect.arrayContaining(['SpecValid', 'StoreResolved', 'UpstreamReachable', 'Ready']),
      );
    } finally {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    }
  });
});
