/**
 * A connector's `localDir` on an engine that cannot see this machine's folders (tcp, ssh): its
 * contents are copied into the container before it starts, and what the connector wrote there is
 * copied back after it stopped, whether it succeeded, failed or was cancelled. Nothing outside
 * `localDir` is ever written: entries that would land outside it, links and devices are skipped,
 * and each file arrives whole (written beside its place, then renamed over it). Files the connector
 * deleted are left alone on this machine: a copy never deletes a user's file.
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { extract, pack } from 'tar-stream';

/** What was copied in, by path relative to the folder: size and whole-second mtime (a tar header's precision). */
export type SentFiles = Map<string, { size: number; mtimeSec: number }>;

/** What a copy back did. */
export interface CopyBackResult {
  /** Files written into the host folder (new or changed). */
  written: number;
  /** Entries left out: links, devices, names that would leave the folder. */
  skipped: string[];
}

/**
 * Copies `hostDir` into the (created, not started) container at `containerDir`, owned by `uid`
 * so the connector can write there. Returns what was sent, for {@link copyDirOut}.
 */
export async function copyDirIn(container: Docker.Container, hostDir: string, containerDir: string, uid: number): Promise<SentFiles> {
  const top = containerDir.replace(/^\/+|\/+$/g, '');
  const entries = await fs.readdir(hostDir, { recursive: true, withFileTypes: true });
  const sent: SentFiles = new Map();
  const archive = pack();
  const owner = { uid, gid: uid };
  const writing = (async () => {
    await addEntry(archive, { name: `${top}/`, type: 'directory', mode: 0o755, ...owner });
    for (const entry of entries) {
      const full = path.join(entry.parentPath, entry.name);
      const relative = path.relative(hostDir, full).split(path.sep).join('/');
      if (entry.isDirectory()) await addEntry(archive, { name: `${top}/${relative}/`, type: 'directory', mode: 0o755, ...owner });
      else if (entry.isFile()) {
        const stat = await fs.stat(full);
        const mtime = new Date(Math.floor(stat.mtimeMs / 1000) * 1000);
        sent.set(relative, { size: stat.size, mtimeSec: mtime.getTime() / 1000 });
        await addEntry(
          archive,
          { name: `${top}/${relative}`, type: 'file', size: stat.size, mode: stat.mode & 0o777, mtime, ...owner },
          full,
        );
      }
    }
    archive.finalize();
  })();
  writing.catch((error: unknown) => archive.destroy(error as Error));
  await Promise.all([container.putArchive(archive as unknown as NodeJS.ReadableStream, { path: '/' }), writing]);
  return sent;
}

type Header = Parameters<ReturnType<typeof pack>['entry']>[0];

function addEntry(archive: ReturnType<typeof pack>, header: Header, file?: string): Promise<void> {
  if (!file)
    return new Promise((resolve, reject) => {
      archive.entry(header, (error) => (error ? reject(error) : resolve()));
    });
  const sink = archive.entry(header);
  return pipeline(createReadStream(file), sink);
}

/**
 * Copies `containerDir` of the (stopped) container back into `hostDir`: files that differ from what
 * {@link copyDirIn} sent are written, each whole.
 */
export async function copyDirOut(
  container: Docker.Container,
  containerDir: string,
  hostDir: string,
  sent: SentFiles,
): Promise<CopyBackResult> {
  const root = await fs.realpath(hostDir);
  const tar = (await container.getArchive({ path: containerDir })) as unknown as Readable;
  const result: CopyBackResult = { written: 0, skipped: [] };
  const unpack = extract();
  unpack.on('entry', (header, stream, next) => {
    place(root, header, stream as unknown as Readable, sent, result).then(
      () => next(),
      (error: unknown) => next(error as Error),
    );
  });
  await pipeline(tar, unpack);
  return result;
}

async function place(
  root: string,
  header: { name: string; type?: string | null; size?: number; mode?: number; mtime?: Date },
  stream: Readable,
  sent: SentFiles,
  result: CopyBackResult,
): Promise<void> {
  // The archive's first component is the folder itself (`local/…`).
  const relative = header.name.split('/').slice(1).filter(Boolean).join('/');
  const target = path.resolve(root, relative);
  const inside = isInside(root, target);
  if (!relative || !inside || (header.type !== 'file' && header.type !== 'directory')) {
    if (relative && (!inside || header.type !== 'directory')) result.skipped.push(header.name);
    return skip(stream);
  }
  if (header.type === 'directory') {
    await fs.mkdir(target, { recursive: true });
    return skip(stream);
  }
  const before = sent.get(relative);
  const mtimeSec = header.mtime ? Math.floor(header.mtime.getTime() / 1000) : -1;
  if (before && before.size === header.size && before.mtimeSec === mtimeSec) return skip(stream);
  await fs.mkdir(path.dirname(target), { recursive: true });
  // A folder on the way that is a link could lead outside: the parent's real path must still be inside.
  if (!isInside(root, await fs.realpath(path.dirname(target)))) {
    result.skipped.push(header.name);
    return skip(stream);
  }
  const partial = `${target}.airbyte-partial-${process.pid}`;
  try {
    await pipeline(stream, createWriteStream(partial, { mode: (header.mode ?? 0o644) & 0o777 }));
    await fs.rename(partial, target);
  } catch (error) {
    await fs.rm(partial, { force: true });
    throw error;
  }
  result.written += 1;
}

function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + path.sep);
}

/** Reads an entry's bytes to their end without keeping them (the archive goes on only then). */
async function skip(stream: Readable): Promise<void> {
  await finished(stream.resume());
}
