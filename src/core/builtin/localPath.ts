/**
 * Where a built-in destination may write. The rule is Airbyte's destination-sqlite rule ("a valid
 * path shall start with /local"), on this machine:
 *
 * - `/local` stands for the destination's folder: its config file's `localDir`, else the folder of
 *   its config file; `/local/x.db` is `x.db` in that folder;
 * - a relative path is relative to that same folder;
 * - after normalising `.` and `..`, and resolving the symlinks of the part that exists, the path
 *   must be that folder or inside it;
 * - any other absolute path (`/etc/x`, `C:\x`) is refused.
 *
 * A refused path is a config error naming the field, the value and the folder.
 */
import path from 'node:path';
import { isInsideFolder, realpathOfExisting } from '../config/workspaceRoot';
import { BuiltinFailure } from './inProcessExecutor';

const LOCAL = '/local';

/** The absolute path `value` names under `baseDir`, or a config error when it would leave that folder. */
export async function confinedLocalPath(baseDir: string, value: string, field = 'destination_path'): Promise<string> {
  const base = path.resolve(baseDir);
  const refuse = (why: string): never => {
    throw new BuiltinFailure(
      `"${field}" ${JSON.stringify(value)} ${why}. A path must be relative, or start with /local/ (both mean ${base}), and stay inside that folder; to write elsewhere, set "localDir" to the folder.`,
      'config_error',
    );
  };
  const posix = value.replace(/\\/g, '/');
  let target: string;
  if (posix === LOCAL || posix.startsWith(`${LOCAL}/`)) {
    const inside = path.posix.relative(LOCAL, path.posix.normalize(posix));
    target = inside.startsWith('..') || path.posix.isAbsolute(inside) ? refuse('leaves /local') : path.join(base, inside);
  } else if (path.isAbsolute(value) || posix.startsWith('/') || /^[A-Za-z]:/.test(value)) {
    target = refuse('is an absolute path outside /local');
  } else {
    target = path.resolve(base, value);
  }
  if (!isInsideFolder(base, target)) refuse(`leaves the destination's folder ${base}`);
  // A symlink inside the folder may point anywhere: compare where both really are.
  const [realBase, realTarget] = await Promise.all([realpathOfExisting(base), realpathOfExisting(target)]);
  if (!isInsideFolder(realBase, realTarget)) refuse(`leads through a symlink to ${realTarget}, outside the destination's folder ${base}`);
  return target;
}
