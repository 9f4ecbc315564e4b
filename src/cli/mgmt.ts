/**
 * `ecn mgmt`: a qdmanage-like management tool on the product's client. It talks to a router's own agent, to an
 * interior by id (`--interior`) or to an edge through its interior (`--edge`); JSON on stdout, errors with a code
 * and a hint on stderr, exit codes as in exit-codes.ts.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ManagementClient, type TargetSpec, type TlsOptions, type SaslOptions, type Attributes } from '../router/index.js';
import type { Flavor } from '../router/protocol.js';
import { EcnError } from '../errors.js';
import { parseAttributeNames, parseNonNegativeInt, parseAttributes, parseFlavor, parsePositiveInt, parseRouterId, parseRouterUrl } from './args.js';
import { writeLine } from './io.js';
import type { CommandContext } from './main.js';

export const MGMT_OPERATIONS = [
  'query', 'read', 'create', 'update', 'delete', 'get-types', 'get-attributes', 'get-operations', 'get-mgmt-nodes', 'get-schema',
] as const;
type MgmtOperation = (typeof MGMT_OPERATIONS)[number];

interface MgmtOpts {
  router: string;
  edge?: string;
  interior?: string;
  type?: string;
  name?: string;
  identity?: string;
  attributes?: string[];
  offset?: number;
  count?: number;
  body?: string;
  flavor?: Flavor;
  timeout: number;
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  sasl?: 'ANONYMOUS' | 'PLAIN' | 'EXTERNAL';
  username?: string;
  password?: string;
  pretty?: boolean;
}

function usage(message: string, hint: string): EcnError {
  return new EcnError('ECN_CLI_USAGE', message, { hint });
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw usage(`cannot read the ${what} file '${path}': ${(err as Error).message}`, `give the path of a PEM file for ${what}`);
  }
}

function tlsOptions(o: MgmtOpts): TlsOptions | undefined {
  if (!o.ca && !o.cert && !o.key && !o.insecure) return undefined;
  if ((o.cert && !o.key) || (o.key && !o.cert)) throw usage('--cert and --key go together', 'give both the client certificate and its key');
  return {
    ...(o.ca ? { ca: readFile(o.ca, '--ca') } : {}),
    ...(o.cert ? { cert: readFile(o.cert, '--cert') } : {}),
    ...(o.key ? { key: readFile(o.key, '--key') } : {}),
    ...(o.insecure ? { rejectUnauthorized: false } : {}),
  };
}

function saslOptions(o: MgmtOpts): SaslOptions | undefined {
  const password = o.password ?? process.env.ECN_ROUTER_PASSWORD;
  const mech = o.sasl ?? (o.username ? 'PLAIN' : undefined);
  if (!mech) return undefined;
  if (mech === 'PLAIN') {
    if (!o.username || password === undefined) {
      throw usage('SASL PLAIN needs --username and a password', 'give --password or set ECN_ROUTER_PASSWORD');
    }
    return { mechanism: 'PLAIN', username: o.username, password };
  }
  return { mechanism: mech };
}

function targetOf(o: MgmtOpts): TargetSpec {
  if (o.edge && o.interior) throw usage('--edge and --interior both given', 'choose one target agent');
  if (o.edge) return { edge: o.edge };
  if (o.interior) return { router: o.interior };
  return 'local';
}

function bodyOf(o: MgmtOpts, pairs: string[]): Attributes {
  let body: Attributes = {};
  if (o.body !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(o.body);
    } catch (err) {
      throw usage(`--body is not JSON: ${(err as Error).message}`, `give a JSON map, e.g. --body '{"host":"127.0.0.1","port":5672}'`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw usage('--body must be a JSON map', `e.g. --body '{"role":"normal"}'`);
    body = parsed as Attributes;
  }
  return { ...body, ...parseAttributes(pairs) };
}

function refOf(op: string, o: MgmtOpts): { name: string; identity?: string } | { identity: string } {
  if (o.identity) return o.name ? { name: o.name, identity: o.identity } : { identity: o.identity };
  if (o.name) return { name: o.name };
  throw usage(`${op} needs --name or --identity`, `e.g. ecn mgmt --router … ${op} --type listener --name l1`);
}

function needType(op: string, o: MgmtOpts): string {
  if (!o.type) throw usage(`${op} needs --type`, `e.g. --type listener (short names get the router's prefix)`);
  return o.type;
}

async function runOperation(client: ManagementClient, target: TargetSpec, op: MgmtOperation, o: MgmtOpts, pairs: string[]): Promise<unknown> {
  const t = client.target(target);
  const call = { timeoutMs: o.timeout };
  if (pairs.length > 0 && !['create', 'update'].includes(op)) {
    throw usage(`${op} takes no key=value attributes (got ${pairs.join(' ')})`, 'attributes go with create and update; use --attributes to choose QUERY columns');
  }
  switch (op) {
    case 'query':
      return t.query(needType(op, o), o.attributes ?? [], {
        ...call,
        ...(o.offset !== undefined ? { offset: o.offset } : {}),
        ...(o.count !== undefined ? { count: o.count } : {}),
      });
    case 'read':
      return t.read(needType(op, o), refOf(op, o), call);
    case 'create':
      return t.create(needType(op, o), o.name, bodyOf(o, pairs), call);
    case 'update':
      return t.update(needType(op, o), refOf(op, o), bodyOf(o, pairs), call);
    case 'delete':
      await t.delete(needType(op, o), refOf(op, o), call);
      return undefined;
    case 'get-types':
      return t.getTypes(o.type, call);
    case 'get-attributes':
      return t.getAttributes(o.type, call);
    case 'get-operations':
      return t.getOperations(o.type, call);
    case 'get-mgmt-nodes':
      return t.getMgmtNodes(call);
    case 'get-schema':
      return t.getSchema(call);
  }
}

export function registerMgmt(program: Command, ctx: CommandContext): void {
  program
    .command('mgmt')
    .description('AMQP management of a router (qdmanage-like): query, read, create, update, delete, get-*')
    .argument('<operation>', `one of: ${MGMT_OPERATIONS.join(', ')}`)
    .argument('[attributes...]', 'key=value attributes for create/update (JSON values are typed: port=5672 is an integer)')
    .requiredOption('--router <url>', 'amqp://HOST:PORT (amqps:// for TLS) of the router to connect to', parseRouterUrl)
    .option('--edge <id>', 'talk to this edge router through the connected interior (amqp:/_edge/<id>/$management)', parseRouterId)
    .option('--interior <id>', 'talk to this interior router (amqp:/_topo/0/<id>/$management)', parseRouterId)
    .option('--type <type>', 'entity type, short (listener) or fully qualified')
    .option('--name <name>', 'entity name')
    .option('--identity <id>', 'entity identity')
    .option('--attributes <a,b,…>', 'QUERY: the attributes to return (default all)', parseAttributeNames)
    .option('--offset <n>', 'QUERY: first row (C-agent types only)', parseNonNegativeInt)
    .option('--count <n>', 'QUERY: at most this many rows (C-agent types only)', parsePositiveInt)
    .option('--body <json>', 'create/update: the attributes as one JSON map (key=value pairs are merged over it)')
    .option('--flavor <flavor>', 'type prefix to use instead of detecting it: qdrouterd or skupper', parseFlavor)
    .option('--timeout <ms>', 'reply timeout in milliseconds', parsePositiveInt, 5000)
    .option('--ca <file>', 'TLS: CA certificate(s) to verify the router')
    .option('--cert <file>', 'TLS: client certificate')
    .option('--key <file>', 'TLS: client key')
    .option('--insecure', 'TLS: do not verify the router certificate')
    .addOption(new Option('--sasl <mechanism>', 'SASL mechanism').choices(['ANONYMOUS', 'PLAIN', 'EXTERNAL']))
    .option('--username <user>', 'SASL PLAIN user')
    .option('--password <password>', 'SASL PLAIN password (or set ECN_ROUTER_PASSWORD)')
    .option('--pretty', 'indent the JSON output')
    .action(async (operation: string, pairs: string[], o: MgmtOpts) => {
      const op = operation.toLowerCase() as MgmtOperation;
      if (!MGMT_OPERATIONS.includes(op)) {
        throw usage(`'${operation}' is not an operation`, `use one of: ${MGMT_OPERATIONS.join(', ')}`);
      }
      const target = targetOf(o);
      const client = new ManagementClient({
        url: o.router,
        ...(o.flavor ? { flavor: o.flavor } : {}),
        tls: tlsOptions(o),
        sasl: saslOptions(o),
        reconnect: false,
        timeoutMs: o.timeout,
        connectTimeoutMs: o.timeout,
        logger: ctx.io.logger,
      });
      try {
        await client.connect();
        const result = await runOperation(client, target, op, o, pairs);
        if (result !== undefined) writeLine(ctx.io.stdout, JSON.stringify(result, null, o.pretty ? 2 : undefined));
      } finally {
        await client.close();
      }
    });
}
