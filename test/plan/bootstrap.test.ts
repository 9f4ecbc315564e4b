/**
 * Bootstrap config: the entities a router boots from, their two renderings (qdrouterd.conf, skrouterd.json, golden
 * strings), and the rule that makes the first sync a no-op: every named bootstrap entity equals the planner's.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrapEntities, renderQdrouterdConf, renderSkupperJson } from '../../src/plan/bootstrap.js';
import { planNetwork } from '../../src/plan/planner.js';
import { EcnError } from '../../src/errors.js';
import type { ConfigEntity } from '../../sim/router/contract.js';
import { exampleModel, options } from './planner-example.js';

const EDGE_1_CONF = `router {
    mode: edge
    id: edge-1
}

listener {
    name: ecn.listener.normal
    host: 0.0.0.0
    port: 5672
    role: normal
    authenticatePeer: false
    saslMechanisms: ANONYMOUS
}

connector {
    name: ecn.uplink.fog-1
    host: 10.0.0.1
    port: 56722
    role: edge
    saslMechanisms: ANONYMOUS
}

address {
    prefix: closest
    distribution: closest
}

address {
    prefix: multicast
    distribution: multicast
}
`;

const FOG_1_CONF = `router {
    mode: interior
    id: fog-1
}

listener {
    name: ecn.listener.normal
    host: 0.0.0.0
    port: 5672
    role: normal
    authenticatePeer: false
    saslMechanisms: ANONYMOUS
}

listener {
    name: ecn.listener.inter-router
    host: 0.0.0.0
    port: 56721
    role: inter-router
    authenticatePeer: false
    saslMechanisms: ANONYMOUS
}

listener {
    name: ecn.listener.edge
    host: 0.0.0.0
    port: 56722
    role: edge
    authenticatePeer: false
    saslMechanisms: ANONYMOUS
}

connector {
    name: ecn.uplink.default-router
    host: 203.0.113.10
    port: 55672
    role: inter-router
    saslMechanisms: ANONYMOUS
}

address {
    prefix: closest
    distribution: closest
}

address {
    prefix: multicast
    distribution: multicast
}
`;

const INTERIOR_TLS_JSON = `[
  ["router",{"mode":"interior","id":"default-router"}],
  ["sslProfile",{"name":"ecn.tls","caCertFile":"/etc/ecn/ca.crt","certFile":"/etc/ecn/tls.crt","privateKeyFile":"/etc/ecn/tls.key"}],
  ["listener",{"name":"ecn.listener.normal","host":"0.0.0.0","port":"5672","role":"normal","sslProfile":"ecn.tls","authenticatePeer":false,"saslMechanisms":"ANONYMOUS"}],
  ["listener",{"name":"ecn.listener.inter-router","host":"0.0.0.0","port":"55672","role":"inter-router","sslProfile":"ecn.tls","authenticatePeer":false,"saslMechanisms":"ANONYMOUS"}],
  ["listener",{"name":"ecn.listener.edge","host":"0.0.0.0","port":"45672","role":"edge","sslProfile":"ecn.tls","authenticatePeer":false,"saslMechanisms":"ANONYMOUS"}],
  ["address",{"prefix":"closest","distribution":"closest"}],
  ["address",{"prefix":"multicast","distribution":"multicast"}]
]
`;

describe('bootstrapEntities', () => {
  it('an edge: router, its normal listener, its uplink, the stock prefixes', () => {
    const boot: ConfigEntity[] = bootstrapEntities(exampleModel(), 'edge-1'); // assignable to the simulator's form
    assert.deepEqual(boot, [
      { type: 'router', attributes: { mode: 'edge', id: 'edge-1' } },
      { type: 'listener', attributes: { name: 'ecn.listener.normal', host: '0.0.0.0', port: '5672', role: 'normal', authenticatePeer: false, saslMechanisms: 'ANONYMOUS' } },
      { type: 'connector', attributes: { name: 'ecn.uplink.fog-1', host: '10.0.0.1', port: '56722', role: 'edge', saslMechanisms: 'ANONYMOUS' } },
      { type: 'router.config.address', attributes: { prefix: 'closest', distribution: 'closest' } },
      { type: 'router.config.address', attributes: { prefix: 'multicast', distribution: 'multicast' } },
    ]);
  });

  it('the sslProfile comes before the listeners that reference it', () => {
    const types = bootstrapEntities(exampleModel({ tls: true }), 'default-router').map((e) => e.type);
    assert.deepEqual(types, ['router', 'sslProfile', 'listener', 'listener', 'listener', 'router.config.address', 'router.config.address']);
  });

  it('an unknown router id is an ECN_CONFIG error', () => {
    assert.throws(() => bootstrapEntities(exampleModel(), 'nope'), (e: unknown) => e instanceof EcnError && e.code === 'ECN_CONFIG');
  });

  it('bootstrap ⊆ plan: every named bootstrap entity is a planned entity with the same type, name and attributes', () => {
    for (const tls of [false, true]) {
      const model = exampleModel({ tls });
      const plan = planNetwork(model, options());
      for (const [id, rp] of plan.routers) {
        const named = bootstrapEntities(model, id).filter((e) => typeof e.attributes.name === 'string');
        assert.ok(named.length >= 2, `${id} boots with a listener and more`);
        for (const b of named) {
          assert.ok((b.attributes.name as string).startsWith('ecn.'));
          const p = rp.entities.find((e) => e.name === b.attributes.name);
          assert.ok(p, `${id}: ${b.attributes.name as string} is planned`);
          assert.equal(p.type, b.type);
          assert.deepEqual({ name: p.name, ...p.attributes }, b.attributes);
        }
        // and the plan's links (sslProfile, listeners, connectors) are all in the bootstrap: nothing to create first
        const bootNames = new Set(named.map((e) => e.attributes.name));
        for (const e of rp.entities) {
          if (e.type === 'listener' || e.type === 'connector' || e.type === 'sslProfile') assert.ok(bootNames.has(e.name), `${id}: ${e.name} boots`);
        }
        // stock prefixes are unowned: the syncer must never see them as its own
        for (const e of bootstrapEntities(model, id)) if (e.type === 'router.config.address') assert.equal(e.attributes.name, undefined);
      }
    }
  });
});

describe('renderings', () => {
  it('qdrouterd.conf for an edge and for an interior-mode agent (golden)', () => {
    assert.equal(renderQdrouterdConf(bootstrapEntities(exampleModel(), 'edge-1')), EDGE_1_CONF);
    assert.equal(renderQdrouterdConf(bootstrapEntities(exampleModel(), 'fog-1')), FOG_1_CONF);
  });

  it('skrouterd.json for the interior with TLS (golden), and it parses back to the entities', () => {
    const boot = bootstrapEntities(exampleModel({ tls: true }), 'default-router');
    const text = renderSkupperJson(boot);
    assert.equal(text, INTERIOR_TLS_JSON);
    const parsed = JSON.parse(text) as Array<[string, Record<string, unknown>]>;
    assert.deepEqual(parsed.map(([, a]) => a), boot.map((e) => e.attributes));
    assert.deepEqual(parsed.map(([s]) => s), ['router', 'sslProfile', 'listener', 'listener', 'listener', 'address', 'address']);
  });

  it('qdrouterd.conf refuses values its parser would cut or mangle', () => {
    const bad = (v: string) => () => renderQdrouterdConf([{ type: 'sslProfile', attributes: { name: 'ecn.tls', certFile: v } }]);
    for (const v of ['/etc/a#b', 'a"b', 'a\nb', '']) assert.throws(bad(v), (e: unknown) => e instanceof EcnError && e.code === 'ECN_CONFIG');
  });
});
