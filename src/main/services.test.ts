import { describe, expect, it } from 'vitest';
import { silentLogger } from '../telemetry/logger.ts';
import { ServiceStack, type Service } from './services.ts';

function recorder() {
  const events: string[] = [];
  const service = (name: string, failClose = false): Service => ({
    name,
    start: async (signal) => {
      events.push(`start ${name}${signal.aborted ? ' (aborted)' : ''}`);
    },
    close: async () => {
      events.push(`close ${name}`);
      if (failClose) throw new Error(`${name} is stuck`);
    },
  });
  return { events, service };
}

describe('ServiceStack', () => {
  it('starts services in the order added and closes them in reverse', async () => {
    const { events, service } = recorder();
    const stack = new ServiceStack(silentLogger());
    for (const name of ['config', 'stores', 'http']) await stack.start(service(name));
    expect(stack.names).toEqual(['config', 'stores', 'http']);
    await stack.close();
    expect(events).toEqual([
      'start config',
      'start stores',
      'start http',
      'close http',
      'close stores',
      'close config',
    ]);
    expect(stack.names).toEqual([]);
  });

  it('closes the remaining services when one fails to close', async () => {
    const { events, service } = recorder();
    const stack = new ServiceStack(silentLogger());
    await stack.start(service('config'));
    await stack.start(service('warmer', true));
    await stack.start(service('http'));
    await stack.close();
    expect(events.filter((e) => e.startsWith('close'))).toEqual([
      'close http',
      'close warmer',
      'close config',
    ]);
  });

  it('does not close a service whose start failed, and refuses starts once closing', async () => {
    const { events, service } = recorder();
    const stack = new ServiceStack(silentLogger());
    await stack.start(service('config'));
    const broken: Service = {
      name: 'broken',
      start: async () => {
        throw new Error('cannot bind');
      },
      close: async () => {
        events.push('close broken');
      },
    };
    await expect(stack.start(broken)).rejects.toThrow('cannot bind');
    await stack.close();
    expect(events).toEqual(['start config', 'close config']);
    await expect(stack.start(service('late'))).rejects.toThrow(/shutting down/);
  });
});
