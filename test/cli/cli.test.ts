import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runEcn } from '../support/cli.js';
import { startSimNetwork, type SimNetwork } from '../../sim/network.js';

const BIN = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));

const ecn = (args: string[]) => runEcn(args);

let net: SimNetwork;
before(async () => { net = await startSimNetwork({ interiorId: 'INT', edgeIds: ['E1', 'E2'] }); });
after(async () => { await net.stop(); });

test('ecn mgmt queries the interior and an edge through it, as JSON', async () => {
  const conns = await ecn(['mgmt', '--router', net.url, 'query', '--type', 'connection', '--attributes', 'container,role,dir']);
  assert.equal(conns.code, 0, conns.err);
  const rows = JSON.parse(conns.out) as Array<Record<string, unknown>>;
  assert.deepEqual(rows.filter((r) => r.role === 'edge').map((r) => [r.container, r.dir]).sort(), [['E1', 'in'], ['E2', 'in']]);

  const router = await ecn(['mgmt', '--router', net.url, '--edge', 'E2', 'query', '--type', 'router', '--attributes', 'id,mode']);
  assert.equal(router.code, 0, router.err);
  assert.deepEqual(JSON.parse(router.out), [{ id: 'E2', mode: 'edge' }]);
});

test('ecn mgmt creates, reads and deletes an entity on an edge', async () => {
  const created = await ecn(['mgmt', '--router', net.url, '--edge', 'E1', 'create', '--type', 'router.config.address', '--name', 'cli-addr', 'prefix=cli.test', 'distribution=closest']);
  assert.equal(created.code, 0, created.err);
  assert.equal((JSON.parse(created.out) as Record<string, unknown>).prefix, 'cli.test');
  const read = await ecn(['mgmt', '--router', net.url, '--edge', 'E1', 'read', '--type', 'router.config.address', '--name', 'cli-addr']);
  assert.equal(read.code, 0, read.err);
  assert.equal((JSON.parse(read.out) as Record<string, unknown>).distribution, 'closest');
  const del = await ecn(['mgmt', '--router', net.url, '--edge', 'E1', 'delete', '--type', 'router.config.address', '--name', 'cli-addr']);
  assert.equal(del.code, 0, del.err);
  assert.equal(del.out, '');
  const gone = await ecn(['mgmt', '--router', net.url, '--edge', 'E1', 'read', '--type', 'router.config.address', '--name', 'cli-addr']);
  assert.equal(gone.code, 1);
  assert.match(gone.err, /ECN_MGMT_STATUS.*404/);
});

test('ecn mgmt exit codes: status error 1, usage 2, unreachable 3', async () => {
  const notImpl = await ecn(['mgmt', '--router', net.url, 'update', '--type', 'listener', '--name', 'amqp', 'maxFrameSize=32768']);
  assert.equal(notImpl.code, 1);
  assert.match(notImpl.err, /501/);
  assert.match(notImpl.err, /hint:/);

  const noType = await ecn(['mgmt', '--router', net.url, 'read', '--name', 'x']);
  assert.equal(noType.code, 2);
  assert.match(noType.err, /read needs --type/);

  const badOp = await ecn(['mgmt', '--router', net.url, 'explode']);
  assert.equal(badOp.code, 2);
  assert.match(badOp.err, /'explode' is not an operation/);

  const badUrl = await ecn(['mgmt', '--router', 'http://x', 'get-types']);
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.err, /only amqp: and amqps: are supported/);

  const strayAttrs = await ecn(['mgmt', '--router', net.url, 'query', '--type', 'listener', 'a=b']);
  assert.equal(strayAttrs.code, 2);
  assert.match(strayAttrs.err, /takes no key=value attributes/);

  const noEdge = await ecn(['mgmt', '--router', net.url, '--edge', 'NOPE', 'query', '--type', 'router']);
  assert.equal(noEdge.code, 3);
  assert.match(noEdge.err, /ECN_MGMT_UNREACHABLE/);

  const refused = await ecn(['mgmt', '--router', 'amqp://127.0.0.1:1', '--timeout', '2000', 'get-types']);
  assert.equal(refused.code, 3);
  assert.match(refused.err, /ECN_CONNECT/);
});

test('ecn sim-router runs in the foreground, prints its ports, takes fault commands and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'sim-router', '--mode', 'interior', '--id', 'SOLO', '--port', '0'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ECN_LOG_LEVEL: 'warn' },
  });
  // buffer every line: several may arrive in one chunk, before anyone waits for the second
  const buffered: string[] = [];
  let wake: (() => void) | undefined;
  createInterface({ input: child.stdout! }).on('line', (l) => { buffered.push(l); wake?.(); });
  const next = async (): Promise<string> => {
    const deadline = Date.now() + 20000;
    while (buffered.length === 0) {
      if (Date.now() > deadline) throw new Error('no line from sim-router within 20 s');
      await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, 500); });
    }
    return buffered.shift()!;
  };
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const ready = JSON.parse(await next()) as { id: string; mode: string; ports: Record<string, number> };
    assert.equal(ready.id, 'SOLO');
    assert.equal(ready.mode, 'interior');
    for (const k of ['amqp', 'edge', 'inter-router']) assert.ok(Number.isInteger(ready.ports[k]) && ready.ports[k]! > 0, `port ${k}`);

    const q = await ecn(['mgmt', '--router', `amqp://127.0.0.1:${ready.ports.amqp}`, 'query', '--type', 'router', '--attributes', 'id,mode']);
    assert.equal(q.code, 0, q.err);
    assert.deepEqual(JSON.parse(q.out), [{ id: 'SOLO', mode: 'interior' }]);

    child.stdin!.write('replies fail 503\n');
    assert.equal(await next(), 'fault: SOLO replies fail 503');
    const failing = await ecn(['mgmt', '--router', `amqp://127.0.0.1:${ready.ports.amqp}`, 'query', '--type', 'router']);
    assert.equal(failing.code, 1);
    assert.match(failing.err, /503/);
    child.stdin!.write('replies normal\nbogus\n');
    assert.equal(await next(), 'fault: SOLO replies normal');
    assert.match(await next(), /unknown command 'bogus'/);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0);
});

test('ecn sim-router refuses contradictory options with a usage error', async () => {
  const r = await ecn(['sim-router', '--mode', 'edge', '--id', 'E', '--port', '0', '--edge-port', '0']);
  assert.equal(r.code, 2);
  assert.match(r.err, /interior routers only/);
  const badId = await ecn(['sim-router', '--mode', 'edge', '--id', 'a/b', '--port', '0']);
  assert.equal(badId.code, 2);
  assert.match(badId.err, /not usable as a router id/);
});
