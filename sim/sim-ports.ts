/**
 * The simulator's port policy: in `ecn sim`, a router or microservice port given as 0 or left out is a free port
 * chosen at start, not the protocol default (5672 on a developer's machine is often taken). It works on the raw
 * manifest documents, before the model is built, so the model itself stays strict: `ecn run` against real routers
 * still refuses port 0 and still defaults omitted ports as ioFog does.
 */
import type { ManifestDocument } from '../src/model/index.js';
import { freePorts } from './free-ports.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every place a port may be chosen, as [holder object, key]; holders are created where the spec left them out. */
function portSlots(doc: Obj): Array<[Obj, string]> {
  const slots: Array<[Obj, string]> = [];
  const spec = isObj(doc.spec) ? doc.spec : undefined;
  if (!spec) return slots;
  const child = (o: Obj, k: string): Obj | undefined => {
    if (o[k] === undefined) o[k] = {};
    return isObj(o[k]) ? (o[k] as Obj) : undefined;
  };
  const msPorts = (ms: Obj): void => {
    const container = isObj(ms.container) ? ms.container : undefined;
    const ports = container && Array.isArray(container.ports) ? container.ports : [];
    for (const p of ports) if (isObj(p) && (p.external === 0 || p.external === undefined)) slots.push([p, 'external']);
  };
  switch (doc.kind) {
    case 'ControlPlane': {
      const router = child(spec, 'ingresses') && child(child(spec, 'ingresses')!, 'router');
      if (router) for (const k of ['messagePort', 'interiorPort', 'edgePort']) slots.push([router, k]);
      break;
    }
    case 'Agent': {
      const rc = child(spec, 'config') && child(child(spec, 'config')!, 'routerConfig');
      if (!rc) break;
      slots.push([rc, 'messagingPort']);
      if (rc.routerMode === 'interior') slots.push([rc, 'edgeRouterPort'], [rc, 'interRouterPort']);
      break;
    }
    case 'Microservice':
      msPorts(spec);
      break;
    case 'Application':
      if (Array.isArray(spec.microservices)) for (const ms of spec.microservices) if (isObj(ms)) msPorts(ms);
      break;
  }
  return slots.filter(([o, k]) => o[k] === undefined || o[k] === 0);
}

/** Gives every port that is 0 or missing a free port, in place; returns how many it chose. */
export async function chooseFreePorts(documents: readonly ManifestDocument[]): Promise<number> {
  const slots = documents.flatMap((d) => (isObj(d.doc) ? portSlots(d.doc) : []));
  if (slots.length === 0) return 0;
  const ports = await freePorts(slots.length);
  slots.forEach(([o, k], i) => { o[k] = ports[i]; });
  return slots.length;
}
