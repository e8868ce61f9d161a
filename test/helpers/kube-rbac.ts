/**
 * RBAC for the test API server: the Role and ClusterRole rules of deploy/ YAML files, bound to the
 * operator's service account, and the authorizer's one question (does any rule allow this verb on
 * this resource in this namespace?). A Role's rules apply in its own namespace only.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

export interface Grant {
  readonly rules: readonly PolicyRule[];
  /** A Role's namespace; undefined for a ClusterRole (every namespace and the cluster scope). */
  readonly namespace?: string;
}

export interface AccessRequest {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

const matches = (list: readonly string[], value: string) => list.includes('*') || list.includes(value);

export function allows(grants: readonly Grant[], request: AccessRequest): boolean {
  return grants.some(
    (grant) =>
      (grant.namespace === undefined || grant.namespace === request.namespace) &&
      grant.rules.some(
        (rule) =>
          matches(rule.apiGroups, request.group) &&
          matches(rule.resources, request.resource) &&
          matches(rule.verbs, request.verb) &&
          (rule.resourceNames === undefined ||
            rule.resourceNames.length === 0 ||
            (request.name !== undefined && rule.resourceNames.includes(request.name))),
      ),
  );
}

/** Every Role (placed in `namespace`) and ClusterRole in the given YAML files. */
export function grantsFromFiles(files: readonly string[], namespace: string): Grant[] {
  const grants: Grant[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const value = doc.toJS() as { kind?: string; rules?: PolicyRule[] } | null;
      if (value?.kind === 'Role') grants.push({ rules: value.rules ?? [], namespace });
      if (value?.kind === 'ClusterRole') grants.push({ rules: value.rules ?? [] });
    }
  }
  return grants;
}
