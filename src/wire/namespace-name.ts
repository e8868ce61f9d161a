/**
 * turbopuffer's namespace names, in one place: the gateway's URL check, the OpenAPI document and
 * the Index schema (spec.backend.namespace, and the CRD generated from it) all read these.
 */
export const NAMESPACE_NAME_MAX_LENGTH = 128;

/** As a JSON-schema / ECMAScript pattern string. */
export const NAMESPACE_NAME_PATTERN = `^[A-Za-z0-9_.-]{1,${NAMESPACE_NAME_MAX_LENGTH}}$`;

const NAMESPACE_NAME = new RegExp(NAMESPACE_NAME_PATTERN);

/** `.` and `..` match the pattern but are path segments in the URLs the name is placed in. */
export function isNamespaceName(name: string): boolean {
  return NAMESPACE_NAME.test(name) && name !== '.' && name !== '..';
}
