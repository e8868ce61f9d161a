/** The redis lease: the contract suite on a real redis-server (expiry on the server's clock). */
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { redisServerSkipReason, startRedisServer } from '../../test/helpers/redis-server.ts';
import { defineLeaseContract } from './contract.ts';
import { createRedisLeaseStore } from './redis.ts';

const skip = redisServerSkipReason();
if (skip !== undefined) describe.skip(skip, () => undefined);
else
  defineLeaseContract('redis', async () => {
    const server = await startRedisServer();
    const a = createRedisLeaseStore(new Redis(server.url), { prefix: 'test' });
    const b = createRedisLeaseStore(new Redis(server.url), { prefix: 'test' });
    return {
      a,
      b,
      ttlMs: 300,
      expire: () => new Promise((resolve) => setTimeout(resolve, 400)),
      close: async () => {
        await a.close();
        await b.close();
        await server.stop();
      },
    };
  });
