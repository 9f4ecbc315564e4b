#!/usr/bin/env node
/**
 * Builds the browser viewer: viewer/main.ts bundled (sigma, graphology and all) by esbuild into one minified ES
 * module with its source map, plus index.html and the stylesheet, into dist/viewer/ (or the directory given as the
 * first argument; tests build into a temporary one). Usable as a module too: `buildViewer(outDir)`.
 */
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildViewer(outDir = join(root, 'dist', 'viewer')) {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(root, 'viewer', 'main.ts')],
    outfile: join(outDir, 'viewer.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    sourcemap: true,
    legalComments: 'linked',
    tsconfig: join(root, 'viewer', 'tsconfig.json'),
    logLevel: 'warning',
  });
  await copyFile(join(root, 'viewer', 'index.html'), join(outDir, 'index.html'));
  await copyFile(join(root, 'viewer', 'style.css'), join(outDir, 'viewer.css'));
  return outDir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = await buildViewer(process.argv[2] ? resolve(process.argv[2]) : undefined);
  process.stdout.write(`viewer built into ${out}\n`);
}
