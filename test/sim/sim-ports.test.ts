import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifestText, buildModel } from '../../src/model/index.js';
import { chooseFreePorts } from '../../sim/sim-ports.js';

const TEXT = `
apiVersion: iofog.org/v3
kind: ControlPlane
metadata: {name: cp}
spec:
  ingresses:
    router: {address: 127.0.0.1, messagePort: 0, edgePort: 45999}
---
apiVersion: iofog.org/v3
kind: Agent
metadata: {name: fog}
spec:
  host: 127.0.0.1
  config:
    routerConfig: {routerMode: interior}
---
apiVersion: iofog.org/v3
kind: Agent
metadata: {name: edge}
spec: {host: 127.0.0.1}
---
apiVersion: iofog.org/v3
kind: Application
metadata: {name: app}
spec:
  microservices:
    - name: ms
      agent: {name: edge}
      container:
        ports: [{internal: 80, external: 0}, {internal: 81, external: 8181}]
`;

test('ports given as 0 or left out become distinct free ports; given ports stay', async () => {
  const { documents, issues } = parseManifestText(TEXT, 'inline.yaml');
  assert.deepEqual(issues, []);
  // cp: messagePort(0) + interiorPort(missing); fog: 3 (messaging, edge, inter-router); edge: messaging; ms: one external
  assert.equal(await chooseFreePorts(documents), 7);
  const { model, issues: modelIssues } = buildModel(documents);
  assert.deepEqual(modelIssues.filter((i) => i.severity === 'error'), []);
  const cp = model.controlPlane!;
  assert.equal(cp.router.edgePort, 45999);
  const fog = model.agents.get('fog')!;
  const edge = model.agents.get('edge')!;
  const ms = model.microservices.get('app/ms')!;
  const chosen = [cp.router.messagePort, cp.router.interiorPort, fog.messagingPort, fog.edgeRouterPort!, fog.interRouterPort!, edge.messagingPort, ms.ports[0]!.external];
  assert.equal(new Set(chosen).size, chosen.length, 'distinct');
  for (const p of chosen) assert.ok(p > 1024 && p <= 65535, `port ${p}`);
  assert.equal(ms.ports[1]!.external, 8181);
  assert.equal(await chooseFreePorts(documents), 0, 'nothing left to choose');
});
