/**
 * Renders the hevlayer Helm chart without a helm binary (none is installed here), for a small,
 * well-defined subset of the template language: `{{ .Values.a.b }}`, `{{ .Release.Name }}`,
 * `{{ .Release.Namespace }}`, `{{ .Chart.AppVersion }}`, each optionally `| quote`. Anything else
 * inside `{{ }}` throws, so the chart cannot drift into syntax this renderer would get wrong.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export interface HelmRelease {
  readonly name: string;
  readonly namespace: string;
  readonly values?: Record<string, unknown>;
}

function lookup(root: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], root);
}

export function renderTemplate(text: string, context: Record<string, unknown>): string {
  return text.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_whole, expression: string) => {
    const match = /^\.((?:Values|Release|Chart)(?:\.[A-Za-z0-9_]+)+)(\s*\|\s*quote)?$/.exec(expression);
    if (match === null) throw new Error(`helm-lite: unsupported template expression {{ ${expression} }}`);
    const value = lookup(context, (match[1] ?? '').split('.'));
    if (value === undefined) throw new Error(`helm-lite: ${expression} has no value`);
    return match[2] === undefined ? String(value) : JSON.stringify(String(value));
  });
}

/** Every document the chart's templates render, in file order. */
export function renderChart(chartDir: string, release: HelmRelease): Record<string, unknown>[] {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const values = {
    ...(parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as object),
    ...release.values,
  };
  const context = {
    Values: values,
    Release: { Name: release.name, Namespace: release.namespace },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const dir = join(chartDir, 'templates');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(renderTemplate(readFileSync(join(dir, file), 'utf8'), context)).map((doc) => {
        if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message ?? ''}`);
        return doc.toJS() as Record<string, unknown>;
      }),
    );
}
