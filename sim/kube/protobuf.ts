/**
 * Just enough of the Kubernetes protobuf encoding to read what `kubectl create namespace|configmap|secret|
 * serviceaccount` sends (client-go's typed clients send built-ins as protobuf, with no fallback to JSON): the
 * `k8s\0` envelope (runtime.Unknown) and those four kinds with the common ObjectMeta fields. Other kinds get a 415
 * saying to use `kubectl apply -f` / `create -f`, which send JSON.
 */
import { KubeApiError } from './status.js';
import type { KubeObject } from './resources.js';

export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

type Field = { no: number; wire: number; value: bigint | Buffer };

function varint(buf: Buffer, pos: { i: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos.i >= buf.length) throw new Error('truncated varint');
    const b = buf[pos.i++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
  }
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  const pos = { i: 0 };
  while (pos.i < buf.length) {
    const key = Number(varint(buf, pos));
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, value: varint(buf, pos) });
    else if (wire === 2) {
      const len = Number(varint(buf, pos));
      if (pos.i + len > buf.length) throw new Error('truncated field');
      out.push({ no, wire, value: buf.subarray(pos.i, pos.i + len) });
      pos.i += len;
    } else if (wire === 1) { out.push({ no, wire, value: buf.subarray(pos.i, pos.i + 8) }); pos.i += 8; }
    else if (wire === 5) { out.push({ no, wire, value: buf.subarray(pos.i, pos.i + 4) }); pos.i += 4; }
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Field) => (f.value as Buffer).toString('utf8');

function mapEntry(f: Field, bytes: boolean): [string, string] {
  let k = '';
  let v = '';
  for (const e of fields(f.value as Buffer)) {
    if (e.no === 1) k = str(e);
    if (e.no === 2) v = bytes ? (e.value as Buffer).toString('base64') : str(e);
  }
  return [k, v];
}

function ownerReference(buf: Buffer): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const f of fields(buf)) {
    if (f.no === 1) r.kind = str(f);
    else if (f.no === 3) r.name = str(f);
    else if (f.no === 4) r.uid = str(f);
    else if (f.no === 5) r.apiVersion = str(f);
    else if (f.no === 6) r.controller = f.value !== 0n;
    else if (f.no === 7) r.blockOwnerDeletion = f.value !== 0n;
  }
  return r;
}

function objectMeta(buf: Buffer): Record<string, any> {
  const md: Record<string, any> = {};
  for (const f of fields(buf)) {
    switch (f.no) {
      case 1: md.name = str(f); break;
      case 2: md.generateName = str(f); break;
      case 3: md.namespace = str(f); break;
      case 6: md.resourceVersion = str(f); break;
      case 11: { const [k, v] = mapEntry(f, false); (md.labels ??= {})[k] = v; break; }
      case 12: { const [k, v] = mapEntry(f, false); (md.annotations ??= {})[k] = v; break; }
      case 13: (md.ownerReferences ??= []).push(ownerReference(f.value as Buffer)); break;
      case 14: (md.finalizers ??= []).push(str(f)); break;
    }
  }
  // gogo-protobuf writes every string field, empty or not: an empty one means unset
  for (const k of ['name', 'generateName', 'namespace', 'resourceVersion']) if (md[k] === '') delete md[k];
  return md;
}

type Decoder = (fs: Field[], obj: KubeObject) => void;

const DECODERS: Record<string, Decoder> = {
  ConfigMap: (fs, obj) => {
    for (const f of fs) {
      if (f.no === 2) { const [k, v] = mapEntry(f, false); (obj.data ??= {})[k] = v; }
      if (f.no === 3) { const [k, v] = mapEntry(f, true); (obj.binaryData ??= {})[k] = v; }
      if (f.no === 4) obj.immutable = f.value !== 0n;
    }
  },
  Secret: (fs, obj) => {
    for (const f of fs) {
      if (f.no === 2) { const [k, v] = mapEntry(f, true); (obj.data ??= {})[k] = v; }
      if (f.no === 3 && str(f) !== '') obj.type = str(f);
      if (f.no === 4) { const [k, v] = mapEntry(f, false); (obj.stringData ??= {})[k] = v; }
      if (f.no === 5) obj.immutable = f.value !== 0n;
    }
  },
  Namespace: (fs, obj) => {
    for (const f of fs) {
      if (f.no === 2) for (const s of fields(f.value as Buffer)) if (s.no === 1) (obj.spec ??= { finalizers: [] }).finalizers.push(str(s));
    }
  },
  ServiceAccount: (fs, obj) => {
    for (const f of fs) {
      if (f.no === 2) (obj.secrets ??= []).push(Object.fromEntries(fields(f.value as Buffer).filter((s) => s.no === 3).map((s) => ['name', str(s)])));
      if (f.no === 4) obj.automountServiceAccountToken = f.value !== 0n;
    }
  },
};

export function isProtobuf(body: Buffer): boolean {
  return body.length >= 4 && body.subarray(0, 4).equals(PROTOBUF_MAGIC);
}

/** Decodes a protobuf-encoded object of a supported kind; a 415 naming the way out otherwise. */
export function decodeProtobuf(body: Buffer): KubeObject {
  let apiVersion = '';
  let kind = '';
  let raw: Buffer | undefined;
  try {
    for (const f of fields(body.subarray(4))) {
      if (f.no === 1) for (const t of fields(f.value as Buffer)) { if (t.no === 1) apiVersion = str(t); if (t.no === 2) kind = str(t); }
      if (f.no === 2) raw = f.value as Buffer;
    }
  } catch (err) {
    throw new KubeApiError(400, 'BadRequest', `the protobuf body could not be decoded: ${(err as Error).message}`);
  }
  const decode = DECODERS[kind];
  if (!decode || raw === undefined) {
    throw new KubeApiError(415, 'UnsupportedMediaType',
      `this fake API server reads protobuf only for ${Object.keys(DECODERS).join(', ')} (got ${kind || 'an unknown kind'}): send JSON, e.g. \`kubectl create ... --dry-run=client -o yaml | kubectl apply -f -\``);
  }
  const obj: KubeObject = { apiVersion, kind };
  try {
    const fs = fields(raw);
    for (const f of fs) if (f.no === 1) obj.metadata = objectMeta(f.value as Buffer);
    decode(fs, obj);
  } catch (err) {
    throw new KubeApiError(400, 'BadRequest', `the protobuf ${kind} could not be decoded: ${(err as Error).message}`);
  }
  return obj;
}
