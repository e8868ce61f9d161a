/**
 * The file config provider: a directory of YAML manifests → registry snapshots, hot-reloaded.
 * Every reload reads and validates the whole directory; only a fully valid set is published
 * (atomically, through the RegistryHolder). An invalid change keeps the last good snapshot, is
 * logged, and is visible in the hevlayer API (ConfigValid=False on every Index, GET
 * /hevlayer/v1/config) until a valid change replaces it.
 */
import type { Logger } from 'pino';
import { validateManifestSet } from '../../resources/manifests.ts';
import { formatProblem, hasErrors, type ConfigProblem } from '../../resources/problems.ts';
import { buildRegistry } from '../../registry/build.ts';
import type { RegistryHolder } from '../../registry/holder.ts';
import { readManifestDir } from './read-dir.ts';
import { createDirectoryWatcher, type DirectoryWatcher } from './watch.ts';

export interface FileConfigProviderOptions {
  readonly dir: string;
  /** Absolute base for relative paths in manifests (`--data`). */
  readonly dataDir: string;
  readonly holder: RegistryHolder;
  readonly logger: Logger;
  readonly debounceMs?: number;
  /** Safety-net poll; 0 disables it. Default 10 s. */
  readonly pollIntervalMs?: number;
  readonly clock?: () => Date;
  /** Observes every reload attempt (metrics). */
  readonly onReload?: (outcome: ReloadOutcome) => void;
}

export type ReloadOutcome =
  | { readonly result: 'published'; readonly generation: number; readonly problems: readonly ConfigProblem[] }
  | { readonly result: 'rejected'; readonly problems: readonly ConfigProblem[] }
  | { readonly result: 'unchanged' };

export class ConfigRejectedError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(dir: string, problems: readonly ConfigProblem[]) {
    super(
      `the config in ${dir} is invalid:\n${problems
        .filter((p) => p.severity === 'error')
        .map(formatProblem)
        .join('\n')}`,
    );
    this.name = 'ConfigRejectedError';
    this.problems = problems;
  }
}

export class FileConfigProvider {
  readonly #options: FileConfigProviderOptions;
  readonly #clock: () => Date;
  #watcher: DirectoryWatcher | undefined;
  #lastFingerprint: string | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(options: FileConfigProviderOptions) {
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
  }

  /** Loads the directory once (throws ConfigRejectedError when invalid), then watches it. */
  async start(): Promise<void> {
    const outcome = await this.reload();
    if (outcome.result === 'rejected') throw new ConfigRejectedError(this.#options.dir, outcome.problems);
    this.#watcher = createDirectoryWatcher({
      dir: this.#options.dir,
      debounceMs: this.#options.debounceMs ?? 1000,
      pollIntervalMs: this.#options.pollIntervalMs ?? 10_000,
      onChange: () => this.#requestReload(),
      onWatchError: (err) =>
        this.#options.logger.warn({ err, dir: this.#options.dir }, 'config directory watch failed; polling'),
    });
    this.#watcher.start();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#watcher?.close();
    await this.#running;
  }

  /** Reads and validates the directory now; publishes when valid and changed. */
  async reload(): Promise<ReloadOutcome> {
    const outcome = await this.#load();
    this.#options.onReload?.(outcome);
    return outcome;
  }

  async #load(): Promise<ReloadOutcome> {
    const { dir, dataDir, holder, logger } = this.#options;
    const contents = await readManifestDir(dir);
    if (contents.fingerprint === this.#lastFingerprint) return { result: 'unchanged' };
    this.#lastFingerprint = contents.fingerprint;

    const validated = validateManifestSet(contents.files);
    const problems: ConfigProblem[] = [
      ...contents.failures.map((f): ConfigProblem => ({
        severity: 'error',
        file: f.file,
        path: '',
        message: f.message,
      })),
      ...validated.problems,
    ];
    const now = this.#clock().toISOString();
    if (hasErrors(problems) || contents.files.length === 0) {
      const all =
        contents.files.length === 0 && !hasErrors(problems)
          ? [
              ...problems,
              {
                severity: 'error' as const,
                file: dir,
                path: '',
                message: 'no *.yaml or *.yml manifests found',
              },
            ]
          : problems;
      holder.reject(all, now);
      const serving = holder.current().generation;
      logger.error(
        { dir, problems: all.map(formatProblem), servingGeneration: serving },
        serving > 0 ? `config change rejected; still serving generation ${serving}` : 'config rejected',
      );
      return { result: 'rejected', problems: all };
    }

    const previous = holder.current();
    const snapshot = buildRegistry({
      resources: validated.resources,
      warnings: problems,
      generation: previous.generation + 1,
      loadedAt: now,
      dataDir,
      previous,
    });
    holder.publish(snapshot);
    logger.info(
      {
        dir,
        generation: snapshot.generation,
        indexes: snapshot.allIndexes.length,
        stores: snapshot.stores.size,
        notReady: snapshot.allIndexes.filter((e) => !e.ready).map((e) => e.name),
      },
      'config loaded',
    );
    if (snapshot.problems.length > 0) {
      logger.warn({ dir, problems: snapshot.problems.map(formatProblem) }, 'config warnings');
    }
    return { result: 'published', generation: snapshot.generation, problems: snapshot.problems };
  }

  /** Serializes reloads: a request during a reload runs one more reload afterwards. */
  #requestReload(): void {
    if (this.#closed) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.reload();
        } catch (err) {
          this.#options.logger.error({ err, dir: this.#options.dir }, 'config reload failed');
        }
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#running = undefined;
    });
  }
}
