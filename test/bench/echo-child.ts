/**
 * The bare rhea echo ceiling in a process of its own (server and client together), so the process that runs the
 * manager in a benchmark carries none of the echo's memory. Prints one JSON line: { opsPerSec }.
 *
 *   node --import tsx test/bench/echo-child.ts [OPS]
 */
import { benchEcho, startEchoServer } from './echo.js';

const ops = Number(process.argv[2] ?? 20000);
const echo = await startEchoServer();
const r = await benchEcho(echo.url, { window: 100, ops, kind: 'create-delete' });
await echo.stop();
process.stdout.write(`${JSON.stringify({ opsPerSec: r.opsPerSec })}\n`);
process.exit(0);
