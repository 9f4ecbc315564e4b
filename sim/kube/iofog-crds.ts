/**
 * Minimal CRDs for the six iofog.org/v3 kinds (namespaced, status subresource, schemas that keep unknown fields),
 * for servers started with `preloadIofogCrds`. The project's real CRDs (deploy/) can be applied instead.
 */
import type { KubeObject } from './resources.js';

export const IOFOG_GROUP = 'iofog.org';
export const IOFOG_VERSION = 'v3';
export const IOFOG_KINDS = ['ControlPlane', 'Agent', 'Application', 'Microservice', 'Route', 'EdgeResource'] as const;

export function iofogPlural(kind: string): string {
  return `${kind.toLowerCase()}s`;
}

const openObject = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

export function iofogCrd(kind: string): KubeObject {
  const plural = iofogPlural(kind);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${IOFOG_GROUP}` },
    spec: {
      group: IOFOG_GROUP,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      scope: 'Namespaced',
      versions: [{
        name: IOFOG_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: openObject, status: openObject } } },
      }],
    },
  };
}

export function iofogCrds(): KubeObject[] {
  return IOFOG_KINDS.map(iofogCrd);
}
