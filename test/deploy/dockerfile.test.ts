/** The Dockerfile cannot be built here; a static check of what it must do. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers.js';

const text = await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8');
/** Instructions, continuation lines joined, comments dropped. */
const lines = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const stages: string[][] = [];
for (const l of lines) {
  if (/^FROM\s/i.test(l)) stages.push([]);
  stages.at(-1)?.push(l);
}

test('two stages: build (npm ci, npm run build) then a node:20-slim runtime', () => {
  assert.equal(stages.length, 2);
  const [build, runtime] = stages as [string[], string[]];
  assert.match(build[0]!, /^FROM node:20[-\w.]* AS build$/i);
  assert.ok(build.some((l) => /^RUN .*npm ci\b/.test(l)));
  assert.ok(build.some((l) => /^RUN .*npm run build\b/.test(l)));
  assert.match(runtime[0]!, /^FROM node:20-slim\b/i);
});

test('runtime: production dependencies only, built files from the build stage, non-root user 10001, entrypoint', () => {
  const runtime = stages[1]!;
  const ci = runtime.find((l) => /^RUN .*npm ci\b/.test(l));
  assert.ok(ci, 'npm ci in the runtime stage');
  assert.match(ci, /--omit=dev/);
  // `prepare` would run the TypeScript build, which needs the dev dependencies
  assert.match(ci, /--ignore-scripts/);
  assert.ok(runtime.some((l) => /^COPY --from=build \S*dist\b/.test(l)), 'dist/ from the build stage');
  const users = runtime.filter((l) => /^USER\s/i.test(l));
  assert.equal(users.length, 1);
  assert.match(users[0]!, /^USER 10001(:10001)?$/);
  const last = runtime.filter((l) => /^(USER|RUN)\s/i.test(l)).at(-1)!;
  assert.match(last, /^USER/, 'nothing runs as root after USER');
  const entry = runtime.find((l) => /^ENTRYPOINT/.test(l))!;
  assert.deepEqual(JSON.parse(entry.replace(/^ENTRYPOINT\s+/, '')), ['node', 'bin/ecn.js']);
});

test('everything the image copies is in the repository; .dockerignore keeps the context small', async () => {
  for (const l of lines) {
    const m = /^COPY (?!--from)(.+) \S+$/.exec(l);
    if (!m) continue;
    for (const src of m[1]!.trim().split(/\s+/)) assert.ok(existsSync(join(REPO_ROOT, src)), `COPY ${src}: not in the repository`);
  }
  const ignore = (await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim());
  for (const entry of ['node_modules', 'dist', '.git']) assert.ok(ignore.includes(entry), `.dockerignore: ${entry}`);
});
