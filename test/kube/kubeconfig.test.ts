import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultNamespace, loadKubeConfig } from '../../src/kube/kubeconfig.js';

test('a server URL: plain http allowed (skipTLSVerify), a token when given', () => {
  const kc = loadKubeConfig({ server: 'http://127.0.0.1:8001/', token: 't0k' });
  assert.equal(kc.getCurrentCluster()!.server, 'http://127.0.0.1:8001');
  assert.equal(kc.getCurrentCluster()!.skipTLSVerify, true);
  assert.equal(kc.getCurrentUser()!.token, 't0k');
  assert.equal(defaultNamespace(kc), 'default');
});

test('a kubeconfig file: its context namespace is the default; a missing file or a bad URL is a clear error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ecn-kc-'));
  try {
    const file = join(dir, 'config');
    await writeFile(file, [
      'apiVersion: v1', 'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}}]',
      'users: [{name: u, user: {token: abc}}]',
      'contexts: [{name: x, context: {cluster: c, user: u, namespace: ecn-system}}]',
      'current-context: x', '',
    ].join('\n'));
    const kc = loadKubeConfig({ kubeconfig: file });
    assert.equal(kc.getCurrentCluster()!.server, 'https://10.0.0.1:6443');
    assert.equal(defaultNamespace(kc), 'ecn-system');
    assert.throws(() => loadKubeConfig({ kubeconfig: join(dir, 'nope') }), (e: any) => e.code === 'ECN_CONFIG' && /does not exist/.test(e.message) && /--kubeconfig/.test(e.hint));
    assert.throws(() => loadKubeConfig({ server: 'not a url' }), (e: any) => e.code === 'ECN_CLI_USAGE');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
