/**
 * `hevlayer serve --config DIR`: the gateway with the file config provider (hot reload). An invalid
 * config at start-up exits 1 with one line per problem, like `validate`; later invalid changes are
 * rejected while the last good config keeps serving. SIGTERM/SIGINT run the shutdown sequence
 * (docs/adr/lifecycle-and-shutdown.md): exit 0, or 1 when the grace period ran out; a second
 * signal exits 130 at once.
 */
import type { Command } from 'commander';
import { ConfigRejectedError } from '../config/file/provider.ts';
import { parsePort, startServe, type RunningGateway } from '../main/serve.ts';
import { formatProblem } from '../resources/problems.ts';

/** Exit code after a second SIGTERM/SIGINT (128 + SIGINT, as a shell reports an interrupt). */
const FORCED_EXIT = 130;

interface ServeFlags {
  config: string;
  port?: string;
  host?: string;
  data?: string;
}

export function registerServe(program: Command, meta: { version: string }): void {
  program
    .command('serve')
    .description('run the gateway with config from a directory of YAML manifests (hot-reloaded)')
    .requiredOption('-c, --config <dir>', 'directory of *.yaml/*.yml manifests')
    .option(
      '-p, --port <n>',
      'listen port (overrides HEVLAYER_PORT and GatewayConfig listen.port; 0 = any free port)',
    )
    .option('--host <host>', 'listen address (overrides GatewayConfig listen.host)')
    .option('--data <dir>', 'base directory for relative data paths (default: the working directory)')
    .action(async (flags: ServeFlags) => {
      let running;
      try {
        running = await startServe({
          configDir: flags.config,
          ...(flags.port === undefined ? {} : { port: parsePort(flags.port, '--port') }),
          ...(flags.host === undefined ? {} : { host: flags.host }),
          ...(flags.data === undefined ? {} : { dataDir: flags.data }),
          version: meta.version,
        });
      } catch (err) {
        if (err instanceof ConfigRejectedError) {
          for (const problem of err.problems) process.stderr.write(`${formatProblem(problem)}\n`);
          process.stderr.write(`hevlayer: not starting: the config in ${flags.config} is invalid\n`);
        } else {
          process.stderr.write(`hevlayer: ${(err as Error).message}\n`);
        }
        process.exitCode = 1;
        return;
      }
      runUntilSignal(running);
    });
}

/** Maps SIGTERM/SIGINT to the gateway's shutdown and its outcome to the exit code (also `operator`). */
export function runUntilSignal(gateway: RunningGateway): void {
  // The sequence itself lives in main/ (RunningGateway.shutdown); the shell only maps signals
  // to it and its outcome to the exit code. A second signal exits at once with 130.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      gateway.log.error({ signal }, 'second signal: exiting now without finishing the shutdown');
      process.exit(FORCED_EXIT);
    }
    stopping = true;
    gateway.log.info({ signal, ...gateway.timing }, 'shutting down');
    gateway.shutdown().then(
      (code) => {
        gateway.log.info({ exitCode: code }, 'shut down');
        process.exit(code);
      },
      (err: unknown) => {
        gateway.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
