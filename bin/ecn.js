#!/usr/bin/env node
// Entry point of the `ecn` command: runs the compiled CLI (npm ci builds it through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('ecn: the compiled CLI is missing (dist/src/cli/main.js). Run `npm run build` (npm ci does it for you).\n');
  process.exit(70);
}
const { run } = await import(main);
process.exitCode = await run(process.argv.slice(2));
