/**
 * How a benchmark starts a sibling script in a child process: compiled (`npm run bench` runs the benchmarks from
 * dist/, built by tsc like the product, so the figures are those of the code that ships) or, when the benchmark
 * itself runs from the TypeScript sources, through tsx.
 */
import { fileURLToPath } from 'node:url';

/** node arguments that run `./<name>` next to the module at `fromUrl` */
export function childEntry(fromUrl: string, name: string): string[] {
  const compiled = fromUrl.endsWith('.js');
  const file = fileURLToPath(new URL(`./${name}.${compiled ? 'js' : 'ts'}`, fromUrl));
  return compiled ? [file] : ['--import', 'tsx', file];
}

/** the repository's top directory, from a module under test/bench (compiled: dist/test/bench) */
export function repoRoot(fromUrl: string): string {
  return fileURLToPath(new URL(fromUrl.endsWith('.js') ? '../../../' : '../../', fromUrl));
}
