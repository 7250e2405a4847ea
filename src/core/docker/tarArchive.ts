/** A tar archive of a few in-memory files, to copy them into a container with `putArchive`. */
import { pack } from 'tar-stream';

export interface TarEntry {
  /** Path inside the archive, `/`-separated, no leading slash. Directories end with `/`. */
  name: string;
  content?: Buffer;
  /** Default 0644 for files, 0755 for directories. */
  mode?: number;
}

/** The archive of `entries`, in order, owned by root (uid and gid 0) as `docker cp` makes them. */
export async function tarArchive(entries: readonly TarEntry[]): Promise<Buffer> {
  const archive = pack();
  for (const e of entries) {
    const directory = e.name.endsWith('/');
    const header = { name: e.name, mode: e.mode ?? (directory ? 0o755 : 0o644), uid: 0, gid: 0 };
    if (directory) archive.entry({ ...header, type: 'directory' });
    else archive.entry({ ...header, type: 'file' }, e.content ?? Buffer.alloc(0));
  }
  archive.finalize();
  const parts: Buffer[] = [];
  for await (const chunk of archive) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
