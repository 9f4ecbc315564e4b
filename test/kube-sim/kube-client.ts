/** Shared set-up for the fake API server tests: a started server and a real client-node KubeConfig pointing at it. */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeApiServer, type KubeApiServerOptions } from '../../sim/kube/index.js';

export async function startKube(opts: KubeApiServerOptions = {}): Promise<{ server: KubeApiServer; kc: KubeConfig }> {
  const server = new KubeApiServer({ host: '127.0.0.1', port: 0, ...opts });
  await server.start();
  const kc = new KubeConfig();
  kc.loadFromOptions(server.kubeConfigOptions());
  return { server, kc };
}

/** The ApiException code (HTTP status) and Status body of a failed client-node call. */
export async function failure(p: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: number; body?: unknown };
    let body: any = e.body;
    if (typeof body === 'string') { try { body = JSON.parse(body); } catch { /* keep text */ } }
    return { code: e.code ?? -1, body };
  }
  throw new Error('expected the call to fail');
}
