/** The fake API server's request audit (sim/kube/audit.ts): off by default; RBAC's verbs; discovery not recorded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiServer } from '../../sim/kube/index.js';
import { authorizedVerbs, type AuditEntry } from '../../sim/kube/audit.js';

const UA = 'audit-test/1';

async function call(server: KubeApiServer, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<number> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'User-Agent': UA, ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Opens a watch, waits for its answer's head, then ends it. */
async function openWatch(server: KubeApiServer, path: string): Promise<number> {
  const ac = new AbortController();
  const res = await fetch(`${server.url}${path}`, { headers: { 'User-Agent': UA }, signal: ac.signal });
  ac.abort();
  return res.status;
}

const brief = (e: AuditEntry) => [e.verb, e.apiGroup, e.resource, e.namespace ?? '-', e.name ?? '-', e.patchType ?? '-', e.code].join(' ');

test('the audit is off unless asked for; it records each resource request with its RBAC verb, and clears', async () => {
  const off = new KubeApiServer({ preloadIofogCrds: true });
  await off.start();
  try {
    assert.equal(await call(off, 'GET', '/api/v1/namespaces/default/configmaps'), 200);
    assert.equal(off.audit.size, 0);
  } finally {
    await off.stop();
  }

  const server = new KubeApiServer({ preloadIofogCrds: true, audit: true });
  await server.start();
  try {
    // discovery, OpenAPI, version and health are not resource requests
    for (const p of ['/version', '/api', '/apis', '/api/v1', '/apis/iofog.org/v3', '/openapi/v3', '/healthz']) assert.equal(await call(server, 'GET', p), 200, p);
    assert.equal(server.audit.size, 0);

    const cms = '/api/v1/namespaces/default/configmaps';
    const agents = '/apis/iofog.org/v3/namespaces/default/agents';
    assert.equal(await call(server, 'POST', cms, { metadata: { name: 'a' }, data: { k: 'v' } }), 201);
    assert.equal(await call(server, 'GET', `${cms}/a`), 200);
    assert.equal(await call(server, 'GET', cms), 200);
    assert.equal(await openWatch(server, `${cms}?watch=true`), 200);
    assert.equal(await call(server, 'PUT', `${cms}/a`, { metadata: { name: 'a' }, data: { k: 'w' } }), 200);
    assert.equal(await call(server, 'PATCH', `${cms}/a`, { data: { k: 'x' } }, 'application/merge-patch+json'), 200);
    assert.equal(await call(server, 'PATCH', `${cms}/b?fieldManager=t`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } }, 'application/apply-patch+yaml'), 201);
    assert.equal(await call(server, 'PATCH', `${cms}/b?fieldManager=t`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' }, data: { k: 'y' } }, 'application/apply-patch+yaml'), 200);
    assert.equal(await call(server, 'DELETE', `${cms}/a`), 200);
    assert.equal(await call(server, 'DELETE', cms), 200);
    assert.equal(await call(server, 'POST', agents, { apiVersion: 'iofog.org/v3', kind: 'Agent', metadata: { name: 'e' }, spec: { host: '127.0.0.1' } }), 201);
    assert.equal(await call(server, 'PATCH', `${agents}/e/status`, { status: { observedGeneration: 1 } }, 'application/merge-patch+json'), 200);
    assert.equal(await openWatch(server, '/apis/iofog.org/v3/watch/agents'), 200, 'the legacy /watch/ path, across namespaces');
    assert.equal(await call(server, 'GET', '/api/v1/namespaces/default/secrets/none'), 404, 'a refused request is recorded too');

    const entries = server.audit.entries();
    assert.ok(entries.every((e) => e.userAgent === UA));
    assert.deepEqual(entries.filter((e) => e.verb !== 'watch').map(brief), [
      'create  configmaps default - - 201',
      'get  configmaps default a - 200',
      'list  configmaps default - - 200',
      'update  configmaps default a - 200',
      'patch  configmaps default a merge 200',
      'patch  configmaps default b apply 201',
      'patch  configmaps default b apply 200',
      'delete  configmaps default a - 200',
      'deletecollection  configmaps default - - 200',
      'create iofog.org agents default - - 201',
      'patch iofog.org agents/status default e merge 200',
      'get  secrets default none - 404',
    ]);
    assert.deepEqual(entries.filter((e) => e.verb === 'watch').map((e) => `${e.apiGroup}/${e.resource} ${e.namespace ?? '-'}`), ['/configmaps default', 'iofog.org/agents -']);
    // the authorizer checks create as well for the apply that created the object
    assert.deepEqual(entries.filter((e) => e.patchType === 'apply').map(authorizedVerbs), [['patch', 'create'], ['patch']]);

    server.audit.clear();
    assert.equal(server.audit.size, 0);
    server.audit.enabled = false;
    assert.equal(await call(server, 'GET', cms), 200);
    assert.equal(server.audit.size, 0);
  } finally {
    await server.stop();
  }
});
