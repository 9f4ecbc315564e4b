/**
 * Runs `ecn` from the TypeScript sources (`node --import tsx src/cli/bin.ts …`), for tests and development;
 * the installed command (bin/ecn.js) runs the compiled main.js instead.
 */
import { run } from './main.js';

process.exitCode = await run(process.argv.slice(2));
