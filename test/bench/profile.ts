/**
 * Profiles of one phase of a benchmark, taken through the inspector of the process itself: a CPU profile, or an
 * allocation profile (sampled, collected objects included: the allocation rate, not what is still alive).
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

export type ProfileKind = 'cpu' | 'alloc';

/** Starts a profile of this process; the returned function stops it, writes it to `file` and returns the path. */
export async function startProfile(kind: ProfileKind = 'cpu'): Promise<(file: string) => Promise<string>> {
  const session = new Session();
  session.connect();
  if (kind === 'alloc') {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  } else {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  return async (file) => {
    const { profile } = kind === 'alloc' ? await session.post('HeapProfiler.stopSampling') : await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    return file;
  };
}
