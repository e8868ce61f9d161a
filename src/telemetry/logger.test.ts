import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED_PATHS } from './logger.ts';

const LOGGER = JSON.stringify(join(import.meta.dirname, 'logger.ts'));

/** Runs `body` in a child whose `log` is `createLogger()` on its real stdout (a pipe read here). */
function runChild(
  body: string,
  onOutput: (stdout: string, kill: () => void) => void = () => undefined,
): Promise<{ stdout: string; code: number | null }> {
  const script = `import { createLogger } from ${LOGGER};\nconst log = createLogger();\n${body}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    onOutput(Buffer.concat(chunks).toString('utf8'), () => child.kill('SIGKILL'));
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout: Buffer.concat(chunks).toString('utf8'), code }));
  });
}

const parse = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line): Record<string, unknown> => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        // A torn or spliced line: kept as a value that fails the comparisons below.
        return { unparsable: line.slice(0, 80) };
      }
    });

describe('createLogger on stdout', () => {
  it('writes interleaved normal, error and 64 KiB+ lines completely and in the order they were logged', async () => {
    const count = 3000;
    const { stdout, code } = await runChild(`
      const long = 'x'.repeat(70 * 1024);
      for (let seq = 0; seq < ${count}; seq++) {
        if (seq % 97 === 0) log.info({ seq }, long);
        else if (seq % 5 === 0) log.error({ seq, err: new Error('failed ' + seq) }, 'request failed');
        else log.info({ seq, route: '/v2/namespaces/:ns/query', status: 200 }, 'request');
        // Let the asynchronous writes started so far progress between lines.
        if (seq % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      process.exit(0);
    `);
    expect(code).toBe(0);
    const lines = parse(stdout);
    // In the order written, not sorted: a destination that reorders lines fails here.
    expect(lines.map((line) => line.seq)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(lines[97]?.msg).toHaveLength(70 * 1024);
    expect(lines[5]).toMatchObject({ level: 50, msg: 'request failed', err: { message: 'failed 5' } });
  });

  it('writes a lone line while the process keeps running (a quiet gateway is not held back by the buffer)', async () => {
    // The child never exits by itself, so no exit flush can write the line: it is killed once the
    // line arrived, or after 10 s without it.
    const { stdout } = await runChild(
      `
      log.info({ seq: 0 }, 'quiet');
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 10_000);
    `,
      (out, kill) => {
        if (out.includes('\n')) kill();
      },
    );
    expect(parse(stdout).map((line) => line.msg)).toEqual(['quiet']);
  });
});

describe('createLogger redaction', () => {
  it('replaces every redacted path with [redacted]', () => {
    let out = '';
    const log = createLogger({ destination: { write: (line: string) => void (out += line) } });
    log.info(
      {
        apiKey: 'k1',
        key: 'k2',
        secret: 'k3',
        authorization: 'k4',
        headers: { authorization: 'k5' },
        req: { headers: { authorization: 'k6' } },
        options: { apiKey: 'k7' },
      },
      'x',
    );
    expect(out).not.toMatch(/k[1-7]/);
    expect(out.match(/\[redacted\]/g)).toHaveLength(REDACTED_PATHS.length);
  });
});
