/**
 * Reads fault commands (sim/fault-commands.ts) line by line from a stream — standard input for `ecn sim-router` and
 * `ecn sim` — and applies them to the running simulated routers. Answers go to `out`, one line each.
 */
import { createInterface } from 'node:readline';
import type { SimRouter } from '../../sim/router/router.js';
import { FAULT_HELP, parseFaultCommand, type FaultCommand } from '../../sim/fault-commands.js';
import { errorMessage } from '../errors.js';
import { writeLine } from './io.js';

export interface FaultConsole { close(): void }

export function attachFaultConsole(input: NodeJS.ReadableStream, routers: SimRouter[], out: NodeJS.WritableStream): FaultConsole {
  const rl = createInterface({ input, terminal: false });
  // commands run one after the other and answer in the order they were typed
  let queue: Promise<void> = Promise.resolve();
  rl.on('line', (line) => {
    const parsed = parseFaultCommand(line);
    if (!parsed) return;
    queue = queue.then(async () => {
      if (!parsed.ok) { writeLine(out, `fault: ${parsed.error}`); return; }
      try {
        writeLine(out, await apply(parsed.command, routers));
      } catch (err) {
        writeLine(out, `fault: ${errorMessage(err)}`);
      }
    });
  });
  rl.on('error', () => rl.close());
  return { close: () => rl.close() };
}

async function apply(cmd: FaultCommand, routers: SimRouter[]): Promise<string> {
  if (cmd.kind === 'help') return FAULT_HELP;
  const router = pick(routers, cmd.router);
  switch (cmd.kind) {
    case 'restart':
      await router.faults.restart();
      return `fault: ${router.id} restarted`;
    case 'cut-uplinks':
      router.faults.dropUplinks(cmd.ms);
      return `fault: ${router.id} uplinks cut for ${cmd.ms} ms`;
    case 'drop-uplinks':
      router.faults.dropUplinks();
      return `fault: ${router.id} uplinks dropped`;
    case 'replies':
      router.faults.replies(cmd.mode.kind === 'fail' ? { kind: 'fail', statusCode: cmd.mode.statusCode } : cmd.mode);
      return `fault: ${router.id} replies ${cmd.mode.kind}${cmd.mode.kind === 'delay' ? ` ${cmd.mode.ms} ms` : ''}${cmd.mode.kind === 'fail' ? ` ${cmd.mode.statusCode}` : ''}`;
  }
}

function pick(routers: SimRouter[], id: string | undefined): SimRouter {
  if (id === undefined) {
    if (routers.length === 1) return routers[0]!;
    throw new Error(`several routers run here (${routers.map((r) => r.id).join(', ')}): name one, e.g. 'restart ${routers[0]?.id ?? 'ID'}'`);
  }
  const r = routers.find((x) => x.id === id);
  if (!r) throw new Error(`no router '${id}' here: choose one of ${routers.map((x) => x.id).join(', ')}`);
  return r;
}
