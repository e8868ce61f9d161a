/**
 * The JSONPath subset of CRD printer columns (`.a.b`, `.list[?(@.k=="v")].field`), enough to show
 * what `kubectl get` would print for an object.
 */
export function jsonPath(object: unknown, path: string): unknown {
  let current: unknown = object;
  const steps = path.match(/\.[A-Za-z0-9_]+|\[\?\(@\.[A-Za-z0-9_]+=="[^"]*"\)\]/g) ?? [];
  for (const step of steps) {
    if (current === undefined || current === null) return undefined;
    const filter = /^\[\?\(@\.([A-Za-z0-9_]+)=="([^"]*)"\)\]$/.exec(step);
    if (filter !== null) {
      const [, key = '', value] = filter;
      current = (current as Record<string, unknown>[]).find((item) => item[key] === value);
    } else {
      current = (current as Record<string, unknown>)[step.slice(1)];
    }
  }
  return current;
}
