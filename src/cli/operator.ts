/**
 * `hevlayer operator [--namespace NS]`: the gateway with its config from Index, VectorStore and
 * GatewayConfig custom resources (in NS, or in every namespace), and the leader-elected control
 * plane that writes their status. The cluster comes from --kubeconfig, KUBECONFIG, ~/.kube/config
 * or the pod's service account. Signals and exit codes as for `serve`.
 */
import type { Command } from 'commander';
import { startOperator } from '../main/operator.ts';
import { parsePort } from '../main/serve.ts';
import { K8S_LABEL_PATTERN } from '../resources/schema-kit.ts';
import { runUntilSignal } from './serve.ts';

interface OperatorFlags {
  namespace?: string;
  kubeconfig?: string;
  leaseNamespace?: string;
  gatewayConfig?: string;
  port?: string;
  host?: string;
  data?: string;
}

const NAMESPACE = new RegExp(K8S_LABEL_PATTERN);

function namespaceFlag(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!NAMESPACE.test(value) || value.length > 63) {
    throw new Error(
      `${flag}: must be a Kubernetes namespace name (a-z, 0-9 and "-", at most 63 characters), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function registerOperator(program: Command, meta: { version: string }): void {
  program
    .command('operator')
    .description(
      'run the gateway from Index/VectorStore/GatewayConfig custom resources, and reconcile their status',
    )
    .option('-n, --namespace <ns>', 'watch this namespace only (default: all namespaces)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option(
      '--lease-namespace <ns>',
      'namespace of the leader-election Lease (default: --namespace, POD_NAMESPACE or the context namespace)',
    )
    .option('--gateway-config <name>', 'the GatewayConfig to use when several are in scope')
    .option('-p, --port <n>', 'listen port (overrides HEVLAYER_PORT and GatewayConfig listen.port)')
    .option('--host <host>', 'listen address (overrides GatewayConfig listen.host)')
    .option('--data <dir>', 'base directory for relative data paths (default: the working directory)')
    .action(async (flags: OperatorFlags) => {
      let running;
      try {
        const namespace = namespaceFlag(flags.namespace, '--namespace');
        const leaseNamespace = namespaceFlag(flags.leaseNamespace, '--lease-namespace');
        running = await startOperator({
          ...(namespace === undefined ? {} : { namespace }),
          ...(leaseNamespace === undefined ? {} : { leaseNamespace }),
          ...(flags.kubeconfig === undefined ? {} : { kubeConfig: { file: flags.kubeconfig } }),
          ...(flags.gatewayConfig === undefined ? {} : { gatewayConfigName: flags.gatewayConfig }),
          ...(flags.port === undefined ? {} : { port: parsePort(flags.port, '--port') }),
          ...(flags.host === undefined ? {} : { host: flags.host }),
          ...(flags.data === undefined ? {} : { dataDir: flags.data }),
          env: process.env,
          version: meta.version,
        });
      } catch (err) {
        process.stderr.write(`hevlayer: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      runUntilSignal(running);
    });
}
