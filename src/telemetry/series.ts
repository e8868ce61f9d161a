/**
 * Counters and histograms for the per-request hot path, exported through a prom-client Registry.
 *
 * prom-client's `labels(...)` children still validate and hash the label object on every
 * `inc`/`observe` (about a microsecond each, several per proxied request). These families resolve a
 * label set to its series once; recording is then a few number additions. They implement the part
 * of prom-client's metric contract its Registry uses (`name`, `get`, `reset`), so `/metrics` prints
 * them in the same exposition format as prom-client's own metrics.
 */
import type { Metric, MetricObjectWithValues, MetricValueWithName, Registry } from 'prom-client';

type Labels<L extends string> = Readonly<Record<L, string>>;

interface FamilyOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly registers: readonly Registry[];
}

abstract class Family<L extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  abstract readonly type: 'counter' | 'histogram';
  protected readonly labelNames: readonly L[];
  protected series = new Map<string, { labels: Labels<L>; series: S }>();
  /** Label values in labelNames order → series: a lookup without building a key per call. */
  #byValues = new Map<string, unknown>();

  constructor(options: FamilyOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  protected abstract create(): S;

  /** The series of one label set (found through nested maps of its values; made on first use). */
  labels(labels: Labels<L>): S {
    let level = this.#byValues;
    const last = this.labelNames.length - 1;
    for (let i = 0; i < last; i++) {
      const next = level.get(labels[this.labelNames[i] as L]) as Map<string, unknown> | undefined;
      if (next === undefined) return this.#create(labels);
      level = next;
    }
    return (level.get(labels[this.labelNames[last] as L]) as S | undefined) ?? this.#create(labels);
  }

  #create(labels: Labels<L>): S {
    const given = Object.keys(labels);
    if (given.length !== this.labelNames.length || given.some((k) => !this.labelNames.includes(k as L))) {
      throw new Error(`${this.name}: labels must be exactly ${this.labelNames.join(', ')}`);
    }
    const key = JSON.stringify(this.labelNames.map((name) => labels[name]));
    let entry = this.series.get(key);
    if (entry === undefined) {
      entry = { labels: { ...labels }, series: this.create() };
      this.series.set(key, entry);
    }
    let level = this.#byValues;
    this.labelNames.forEach((name, i) => {
      const value = labels[name];
      if (i === this.labelNames.length - 1) {
        level.set(value, entry.series);
        return;
      }
      let next = level.get(value) as Map<string, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    });
    return entry.series;
  }

  reset(): void {
    this.series = new Map();
    this.#byValues = new Map();
  }

  protected abstract values(): MetricValueWithName<string>[];

  get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type as never,
      aggregator: this.aggregator,
      values: this.values(),
      collect: () => undefined,
    });
  }
}

export interface CounterSeries {
  inc(by?: number): void;
}

class CounterCell implements CounterSeries {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class FastCounter<L extends string> extends Family<L, CounterSeries> {
  readonly type = 'counter' as const;

  protected create(): CounterSeries {
    return new CounterCell();
  }

  protected values(): MetricValueWithName<string>[] {
    return [...this.series.values()].map(({ labels, series }) => ({
      labels,
      value: (series as CounterCell).value,
      metricName: this.name,
    }));
  }
}

export interface HistogramSeries {
  observe(value: number): void;
}

class HistogramCell implements HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    this.sum += value;
    this.count++;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

export class FastHistogram<L extends string> extends Family<L, HistogramSeries> {
  readonly type = 'histogram' as const;
  readonly #bounds: readonly number[];

  constructor(options: FamilyOptions<L> & { readonly buckets: readonly number[] }) {
    super(options);
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
  }

  protected create(): HistogramSeries {
    return new HistogramCell(this.#bounds);
  }

  /** Cumulative buckets, `+Inf`, `_sum` and `_count` per series, as prom-client's Histogram exports them. */
  protected values(): MetricValueWithName<string>[] {
    const out: MetricValueWithName<string>[] = [];
    for (const { labels, series } of this.series.values()) {
      const cell = series as HistogramCell;
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += cell.counts[i]!;
        out.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      out.push({ labels: { le: '+Inf', ...labels }, value: cell.count, metricName: `${this.name}_bucket` });
      out.push({ labels, value: cell.sum, metricName: `${this.name}_sum` });
      out.push({ labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return out;
  }
}
