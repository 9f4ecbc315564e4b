/**
 * rhea hands messages over with their values unwrapped to plain JavaScript, which loses the AMQP type of a value:
 * an `int` 7, a `long` 7 and a `ulong` 7 all become the number 7. The management protocol cares (the routers echo a
 * correlation id only for some types, and the statusCode is an `int`), so this module reads the raw properties and
 * application-properties sections again and keeps the typed values.
 */
import rhea from 'rhea';

/** rhea's section reader; present at run time, missing from its typings */
const Reader = (rhea.types as unknown as { Reader: new (b: Buffer) => { remaining(): number; read(): unknown } }).Reader;

/** AMQP type names as the AMQP spec writes them. */
export type AmqpTypeName =
  | 'null' | 'boolean' | 'ubyte' | 'ushort' | 'uint' | 'ulong' | 'byte' | 'short' | 'int' | 'long'
  | 'float' | 'double' | 'timestamp' | 'uuid' | 'binary' | 'string' | 'symbol' | 'list' | 'map' | 'array' | 'unknown';

const BY_RHEA_NAME: Record<string, AmqpTypeName> = {
  Null: 'null', Boolean: 'boolean', True: 'boolean', False: 'boolean',
  Ubyte: 'ubyte', Ushort: 'ushort', Uint: 'uint', SmallUint: 'uint', Uint0: 'uint',
  Ulong: 'ulong', SmallUlong: 'ulong', Ulong0: 'ulong',
  Byte: 'byte', Short: 'short', Int: 'int', SmallInt: 'int', Long: 'long', SmallLong: 'long',
  Float: 'float', Double: 'double', Timestamp: 'timestamp', Uuid: 'uuid',
  Vbin8: 'binary', Vbin32: 'binary', Str8: 'string', Str32: 'string', Sym8: 'symbol', Sym32: 'symbol',
  List0: 'list', List8: 'list', List32: 'list', Map8: 'map', Map32: 'map', Array8: 'array', Array32: 'array',
};

interface RheaTyped { type?: { name?: string }; value?: unknown; descriptor?: { value?: unknown } }

export function amqpTypeOf(typed: unknown): AmqpTypeName {
  const name = (typed as RheaTyped | undefined)?.type?.name;
  return (name && BY_RHEA_NAME[name]) || 'unknown';
}

export interface TypedSections {
  /** the correlation id exactly as it was on the wire (a rhea Typed value, re-sendable as is) */
  correlationIdRaw?: unknown;
  correlationIdType?: AmqpTypeName;
  /** AMQP type of every application property */
  applicationPropertyTypes: Record<string, AmqpTypeName>;
  /** AMQP type of the body (amqp-value section), `absent` when the message has none */
  bodyType: AmqpTypeName | 'absent';
}

const PROPERTIES = 0x73;
const APPLICATION_PROPERTIES = 0x74;
const AMQP_VALUE = 0x77;

/** Reads the typed sections of an encoded message. Never throws: an undecodable section is skipped. */
export function readTypedSections(buffer: Buffer): TypedSections {
  const out: TypedSections = { applicationPropertyTypes: {}, bodyType: 'absent' };
  try {
    const reader = new Reader(buffer);
    while (reader.remaining()) {
      const section = reader.read() as RheaTyped;
      const code = Number(section.descriptor?.value);
      if (code === PROPERTIES && Array.isArray(section.value)) {
        const raw = section.value[5] as RheaTyped | undefined; // correlation-id is the 6th field of properties
        if (raw !== undefined && amqpTypeOf(raw) !== 'null') {
          out.correlationIdRaw = raw;
          out.correlationIdType = amqpTypeOf(raw);
        }
      } else if (code === APPLICATION_PROPERTIES && Array.isArray(section.value)) {
        const items = section.value as RheaTyped[];
        for (let i = 0; i + 1 < items.length; i += 2) {
          out.applicationPropertyTypes[String(items[i]!.value)] = amqpTypeOf(items[i + 1]);
        }
      } else if (code === AMQP_VALUE) {
        out.bodyType = amqpTypeOf(section);
      }
    }
  } catch {
    // a malformed message is reported by whoever reads its fields; the types are just unknown
  }
  return out;
}

const TYPED = Symbol.for('ecn.typedSections');
let installed = false;

/**
 * Makes every message rhea decodes in this process carry its typed sections (see typedSectionsOf). Idempotent.
 * It wraps rhea's own decoder, so it costs one more pass over the properties sections of each message.
 */
export function installTypedDecode(): void {
  if (installed) return;
  installed = true;
  const mod = rhea.message as unknown as { decode: (b: Buffer) => object };
  const original = mod.decode;
  mod.decode = function decodeWithTypes(buffer: Buffer) {
    const msg = original(buffer);
    Object.defineProperty(msg, TYPED, { value: buffer, enumerable: false, writable: true });
    return msg;
  };
}

/** The typed sections of a message decoded after installTypedDecode(); computed lazily, cached. */
export function typedSectionsOf(message: object): TypedSections | undefined {
  const holder = message as { [TYPED]?: Buffer | TypedSections };
  const v = holder[TYPED];
  if (v === undefined) return undefined;
  if (Buffer.isBuffer(v)) {
    const parsed = readTypedSections(v);
    holder[TYPED] = parsed;
    return parsed;
  }
  return v;
}
