/**
 * A minimal OpenAPI v3 (/openapi/v3 and /openapi/v3/<group-version>): one PATCH operation per resource, tagged with
 * its group/version/kind and the fieldValidation query parameter. That is what kubectl checks to decide that
 * validation happens on the server, so `kubectl apply` works without --validate=false. No schemas are served:
 * kubectl then computes strategic merge patches from its built-in types, and merge patches for custom resources.
 */
import { createHash } from 'node:crypto';
import type { ResourceRegistry } from './resources.js';

export function openApiRoot(registry: ResourceRegistry): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, versions] of registry.groups()) {
    for (const v of versions) {
      const gv = group ? `apis/${group}/${v}` : `api/${v}`;
      const hash = createHash('sha256').update(JSON.stringify(openApiGroupVersion(registry, group, v))).digest('hex').slice(0, 32).toUpperCase();
      paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
    }
  }
  return { paths };
}

export function openApiGroupVersion(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: Record<string, unknown> = {};
  for (const rt of types) {
    const path = rt.namespaced ? `${prefix}/namespaces/{namespace}/${rt.plural}/{name}` : `${prefix}/${rt.plural}/{name}`;
    paths[path] = {
      patch: {
        operationId: `patch${rt.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group, version, kind: rt.kind },
        parameters: [
          { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
          { name: 'force', in: 'query', schema: { type: 'boolean' } },
        ],
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes (ecn fake API server)', version: 'v1.34.0' }, paths, components: { schemas: {} } };
}
