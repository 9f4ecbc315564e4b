/** The example ECN (deploy/examples/ecn) as custom resources, as the API server would return them. */
import { fileURLToPath } from 'node:url';
import { readManifestDocuments } from '../../src/model/load.js';
import type { Kind } from '../../src/model/schemas.js';
import type { CrObject } from '../../src/kube/cr-source.js';
import type { KubeObject } from '../../src/kube/supervised-informer.js';
import { buildFromCrs } from '../../src/kube/cr-source.js';
import { relocatePorts } from '../support/relocate.js';

export const EXAMPLE_DIR = fileURLToPath(new URL('../../deploy/examples/ecn', import.meta.url));

/** The example manifests as plain CR bodies (apiVersion, kind, metadata with the namespace, spec). */
export async function exampleCrBodies(namespace: string): Promise<KubeObject[]> {
  const { documents } = await readManifestDocuments([EXAMPLE_DIR]);
  return documents.map(({ doc }) => {
    const d = structuredClone(doc) as KubeObject;
    d.metadata = { ...d.metadata, namespace };
    return d;
  });
}

let rv = 100;
/** As the informer would hold them: with uid, resourceVersion, generation, creationTimestamp. */
export async function exampleCrs(namespace = 'ecn'): Promise<CrObject[]> {
  return (await exampleCrBodies(namespace)).map((b, i) => ({
    kind: b.kind as Kind,
    obj: { ...b, metadata: { ...b.metadata, uid: `uid-${i}`, resourceVersion: String(++rv), generation: 1, creationTimestamp: new Date(1_700_000_000_000 + i * 1000).toISOString() } },
  }));
}

/** The example bodies with every port moved to a free one (the example uses fixed, readable ports). */
export async function relocatedBodies(namespace: string): Promise<KubeObject[]> {
  const bodies = await exampleCrBodies(namespace);
  const { model } = buildFromCrs(bodies.map((obj) => ({ kind: obj.kind as Kind, obj })));
  const moved = await relocatePorts(model);
  for (const b of bodies) {
    const spec = b.spec as any;
    if (b.kind === 'ControlPlane') {
      const r = moved.controlPlane!.router;
      Object.assign(spec.ingresses.router, { messagePort: r.messagePort, interiorPort: r.interiorPort, edgePort: r.edgePort });
      const p = moved.publicPorts[0]!.publicPort;
      spec.publicPorts = { start: p, end: p };
    } else if (b.kind === 'Agent') {
      const a = moved.agents.get(b.metadata.name)!;
      Object.assign(spec.config.routerConfig, { messagingPort: a.messagingPort, ...(a.edgeRouterPort ? { edgeRouterPort: a.edgeRouterPort } : {}), ...(a.interRouterPort ? { interRouterPort: a.interRouterPort } : {}) });
    } else if (b.kind === 'Application') {
      for (const ms of spec.microservices) ms.container.ports.forEach((p: any, i: number) => { p.external = moved.microservices.get(`${b.metadata.name}/${ms.name}`)!.ports[i]!.external; });
    } else if (b.kind === 'Microservice') {
      spec.container.ports.forEach((p: any, i: number) => { p.external = moved.microservices.get(`${spec.application}/${b.metadata.name}`)!.ports[i]!.external; });
    }
  }
  return bodies;
}

