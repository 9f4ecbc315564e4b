/**
 * SASL PLAIN (and keeping its password out of messages and logs), TLS with a CA, mutual TLS with SASL EXTERNAL.
 * Certificates: test/fixtures/tls (generated once with openssl by generate.sh; test-only keys).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { ManagementClient, type ManagementClientOptions } from '../../src/router/client.js';
import { rejection } from '../support/deadline.js';
import { Responder, type ResponderOptions } from '../support/rhea-responder.js';

const tlsDir = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
const pem = (f: string) => readFileSync(tlsDir + f);

const open: Array<{ close(): Promise<void> } | Responder> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await (x instanceof Responder ? x.stop() : x.close());
});

async function start(r: ResponderOptions, c: Omit<ManagementClientOptions, 'url'> & { url?: string }) {
  const responder = await Responder.start(r);
  open.push(responder);
  const client = new ManagementClient({ url: responder.url, reconnect: false, ...c });
  open.push(client);
  return { responder, client };
}

/** A pino logger at trace level whose output is collected as text. */
function captureLogger() {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += String(chunk); cb(); } });
  return { logger: pino({ level: 'trace' }, stream), text: () => text };
}

describe('SASL PLAIN', () => {
  const SECRET = 's3cr3t-pa55';

  it('authenticates with a username and password', async () => {
    const { responder, client } = await start({ plain: { username: 'admin', password: SECRET } }, { sasl: { mechanism: 'PLAIN', username: 'admin', password: SECRET } });
    assert.equal((await client.read('listener', 'a')).name, 'a');
    assert.deepEqual(responder.authenticated, ['admin']);
  });

  it('takes the credentials from the URL', async () => {
    const responder = await Responder.start({ plain: { username: 'admin', password: SECRET } });
    open.push(responder);
    const client = new ManagementClient({ url: `amqp://admin:${SECRET}@127.0.0.1:${responder.port}`, reconnect: false });
    open.push(client);
    await client.connect();
    assert.deepEqual(responder.authenticated, ['admin']);
  });

  it('fails with ECN_CONNECT on a wrong password, and the password appears in no message or log line', async () => {
    const log = captureLogger();
    const { client } = await start(
      { plain: { username: 'admin', password: SECRET } },
      { sasl: { mechanism: 'PLAIN', username: 'admin', password: 'wrong-' + SECRET }, logger: log.logger },
    );
    const err = await rejection(client.connect());
    assert.equal(err.code, 'ECN_CONNECT');
    assert.match(err.message, /authenticate/i);
    assert.match(String(err.hint), /SASL/);
    const everything = `${err.message} ${String(err.hint)} ${JSON.stringify(err)} ${log.text()}`;
    assert.ok(log.text().length > 0, 'something was logged');
    assert.ok(!everything.includes(SECRET), 'the password leaked');
  });

  it('is refused by a router that only offers PLAIN when the client offers ANONYMOUS', async () => {
    const { client } = await start({ plain: { username: 'admin', password: SECRET } }, {});
    assert.equal((await rejection(client.connect())).code, 'ECN_CONNECT');
  });
});

describe('TLS', () => {
  const serverTls = { key: pem('server.key'), cert: pem('server.crt'), ca: pem('ca.crt') };

  it('connects over TLS, verifying the router certificate against the CA', async () => {
    const { client, responder } = await start({ tls: serverTls }, { tls: { ca: pem('ca.crt') } });
    assert.match(responder.url, /^amqps:/);
    assert.equal((await client.read('listener', 'a')).name, 'a');
  });

  it('checks the server name: a certificate for localhost is fine when asked for localhost', async () => {
    const responder = await Responder.start({ tls: serverTls });
    open.push(responder);
    const client = new ManagementClient({ url: `amqps://localhost:${responder.port}`, tls: { ca: pem('ca.crt') }, reconnect: false });
    open.push(client);
    await client.connect();
  });

  it('refuses a router certificate it cannot verify', async () => {
    const { client } = await start({ tls: serverTls }, { tls: {} });
    const err = await rejection(client.connect());
    assert.equal(err.code, 'ECN_CONNECT');
    assert.match(String(err.hint), /TLS failed/);
  });

  it('refuses a certificate issued for another name', async () => {
    const { client } = await start({ tls: serverTls }, { tls: { ca: pem('ca.crt'), servername: 'router.example' } });
    assert.equal((await rejection(client.connect())).code, 'ECN_CONNECT');
  });

  it('authenticates with a client certificate over SASL EXTERNAL', async () => {
    const { client } = await start(
      { tls: { ...serverTls, requestCert: true, enableExternal: true } },
      { tls: { ca: pem('ca.crt'), cert: pem('client.crt'), key: pem('client.key') }, sasl: { mechanism: 'EXTERNAL' } },
    );
    assert.equal((await client.read('listener', 'a')).name, 'a');
  });

  it('is refused by a router that requires a client certificate when none is given', async () => {
    const { client } = await start({ tls: { ...serverTls, requestCert: true, enableExternal: true } }, { tls: { ca: pem('ca.crt') } });
    assert.equal((await rejection(client.connect())).code, 'ECN_CONNECT');
  });
});
