/**
 * Agent-level replay of the recorded transcripts: the simulated agents of INT.A, EDGE.1 and EDGE.2 must answer
 * every case a router's own agent answered exactly as recorded (status, description, body with key order), and the
 * correlation-id echo rule must agree with the recorded `correlation id *` cases.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { echoesCorrelationId } from '../../sim/router/correlation.js';
import type { AgentKind } from '../../sim/router/contract.js';
import { replayTranscriptAgainstAgents } from '../support/agent-replay.js';
import { TRANSCRIPT_FILES, loadTranscript, transcriptsAvailable } from '../support/transcripts.js';

const skip = transcriptsAvailable() ? false : 'transcripts not found (../shared/fixtures/router-transcripts)';

describe('agent replay of the recorded transcripts', { skip }, () => {
  for (const file of TRANSCRIPT_FILES) {
    test(file, () => {
      const outcomes = replayTranscriptAgainstAgents(file);
      const replayed = outcomes.filter((o) => o.status !== 'skipped');
      const matched = replayed.filter((o) => o.status === 'match');
      const skipped = outcomes.filter((o) => o.status === 'skipped');
      console.log(`agent replay: ${matched.length}/${replayed.length} cases match (${file}; ${skipped.length} skipped: answered by the network)`);
      for (const o of outcomes.filter((x) => x.status === 'allowed')) console.log(`  allowed: ${o.case.case}: ${o.reason}`);
      const failures = outcomes.filter((o) => o.status === 'mismatch');
      assert.equal(
        failures.length,
        0,
        failures.map((o) => `#${o.index} ${o.case.case} (${o.target})\n  ${o.differences.join('\n  ')}`).join('\n'),
      );
      // only the cases the network answers (RELEASED: no route to the target agent) may be skipped
      for (const o of skipped) assert.notEqual(o.case.delivery.state, 'ACCEPTED', o.case.case);
    });
  }
});

describe('correlation-id echo', { skip }, () => {
  test('agrees with every recorded correlation id case', () => {
    let checked = 0;
    for (const file of TRANSCRIPT_FILES) {
      for (const c of loadTranscript(file)) {
        if (!c.case.startsWith('correlation id ') || !c.response) continue;
        const agent: AgentKind = /\(C-agent type\)/.test(c.case) ? 'c' : 'python';
        assert.equal(echoesCorrelationId(agent, c.request.correlationId.type), c.response.correlationIdEchoed, `${file}: ${c.case}`);
        checked++;
      }
    }
    assert.ok(checked >= 24, `expected the 12 correlation cases of each file, checked ${checked}`);
  });

  test('string and binary ids are echoed by both agents, int and long by neither', () => {
    for (const agent of ['python', 'c'] as const) {
      assert.equal(echoesCorrelationId(agent, 'string'), true);
      assert.equal(echoesCorrelationId(agent, 'binary'), true);
      assert.equal(echoesCorrelationId(agent, 'int'), false);
      assert.equal(echoesCorrelationId(agent, 'long'), false);
    }
    assert.equal(echoesCorrelationId('c', 'ulong'), true);
    assert.equal(echoesCorrelationId('python', 'ulong'), false);
    assert.equal(echoesCorrelationId('c', 'uuid'), true);
    assert.equal(echoesCorrelationId('python', 'uuid'), false);
  });
});
