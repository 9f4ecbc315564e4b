/**
 * The side effects of management operations on config entities (AgentHooks): a created listener binds, a deleted
 * one closes with its connections; a created connector dials, a deleted one hangs up; tcpListener / tcpConnector
 * start and stop TCP bridges; UPDATE connection {adminStatus: deleted} closes a connection. Hooks never throw: a
 * failure shows in the live attributes and the log, as on a real router.
 */
import { shortType } from '../../src/router/protocol.js';
import { closeConnection } from './connections.js';
import type { AgentHooks } from './contract.js';
import type { Instance } from './instance.js';
import type { RouterContext } from './state.js';

/** `isCurrent` is false once the router restarted: hooks of an old agent then do nothing. */
export function configHooks(ctx: RouterContext, inst: Instance, isCurrent: () => boolean): AgentHooks {
  function guard(what: string, f: () => void): void {
    try {
      f();
    } catch (err) {
      ctx.logger.error({ err, what }, 'config side effect failed');
    }
  }
  // methods, not arrow properties: one router holds these for its lifetime (router.ts, constructor)
  return {
    created(type, entity) {
      guard('created', () => {
      // boot entities are applied by the router once the agent exists (it reads them with list())
      if (inst.booting || !isCurrent()) return;
      const t = shortType(type);
      if (t === 'listener') void inst.listeners.open(entity);
      else if (t === 'connector') inst.connectors.add(entity);
      else if (t === 'tcpListener') void inst.bridges.addListener(entity);
      else if (t === 'tcpConnector') inst.bridges.addConnector(entity);
      });
    },
    deleted(type, entity) {
      guard('deleted', () => {
      if (!isCurrent()) return;
      const t = shortType(type);
      const name = String(entity.name ?? '');
      if (t === 'listener') void inst.listeners.close(name, (rec) => closeConnection(rec));
      else if (t === 'connector') inst.connectors.remove(name);
      else if (t === 'tcpListener') void inst.bridges.removeListener(name);
      else if (t === 'tcpConnector') inst.bridges.removeConnector(name);
      });
    },
    updated(type, entity) {
      ctx.logger.debug({ type, name: entity.name }, 'entity updated');
    },
    closeConnection(identity) {
      const rec = ctx.registry.byIdentity(identity);
      if (!rec) return false;
      closeConnection(rec);
      return true;
    },
  };
}
