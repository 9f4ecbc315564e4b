/**
 * The plan against the simulated management agent (the real schemas of qdrouterd 1.19 and skupper-router 3.5.1):
 * a router booted from bootstrapEntities, then given the rest of its plan by CREATE, reports every planned attribute
 * back unchanged. That is what lets the diff compare planned and observed attributes without false "changed".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementAgent } from '../../sim/router/agent.js';
import type { AgentResult } from '../../sim/router/contract.js';
import { longType, type Flavor } from '../../src/router/protocol.js';
import { bootstrapEntities } from '../../src/plan/bootstrap.js';
import { planNetwork } from '../../src/plan/planner.js';
import { FakeRuntime } from '../support/fake-runtime.js';
import { exampleModel } from './planner-example.js';

function agentFor(flavor: Flavor, version: string, id: string, mode: 'interior' | 'edge', tls: boolean) {
  const runtime = new FakeRuntime();
  const agent = new ManagementAgent({ identity: { id, mode, flavor, version }, runtime, hooks: runtime, config: bootstrapEntities(exampleModel({ tls }), id) });
  const call = (props: Record<string, unknown>, body: unknown = {}): Extract<AgentResult, { kind: 'reply' }> => {
    const r = agent.handle({ applicationProperties: props, body, hasReplyTo: true });
    assert.equal(r.kind, 'reply');
    return r as Extract<AgentResult, { kind: 'reply' }>;
  };
  return call;
}

for (const [flavor, version, tcp] of [['skupper', '3.5.1', true], ['qdrouterd', '1.19.0', false]] as const) {
  describe(`plan vs simulated ${flavor} ${version}`, () => {
    for (const tls of [false, true]) {
      it(`every router reports its planned attributes unchanged${tls ? ' (TLS)' : ''}`, () => {
        const model = exampleModel({ tls });
        const plan = planNetwork(model, { flavorOf: () => flavor, tcpBridges: () => tcp });
        for (const [id, rp] of plan.routers) {
          const call = agentFor(flavor, version, id, rp.mode, tls);
          const booted = new Set(bootstrapEntities(model, id).map((e) => e.attributes.name));
          for (const e of rp.entities) {
            if (booted.has(e.name)) continue;
            const r = call({ operation: 'CREATE', type: longType(flavor, e.type), name: e.name }, { ...e.attributes });
            assert.equal(r.statusCode, 201, `${id}: CREATE ${e.type} ${e.name}: ${r.statusDescription}`);
          }
          for (const e of rp.entities) {
            const r = call({ operation: 'READ', type: longType(flavor, e.type), name: e.name });
            assert.equal(r.statusCode, 200, `${id}: READ ${e.name}: ${r.statusDescription}`);
            const got = r.body as Record<string, unknown>;
            for (const [k, v] of Object.entries(e.attributes)) assert.deepEqual(got[k], v, `${id}: ${e.name}.${k}`);
          }
        }
      });
    }
  });
}
