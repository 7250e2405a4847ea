/**
 * Where a segment file the store names lies. A store file is data (copied between machines, sent in
 * a bug report, crafted): a name such as `../../victim.txt` must never lead a read or a delete
 * outside the cache folder.
 */
import path from 'node:path';
import { AirbyteError } from '../errors';
import { STORE_ELSEWHERE } from './storeRecovery';

/** The absolute path of `file` (relative, as the store keeps it) inside `cacheDir`; STORE_CORRUPT when it would leave it. */
export function segmentPath(cacheDir: string, file: string): string {
  const dir = path.resolve(cacheDir);
  const abs = path.resolve(dir, file);
  if (!path.isAbsolute(file) && abs.startsWith(dir + path.sep)) return abs;
  throw new AirbyteError('STORE_CORRUPT', {
    message: `The store names a cache file outside its cache folder (${JSON.stringify(file)}); it was neither read nor deleted.`,
    guidance: `The store file was changed by something other than this tool: read the source again with --full-refresh. ${STORE_ELSEWHERE}`,
    context: { cache: dir, file },
  });
}
