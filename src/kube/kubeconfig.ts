/**
 * Where the Kubernetes API is: a server URL (tests and local fakes: plain http is allowed, TLS is not verified),
 * a kubeconfig file (--kubeconfig), else KUBECONFIG / ~/.kube/config, else the in-cluster service account.
 * The namespace defaults to the kubeconfig context's (in cluster: the pod's), else `default`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { EcnError, errorMessage } from '../errors.js';

export interface KubeTarget {
  /** http(s)://host:port of an API server that needs no credentials (tests, fake servers) */
  server?: string;
  /** a kubeconfig file */
  kubeconfig?: string;
  /** a bearer token for `server` */
  token?: string;
}

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export function loadKubeConfig(t: KubeTarget = {}): KubeConfig {
  const kc = new KubeConfig();
  if (t.server) {
    let url: URL;
    try { url = new URL(t.server); } catch {
      throw new EcnError('ECN_CLI_USAGE', `--kube-server ${t.server} is not a URL`, { hint: 'Give http(s)://HOST:PORT.' });
    }
    kc.loadFromOptions({
      clusters: [{ name: 'ecn', server: url.origin, skipTLSVerify: true }],
      users: [{ name: 'ecn', ...(t.token ? { token: t.token } : {}) }],
      contexts: [{ name: 'ecn', cluster: 'ecn', user: 'ecn' }],
      currentContext: 'ecn',
    });
    return kc;
  }
  try {
    if (t.kubeconfig) {
      if (!existsSync(t.kubeconfig)) throw new EcnError('ECN_CONFIG', `kubeconfig ${t.kubeconfig} does not exist`, { hint: 'Give the path of a kubeconfig file with --kubeconfig, or set KUBECONFIG.' });
      kc.loadFromFile(t.kubeconfig);
    } else {
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof EcnError) throw err;
    throw new EcnError('ECN_CONFIG', `could not load the Kubernetes configuration: ${errorMessage(err)}`, { hint: 'Give --kubeconfig PATH, set KUBECONFIG, or run in a pod with a service account.', cause: err });
  }
  if (!kc.getCurrentCluster()) {
    throw new EcnError('ECN_CONFIG', 'no Kubernetes cluster configured (no kubeconfig, and not running in a pod)', { hint: 'Give --kubeconfig PATH or set KUBECONFIG.' });
  }
  return kc;
}

/** The namespace to watch when none is given. */
export function defaultNamespace(kc: KubeConfig): string {
  const ctx = kc.getContextObject(kc.getCurrentContext());
  if (ctx?.namespace) return ctx.namespace;
  try {
    if (existsSync(SA_NAMESPACE)) return readFileSync(SA_NAMESPACE, 'utf8').trim() || 'default';
  } catch { /* not in a pod */ }
  return 'default';
}
