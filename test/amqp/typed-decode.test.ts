import { test } from 'node:test';
import assert from 'node:assert/strict';
import rhea from 'rhea';
import { installTypedDecode, readTypedSections, typedSectionsOf } from '../../src/amqp/typed-decode.js';

const t = rhea.types;

test('correlation id and application property types survive decoding', () => {
  installTypedDecode();
  const cases: Array<[unknown, string]> = [
    [t.wrap_int(7), 'int'], [t.wrap_long(70000000000), 'long'], [t.wrap_ulong(8), 'ulong'],
    [t.wrap_binary(Buffer.from('corr')), 'binary'], [t.wrap_uuid(Buffer.alloc(16, 1)), 'uuid'], ['c-1', 'string'],
  ];
  for (const [cid, type] of cases) {
    const buf = rhea.message.encode({
      correlation_id: cid as string,
      application_properties: { statusCode: t.wrap_int(200), statusDescription: 'OK', big: t.wrap_long(5) },
      body: { a: 1 },
    });
    const msg = rhea.message.decode(buf);
    const typed = typedSectionsOf(msg);
    assert.ok(typed, 'typed sections recorded');
    assert.equal(typed.correlationIdType, type);
    assert.deepEqual(typed.applicationPropertyTypes, { statusCode: 'int', statusDescription: 'string', big: 'long' });
    assert.equal(typed.bodyType, 'map');
    // the raw value re-encodes with its type intact
    const again = readTypedSections(rhea.message.encode({ correlation_id: typed.correlationIdRaw as string }));
    assert.equal(again.correlationIdType, type);
  }
});

test('a null body, no correlation id and garbage are told apart without throwing', () => {
  const none = readTypedSections(rhea.message.encode({ body: null }));
  assert.equal(none.correlationIdType, undefined);
  assert.equal(none.bodyType, 'null');
  assert.deepEqual(readTypedSections(Buffer.from([0x00, 0x53, 0x77, 0xff, 0xff])), { applicationPropertyTypes: {}, bodyType: 'absent' });
});
