/**
 * `hevlayer demo`: loads the sample catalog into an Index of a running gateway (default `products`
 * on http://127.0.0.1:8080) through the turbopuffer write API, then runs one query of each kind
 * so a new user sees what comes back.
 */
import type { Command } from 'commander';
import { DEMO_DIMENSIONS, demoCatalog } from './demo-catalog.ts';
import { cliConnection, type ConnectionFlags } from './connection.ts';
import { gatewayCall } from './http.ts';

interface DemoFlags extends ConnectionFlags {
  index: string;
  count: string;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('load a sample product catalog into an Index of a running gateway and run sample queries')
    .option('--index <name>', 'Index to load', 'products')
    .option('--count <n>', 'number of products', '1000')
    .option('--url <url>', 'gateway URL (default: HEVLAYER_URL or http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key (default: HEVLAYER_API_KEY)')
    .action(async (flags: DemoFlags) => {
      const conn = cliConnection(flags);
      const { url } = conn;
      const count = Number(flags.count);
      if (!Number.isInteger(count) || count < 1 || count > 1_000_000) {
        throw new Error(
          `--count must be an integer between 1 and 1000000, got ${JSON.stringify(flags.count)}`,
        );
      }
      const ns = `/v2/namespaces/${encodeURIComponent(flags.index)}`;
      const rows = demoCatalog(count);
      for (let i = 0; i < rows.length; i += 500) {
        await gatewayCall(conn, 'POST', ns, {
          upsert_rows: rows.slice(i, i + 500),
          schema: { title: { type: 'string', full_text_search: true } },
        });
      }
      process.stdout.write(`loaded ${rows.length} products into ${flags.index} at ${url}\n\n`);
      const probe = Array.from({ length: DEMO_DIMENSIONS }, (_, d) => (d === 0 ? 1 : 0));
      const samples: [string, unknown][] = [
        [
          'nearest to the "shoes" direction',
          { rank_by: ['vector', 'ANN', probe], top_k: 3, include_attributes: ['title'] },
        ],
        [
          'BM25 "leather bag"',
          { rank_by: ['title', 'BM25', 'leather bag'], top_k: 3, include_attributes: ['title'] },
        ],
        [
          'cheapest acme',
          {
            rank_by: ['price', 'asc'],
            top_k: 3,
            filters: ['brand', 'Eq', 'acme'],
            include_attributes: ['title', 'price'],
          },
        ],
        ['count per category', { aggregate_by: { n: ['Count'] }, group_by: ['category'] }],
      ];
      for (const [label, query] of samples) {
        const result = await gatewayCall(conn, 'POST', `${ns}/query`, query);
        const shown = result.rows ?? result.aggregation_groups;
        process.stdout.write(`${label}:\n${JSON.stringify(shown)}\n\n`);
      }
    });
}
