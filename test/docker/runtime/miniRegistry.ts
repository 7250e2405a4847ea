/**
 * A minimal read-only Docker registry (the v2 pull API: manifests and blobs over plain HTTP on
 * 127.0.0.1, which the engine treats as an insecure registry by default). No registry is
 * reachable from the test machines, so this serves an image exported from the local engine,
 * letting the tests pull for real: the engine downloads, verifies digests and reports progress.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type Docker from 'dockerode';
import { extract } from 'tar-stream';

interface Blob {
  data: Buffer;
  mediaType: string;
}

export interface MiniRegistry {
  /** `127.0.0.1:PORT`: prefix of image references served here. */
  host: string;
  /** Serves the local image `source` as `<host>/<name>:<tag>`. */
  publish(docker: Docker, source: string, name: string, tag: string): Promise<string>;
  /** Requests seen, e.g. `GET /v2/x/manifests/1`. */
  requests: string[];
  close(): Promise<void>;
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function exportImage(docker: Docker, ref: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const stream = await docker.getImage(ref).get();
  const ex = extract();
  ex.on('entry', (header, entry, next) => {
    const parts: Buffer[] = [];
    entry.on('data', (d: unknown) => {
      parts.push(d as Buffer);
    });
    entry.on('end', () => {
      if (header.type === 'file') files.set(header.name, Buffer.concat(parts));
      next();
    });
    entry.resume();
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    stream.pipe(ex);
  });
  return files;
}

export async function startMiniRegistry(): Promise<MiniRegistry> {
  const blobs = new Map<string, Blob>();
  const manifests = new Map<string, { body: Buffer; digest: string }>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '';
    requests.push(`${req.method} ${url}`);
    if (url === '/v2/' || url === '/v2') {
      res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
      res.end('{}');
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url);
    if (m) {
      const [, name, kind, ref] = m;
      if (kind === 'manifests') {
        const found =
          manifests.get(`${name}:${ref}`) ?? [...manifests.entries()].find(([k, v]) => k.startsWith(`${name}:`) && v.digest === ref)?.[1];
        if (found) {
          res.writeHead(200, {
            'content-type': 'application/vnd.docker.distribution.manifest.v2+json',
            'docker-content-digest': found.digest,
            'content-length': found.body.length,
          });
          res.end(req.method === 'HEAD' ? undefined : found.body);
          return;
        }
      } else {
        const blob = blobs.get(ref);
        if (blob) {
          res.writeHead(200, {
            'content-type': 'application/octet-stream',
            'docker-content-digest': ref,
            'content-length': blob.data.length,
          });
          if (req.method === 'HEAD') {
            res.end();
            return;
          }
          // In pieces, so that the engine reports download progress.
          let off = 0;
          const pump = () => {
            while (off < blob.data.length) {
              const piece = blob.data.subarray(off, off + 256 * 1024);
              off += piece.length;
              if (!res.write(piece)) {
                res.once('drain', pump);
                return;
              }
            }
            res.end();
          };
          pump();
          return;
        }
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          errors: [
            {
              code: kind === 'manifests' ? 'MANIFEST_UNKNOWN' : 'BLOB_UNKNOWN',
              message: `${kind === 'manifests' ? 'manifest' : 'blob'} unknown`,
              detail: { name, ref },
            },
          ],
        }),
      );
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    host,
    requests,
    async publish(docker, source, name, tag) {
      const files = await exportImage(docker, source);
      const saved = JSON.parse(files.get('manifest.json')!.toString()) as Array<{ Config: string; Layers: string[] }>;
      const config = files.get(saved[0].Config)!;
      const configDigest = sha256(config);
      blobs.set(configDigest, { data: config, mediaType: 'application/vnd.docker.container.image.v1+json' });
      const layers = saved[0].Layers.map((l) => {
        const gz = gzipSync(files.get(l)!);
        const digest = sha256(gz);
        blobs.set(digest, { data: gz, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' });
        return { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: gz.length, digest };
      });
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: config.length, digest: configDigest },
          layers,
        }),
      );
      manifests.set(`${name}:${tag}`, { body: manifest, digest: sha256(manifest) });
      return `${host}/${name}:${tag}`;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
