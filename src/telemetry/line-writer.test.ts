import Fastify from 'fastify';
import pino, { type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lineWriter } from './line-writer.ts';
import { createLogger } from './logger.ts';

/** A destination that keeps what it is given. */
function sink(): { write(line: string): void; lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (line) => void lines.push(line) };
}

const KEYS = ['reqId', 'method', 'status', 'ms'];
const fields = (reqId: string) => ({ reqId, method: 'POST', status: 200, ms: 1.25 });

/** Writes the same record through pino and through the writer; returns both lines. */
function both(log: Logger, out: { lines: string[] }, reqId: string, level: 'info' | 'error' = 'info') {
  const write = lineWriter(log, KEYS);
  expect(write).toBeDefined();
  const f = fields(reqId);
  log[level](f, 'request');
  write!(level, f, 'request');
  return out.lines.splice(0);
}

describe('lineWriter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-12-02T10:00:00.123Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('writes the same bytes as pino for the gateway logger, at info and error', () => {
    const out = sink();
    const log = createLogger({ destination: out });
    for (const level of ['info', 'error'] as const) {
      const [viaPino, viaWriter] = both(log, out, 'req-1', level);
      expect(viaWriter).toBe(viaPino);
    }
    expect(JSON.parse(both(log, out, 'req-2')[0]!)).toMatchObject({ service: 'hevlayer', msg: 'request' });
  });

  it('keeps the time current when it caches the formatted millisecond', () => {
    const out = sink();
    const log = createLogger({ destination: out });
    for (const step of [0, 0, 1, 7, 1000]) {
      vi.advanceTimersByTime(step);
      const [viaPino, viaWriter] = both(log, out, 'req-t');
      expect(viaWriter).toBe(viaPino);
    }
    expect(JSON.parse(both(log, out, 'r')[1]!).time).toBe(new Date(Date.now()).toISOString());
  });

  it('quotes request ids that need escaping the way pino does', () => {
    const out = sink();
    const log = createLogger({ destination: out });
    for (const id of ['a"b', 'back\\slash', 'tab\there', 'ctl\u0001', 'é-ünï', 'x'.repeat(150)]) {
      const [viaPino, viaWriter] = both(log, out, id);
      expect(viaWriter).toBe(viaPino);
    }
  });

  it('matches pino for a default pino logger, a child with bindings, and fastify’s child of ours', async () => {
    const out = sink();
    const plain = pino({}, out);
    expect(new Set(both(plain, out, 'r')).size).toBe(1);
    const child = plain.child({ component: 'gateway', n: 2 });
    expect(new Set(both(child, out, 'r')).size).toBe(1);
    const app = Fastify({ loggerInstance: createLogger({ destination: out }) });
    await app.ready();
    expect(new Set(both(app.log as Logger, out, 'r')).size).toBe(1);
    await app.close();
  });

  it('writes nothing when the level is disabled', () => {
    const out = sink();
    const log = createLogger({ destination: out, level: 'warn' });
    lineWriter(log, KEYS)!('info', fields('r'), 'request');
    expect(out.lines).toEqual([]);
    lineWriter(log, KEYS)!('error', fields('r'), 'request');
    expect(out.lines).toHaveLength(1);
  });

  it('declines loggers whose lines it cannot reproduce exactly', () => {
    const out = sink();
    expect(lineWriter(pino({ mixin: () => ({ extra: 1 }) }, out), KEYS)).toBeUndefined();
    expect(lineWriter(pino({ formatters: { log: (o) => o } }, out), KEYS)).toBeUndefined();
    expect(lineWriter(pino({ redact: ['reqId'] }, out), KEYS)).toBeUndefined();
    expect(lineWriter(pino({ serializers: { method: (m: string) => m } }, out), KEYS)).toBeUndefined();
    expect(lineWriter(pino({ nestedKey: 'payload' }, out), KEYS)).toBeUndefined();
    expect(lineWriter(pino({ msgPrefix: '[gw] ' }, out), KEYS)).toBeUndefined();
    expect(lineWriter(pino({ hooks: { streamWrite: (s) => s } }, out), KEYS)).toBeUndefined();
    expect(lineWriter(pino({}, pino.multistream([{ stream: out }])), KEYS)).toBeUndefined();
    expect(lineWriter({ info() {}, error() {} }, KEYS)).toBeUndefined();
    expect(lineWriter(undefined, KEYS)).toBeUndefined();
  });
});
