/**
 * The writer on a hand-moved clock (no sleeping): settle, advance detection, interval spacing, the
 * manual run, retention after successful writes only, a failed run, and one writer per lease.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openSnapshotKit, type SnapshotKit } from './testing.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

const rows = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: from + i,
    category: i % 2 === 0 ? 'shoes' : 'hats',
    brand: 'acme',
  }));

let kit: SnapshotKit;
afterEach(async () => {
  await kit.close();
});

const ids = async () => (await kit.history.list(kit.entry)).map((s) => s.id);

describe('snapshot writer schedule', () => {
  it('waits until the last write time has not moved for settle (30s)', async () => {
    kit = await openSnapshotKit();
    const writer = kit.writer();
    await kit.upsert(rows(1, 4));
    await writer.tick();
    kit.advance(29 * S);
    await writer.tick();
    expect(await ids()).toEqual([]);
    kit.advance(1 * S);
    await writer.tick();
    expect(await ids()).toHaveLength(1);
  });

  it('restarts the settle period when a write lands during it', async () => {
    kit = await openSnapshotKit();
    const writer = kit.writer();
    await kit.upsert(rows(1, 2));
    await writer.tick();
    kit.advance(20 * S);
    await kit.upsert(rows(3, 2));
    await writer.tick();
    kit.advance(20 * S);
    await writer.tick();
    expect(await ids()).toEqual([]);
    kit.advance(10 * S);
    await writer.tick();
    const [id] = await ids();
    expect((await kit.history.read(kit.entry, id as string))?.rowCount).toBe(4);
  });

  it('takes no second snapshot until the upstream advances', async () => {
    kit = await openSnapshotKit({ interval: '1m' });
    const writer = kit.writer();
    await kit.upsert(rows(1, 2));
    await writer.tick();
    kit.advance(30 * S);
    await writer.tick();
    for (let i = 0; i < 5; i++) {
      kit.advance(10 * M);
      await writer.tick();
    }
    expect(await ids()).toHaveLength(1);
    await kit.upsert(rows(3, 1));
    await writer.tick();
    kit.advance(30 * S);
    await writer.tick();
    expect(await ids()).toHaveLength(2);
  });

  it('spaces automatic snapshots by at least the interval (5m)', async () => {
    kit = await openSnapshotKit({ interval: '5m' });
    const writer = kit.writer();
    await kit.upsert(rows(1, 2));
    await writer.tick();
    kit.advance(30 * S);
    await writer.tick(); // first automatic snapshot at t0 + 30s
    kit.advance(1 * M);
    await kit.upsert(rows(3, 2));
    await writer.tick();
    kit.advance(1 * M);
    await writer.tick(); // stable and advanced, but only 2 min since the last one
    expect(await ids()).toHaveLength(1);
    kit.advance(2 * M + 59 * S);
    await writer.tick();
    expect(await ids()).toHaveLength(1);
    kit.advance(1 * S);
    await writer.tick(); // 5 min after the first
    expect(await ids()).toHaveLength(2);
  });

  it('runs a manual snapshot at once, ignoring the interval, without moving the automatic spacing', async () => {
    kit = await openSnapshotKit({ interval: '5m' });
    const writer = kit.writer();
    await kit.upsert(rows(1, 2));
    await writer.tick();
    kit.advance(30 * S);
    await writer.tick();
    kit.advance(10 * S);
    const manual = await writer.runNow(kit.entry);
    expect(manual.rowCount).toBe(2);
    expect(await ids()).toEqual([manual.id, expect.any(String)]);
    await kit.upsert(rows(3, 1));
    kit.advance(4 * M + 50 * S); // 5 min after the automatic one, 4m50s after the manual one
    await writer.tick();
    expect(await ids()).toHaveLength(3);
  });

  it('refuses a manual run of an Index without facet fields', async () => {
    kit = await openSnapshotKit({ facetFields: [] });
    await expect(kit.writer().runNow(kit.entry)).rejects.toThrow(/has no spec.snapshot.facetFields/);
  });
});

describe('snapshot writer retention and failures', () => {
  it('never keeps every body', async () => {
    kit = await openSnapshotKit({ retention: 'never' });
    const writer = kit.writer();
    await kit.upsert(rows(1, 1));
    for (let i = 0; i < 4; i++) {
      await writer.runNow(kit.entry);
      kit.advance(3 * H);
    }
    expect(await ids()).toHaveLength(4);
  });

  it('1h prunes bodies older than an hour after a successful write and always keeps the latest', async () => {
    kit = await openSnapshotKit({ retention: '1h' });
    const writer = kit.writer();
    await kit.upsert(rows(1, 1));
    const old = await writer.runNow(kit.entry); // age 3h at the end
    kit.advance(2 * H);
    const middle = await writer.runNow(kit.entry); // age 1h at the end
    kit.advance(30 * M);
    const recent = await writer.runNow(kit.entry); // age 30m at the end
    kit.advance(30 * M);
    expect(await ids()).toEqual([recent.id, middle.id]);
    expect(await kit.history.read(kit.entry, old.id)).toBeUndefined();
    kit.advance(5 * H);
    expect(await ids()).toEqual([recent.id, middle.id]); // nothing is pruned without a write
    const newest = await writer.runNow(kit.entry);
    expect(await ids()).toEqual([newest.id]);
  });

  it('records a failed run as Failed, keeps lastSuccess and every body, and prunes nothing', async () => {
    kit = await openSnapshotKit({ retention: '1h' });
    const writer = kit.writer();
    await kit.upsert(rows(1, 3));
    const first = await writer.runNow(kit.entry);
    kit.advance(2 * H);
    kit.objects.failing = true;
    await expect(writer.runNow(kit.entry)).rejects.toThrow(
      /the snapshot run failed: object store .* failed: ECONNREFUSED/,
    );
    kit.objects.failing = false;
    expect(await ids()).toEqual([first.id]);
    const status = await kit.bridge.current(kit.entry);
    expect(status?.lastRun).toMatchObject({ result: 'Failed' });
    expect(status?.lastRun?.message).toMatch(/ECONNREFUSED/);
    expect(status?.lastSuccess).toEqual({ time: first.takenAt, snapshotId: first.id, rowCount: 3 });
    const second = await writer.runNow(kit.entry);
    expect(await ids()).toEqual([second.id]);
    expect((await kit.bridge.current(kit.entry))?.lastRun).toMatchObject({
      result: 'Succeeded',
      snapshotId: second.id,
    });
  });

  it('hides a body whose latest.json was never written and deletes it on the next success', async () => {
    kit = await openSnapshotKit();
    const writer = kit.writer();
    await kit.upsert(rows(1, 1));
    const first = await writer.runNow(kit.entry);
    kit.advance(M);
    const put = kit.objects.put.bind(kit.objects);
    kit.objects.put = async (key, body) => {
      if (key.endsWith('latest.json')) throw new Error('outage before latest.json');
      return put(key, body);
    };
    await expect(writer.runNow(kit.entry)).rejects.toThrow();
    kit.objects.put = put;
    expect(await ids()).toEqual([first.id]);
    expect((await kit.objects.list('default/products/snapshots/')).length).toBe(2);
    kit.advance(M);
    const third = await writer.runNow(kit.entry);
    expect(await ids()).toEqual([third.id, first.id]);
    expect((await kit.objects.list('default/products/snapshots/')).length).toBe(2);
  });
});

describe('one writer per Index', () => {
  it('snapshots each advance exactly once with two writers sharing the lease and the store', async () => {
    kit = await openSnapshotKit({ interval: '1m' });
    const a = kit.writer({ holder: 'a' });
    const b = kit.writer({ holder: 'b' });
    for (let round = 0; round < 3; round++) {
      await kit.upsert(rows(round * 10, 2));
      for (let i = 0; i < 4; i++) {
        await Promise.all([a.tick(), b.tick()]);
        kit.advance(30 * S);
      }
    }
    expect(await ids()).toHaveLength(3);
    await expect(b.runNow(kit.entry)).rejects.toThrow(/another gateway replica is the snapshot writer/);
  });

  it('hands the lease over when the writer closes, without a duplicate snapshot', async () => {
    kit = await openSnapshotKit({ interval: '1m' });
    const a = kit.writer({ holder: 'a' });
    const b = kit.writer({ holder: 'b' });
    await kit.upsert(rows(1, 2));
    await a.tick();
    kit.advance(30 * S);
    await Promise.all([a.tick(), b.tick()]);
    await a.close();
    kit.advance(30 * S);
    await b.tick();
    expect(await ids()).toHaveLength(1);
    await kit.upsert(rows(5, 1));
    await b.tick();
    kit.advance(60 * S);
    await b.tick();
    expect(await ids()).toHaveLength(2);
  });
});
