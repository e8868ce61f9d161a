/**
 * `hevlayer serve` as a process: starts on the example config, answers the probes and the
 * hevlayer API, drains on SIGTERM; refuses to start on an invalid config.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
  /** The listening URL, from the log line; rejects when the process exits first. */
  ready: Promise<string>;
}

function serve(args: readonly string[], env: Record<string, string> = {}): Started {
  const child = spawn('node', ['bin/hevlayer.js', 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let text = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = /"url":"(http:\/\/[^"]+)","config"/.exec(text);
      if (match?.[1] !== undefined) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exit.then((code) => reject(new Error(`exited ${String(code)}: ${text}`)));
  });
  ready.catch(() => undefined); // awaited only by the tests that expect a start
  return { child, output: () => text, exit, ready };
}

async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hev-serve-'));
  dirs.push(dir);
  return dir;
}

describe('hevlayer serve', () => {
  it('serves the example config, honours --port 0 and --data, and drains on SIGTERM', async () => {
    const data = await workDir();
    const run = serve(['--config', 'examples/local', '--port', '0', '--data', data]);
    const url = await run.ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({
      status: 'ready',
      generation: 1,
      stores: [{ name: 'local', ok: true }],
    });
    const products = (await (await fetch(`${url}/hevlayer/v1/indexes/products`)).json()) as {
      spec: { snapshot: { facetFields: string[] }; backend: { storeRef?: string } };
      status: { backend: { store: string } };
    };
    expect(products.spec.snapshot.facetFields).toEqual(['category', 'brand']);
    expect(products.spec.backend.storeRef).toBeUndefined();
    expect(products.status.backend.store).toBe('local');

    const notDeclared = await fetch(`${url}/v2/namespaces/nope/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(notDeclared.status).toBe(404);
    const listing = (await (await fetch(`${url}/v1/namespaces`)).json()) as { namespaces: { id: string }[] };
    expect(listing.namespaces).toEqual([{ id: 'products' }]);

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  it('takes the port from HEVLAYER_PORT when --port is absent', async () => {
    const dir = await workDir();
    await cp('examples/local', dir, { recursive: true });
    // A port from the OS, free a moment ago; reused right away by the gateway.
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = probe.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const run = serve(['--config', dir, '--data', dir], { HEVLAYER_PORT: String(port) });
    expect(await run.ready).toBe(`http://127.0.0.1:${port}`);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  it('refuses to start on an invalid config, with one line per problem', async () => {
    const dir = await workDir();
    await writeFile(
      join(dir, 'index.yaml'),
      'apiVersion: hevlayer.com/v1\nkind: Index\nmetadata:\n  name: p\nspec:\n  consistency: weak\n',
    );
    const run = serve(['--config', dir, '--port', '0']);
    expect(await run.exit).toBe(1);
    const stderrLines = run
      .output()
      .split('\n')
      .filter((l) => !l.startsWith('{') && l !== '');
    expect(stderrLines).toEqual([
      `${join(dir, 'index.yaml')}: Index/p: spec.consistency: must be one of strong, eventual, got "weak"`,
      `hevlayer: not starting: the config in ${dir} is invalid`,
    ]);
  });

  it('rejects a bad --port', async () => {
    const run = serve(['--config', 'examples/local', '--port', 'eighty']);
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('hevlayer: --port: must be an integer between 0 and 65535, got "eighty"');
  });
});
