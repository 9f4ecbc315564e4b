import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFaultCommand } from '../../sim/fault-commands.js';

test('fault commands parse into typed commands', () => {
  assert.equal(parseFaultCommand('   '), undefined);
  assert.deepEqual(parseFaultCommand('restart'), { ok: true, command: { kind: 'restart' } });
  assert.deepEqual(parseFaultCommand('restart EDGE.1'), { ok: true, command: { kind: 'restart', router: 'EDGE.1' } });
  assert.deepEqual(parseFaultCommand('drop-uplinks e1'), { ok: true, command: { kind: 'drop-uplinks', router: 'e1' } });
  assert.deepEqual(parseFaultCommand('cut-uplinks 5000 e1'), { ok: true, command: { kind: 'cut-uplinks', ms: 5000, router: 'e1' } });
  assert.deepEqual(parseFaultCommand('cut-uplinks 250'), { ok: true, command: { kind: 'cut-uplinks', ms: 250 } });
  assert.equal((parseFaultCommand('cut-uplinks e1') as { ok: boolean }).ok, false);
  assert.deepEqual(parseFaultCommand('replies silent'), { ok: true, command: { kind: 'replies', mode: { kind: 'silent' } } });
  assert.deepEqual(parseFaultCommand('replies delay 250 INT'), { ok: true, command: { kind: 'replies', mode: { kind: 'delay', ms: 250 }, router: 'INT' } });
  assert.deepEqual(parseFaultCommand('replies fail'), { ok: true, command: { kind: 'replies', mode: { kind: 'fail', statusCode: 500 } } });
  assert.deepEqual(parseFaultCommand('replies fail 503 e2'), { ok: true, command: { kind: 'replies', mode: { kind: 'fail', statusCode: 503 }, router: 'e2' } });
});

test('bad fault commands say what is wrong and how to write them', () => {
  const err = (line: string) => {
    const r = parseFaultCommand(line);
    assert.ok(r && !r.ok, `expected an error for '${line}'`);
    return r.error;
  };
  assert.match(err('explode'), /unknown command 'explode'/);
  assert.match(err('replies delay soon'), /whole number of milliseconds/);
  assert.match(err('replies fail 200'), /not an error status/);
  assert.match(err('replies loud'), /not a reply mode/);
  assert.match(err('restart a b'), /too many words/);
});
