/**
 * bin/hevlayer.js runs the one built artifact: it names the build on stderr before anything else,
 * and without a bundle it refuses to start instead of running something else.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('bin/hevlayer.js', () => {
  it('writes one line naming the bundle and its build before the command runs', async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      ['bin/hevlayer.js', 'validate', '-f', 'examples/local'],
      {
        cwd: ROOT,
      },
    );
    const info = JSON.parse(await readFile(join(ROOT, 'dist', 'build-info.json'), 'utf8')) as {
      builtAt: string;
    };
    const [first, ...rest] = stderr.split('\n').filter((line) => line !== '');
    expect(JSON.parse(first ?? '{}')).toMatchObject({
      msg: 'running build',
      bundle: join(ROOT, 'dist', 'cli', 'main.mjs'),
      builtAt: info.builtAt,
    });
    expect(rest).toEqual([]);
    expect(stdout).toMatch(/^valid: /);
  });

  it('exits 1 and says to build when the bundle is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hev-bin-'));
    dirs.push(dir);
    await mkdir(join(dir, 'bin'));
    await copyFile(join(ROOT, 'bin', 'hevlayer.js'), join(dir, 'bin', 'hevlayer.js'));
    await writeFile(join(dir, 'package.json'), '{"type":"module"}\n');
    const failed = await run(process.execPath, [join(dir, 'bin', 'hevlayer.js'), 'validate']).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('run `npm run build`');
  });
});
