/**
 * `ecn`: the command line. Each command lives in its own file; this one only wires them into commander, maps
 * errors to exit codes and keeps stdout for command output (logs go to stderr).
 */
import { Command, CommanderError } from 'commander';
import { createLogger } from '../log.js';
import { describeError, exitCodeFor, EXIT } from './exit-codes.js';
import { processStopSignal, writeLine, type CliIo } from './io.js';
import { registerSimRouter } from './sim-router.js';
import { registerMgmt } from './mgmt.js';
import { registerSim } from './sim.js';
import { registerBootstrap } from './bootstrap.js';
import { registerPlan } from './plan.js';
import { registerRun } from './run.js';
import { registerStatus } from './status.js';
import { registerGraph } from './graph.js';
import { registerSimKube } from './sim-kube.js';

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('ecn')
    .description('Edge Compute Network router manager: AMQP management of interior and edge routers, and a simulated ECN')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  const ctx = { io, setExit };
  registerSimRouter(program, ctx);
  registerMgmt(program, ctx);
  registerSim(program, ctx);
  registerRun(program, ctx);
  registerPlan(program, ctx);
  registerStatus(program, ctx);
  registerBootstrap(program, ctx);
  registerGraph(program, ctx);
  registerSimKube(program, ctx);
  return program;
}

export interface CommandContext {
  io: CliIo;
  setExit: (code: number) => void;
}

/** Runs `ecn` with the given arguments (without node and script) and resolves with the exit code. */
export async function run(argv: string[], partialIo: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = {
    stdout: partialIo.stdout ?? process.stdout,
    stderr: partialIo.stderr ?? process.stderr,
    ...('stdin' in partialIo ? { stdin: partialIo.stdin } : { stdin: process.stdin }),
    // a one-shot tool keeps quiet unless asked; the long-running commands say what they do
    logger: partialIo.logger ?? createLogger({ name: 'ecn', level: process.env.ECN_LOG_LEVEL ?? (['mgmt', 'plan', 'status', 'bootstrap'].includes(argv[0] ?? '') ? 'warn' : 'info') }),
    stopSignal: partialIo.stopSignal ?? processStopSignal(),
  };
  let exitCode: number = EXIT.OK;
  const program = buildProgram(io, (code) => { exitCode = code; });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" to commander; bad usage has already been printed by commander
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return EXIT.OK;
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    writeLine(io.stderr, describeError(err));
    return exitCodeFor(err);
  }
}
