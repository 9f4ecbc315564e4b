/**
 * Bootstrap config: what a router starts from before the manager can reach it. A router is only manageable once it
 * is linked to the network (an edge through its uplink, the interior through its listeners), so each router's config
 * file holds its identity, its listeners, its connectors to upstream routers and the stock address prefixes.
 *
 * The listeners/connectors/sslProfile come from links.ts, the same functions the planner uses, so they carry the
 * planner's names and attributes: the first sync finds them equal and replaces nothing (listeners and connectors
 * cannot be UPDATEd; a replace would drop the router's links).
 *
 * The stock prefixes (`closest`, `multicast`, as in the sample qdrouterd.conf and sim/boot-config.ts) have no name
 * with the owner prefix, so the syncer never touches them.
 */
import { EcnError } from '../errors.js';
import type { EcnModel } from '../model/ecn.js';
import { routerLinks } from './links.js';

/** An entity of a router's config file; structurally the simulator's ConfigEntity (sim/router/contract.ts). */
export interface BootEntity {
  /** short type name, e.g. 'listener', 'router.config.address' */
  type: string;
  attributes: Record<string, unknown>;
}

/** The stock address prefixes every router boots with; unowned (no `ecn.` name). */
const STOCK_ADDRESSES: ReadonlyArray<Record<string, unknown>> = [
  { prefix: 'closest', distribution: 'closest' },
  { prefix: 'multicast', distribution: 'multicast' },
];

/**
 * The bootstrap entities of one router: router {mode, id}, then sslProfile (before the listeners that name it),
 * listeners, connectors, and the stock address prefixes. Throws ECN_CONFIG when the model has no such router.
 */
export function bootstrapEntities(model: EcnModel, routerId: string): BootEntity[] {
  const links = routerLinks(model, routerId);
  if (links === undefined) {
    throw new EcnError('ECN_CONFIG', `no router ${routerId} in the model`, {
      hint: "use the control plane's router id or an agent name",
      details: { routerId },
    });
  }
  const out: BootEntity[] = [{ type: 'router', attributes: { mode: links.mode, id: routerId } }];
  // links.ts emits sslProfile, listeners, connectors in that order: the order a config file needs
  for (const e of links.entities) out.push({ type: e.type, attributes: { name: e.name, ...e.attributes } });
  for (const a of STOCK_ADDRESSES) out.push({ type: 'router.config.address', attributes: { ...a } });
  return out;
}

/** Config-file section names differ from the management type names for the router.config.* types. */
function sectionName(type: string): string {
  return type.startsWith('router.config.') ? type.slice('router.config.'.length) : type;
}

/** `name` first (it is what a person looks for), then the attributes in the order they were built. */
function orderedAttributes(attributes: Record<string, unknown>): Array<[string, unknown]> {
  const entries = Object.entries(attributes).filter(([, v]) => v !== undefined);
  const i = entries.findIndex(([k]) => k === 'name');
  if (i > 0) entries.unshift(...entries.splice(i, 1));
  return entries;
}

function confValue(section: string, key: string, v: unknown): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string') {
    // qdrouterd's config parser cuts a line at '#' and quotes the rest into JSON: such values cannot be written safely
    if (v.length === 0 || /[#"\\\n\r{}]/.test(v)) {
      throw new EcnError('ECN_CONFIG', `${section}.${key}: value ${JSON.stringify(v)} cannot be written to qdrouterd.conf`, {
        hint: 'avoid #, quotes, backslashes, braces and line breaks in names, hosts and paths, or use the JSON config',
      });
    }
    return v;
  }
  throw new EcnError('ECN_CONFIG', `${section}.${key}: a ${typeof v} cannot be written to qdrouterd.conf`);
}

/** qdrouterd.conf text: one `section {` block per entity, attributes indented by four spaces, blank line between. */
export function renderQdrouterdConf(entities: readonly BootEntity[]): string {
  return entities
    .map((e) => {
      const section = sectionName(e.type);
      const lines = orderedAttributes(e.attributes).map(([k, v]) => `    ${k}: ${confValue(section, k, v)}`);
      return `${section} {\n${lines.join('\n')}\n}\n`;
    })
    .join('\n');
}

/** skrouterd.json text: a JSON list of `[section, attributes]` pairs, one pair per line. */
export function renderSkupperJson(entities: readonly BootEntity[]): string {
  const lines = entities.map((e) => `  ${JSON.stringify([sectionName(e.type), Object.fromEntries(orderedAttributes(e.attributes))])}`);
  return `[\n${lines.join(',\n')}\n]\n`;
}
