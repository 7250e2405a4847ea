// Certificates for a Docker engine spoken to over TLS, made with openssl as Docker's own guide
// ("Protect the Docker daemon socket") does: a CA, a server certificate for 127.0.0.1/localhost,
// a client certificate (extendedKeyUsage clientAuth), and a second CA with its own client
// certificate that the engine must refuse.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A folder in the docker CLI's layout (ca.pem, cert.pem, key.pem) for a client. */
export interface ClientCertDir {
  dir: string;
}

export interface EngineCertificates {
  /** The engine's side: --tlscacert, --tlscert, --tlskey. */
  server: { ca: string; cert: string; key: string };
  /** A client the engine trusts (DOCKER_CERT_PATH). */
  client: ClientCertDir;
  /** A client signed by another CA (it knows the right engine CA, but the engine does not know it). */
  wrongClient: ClientCertDir;
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

async function makeCa(dir: string, name: string): Promise<void> {
  openssl(dir, 'genrsa', '-out', `${name}-key.pem`, '2048');
  openssl(dir, 'req', '-new', '-x509', '-days', '2', '-key', `${name}-key.pem`, '-sha256', '-subj', `/CN=${name}`, '-out', `${name}.pem`);
}

async function signed(dir: string, ca: string, name: string, extensions: string): Promise<void> {
  openssl(dir, 'genrsa', '-out', `${name}-key.pem`, '2048');
  openssl(dir, 'req', '-subj', `/CN=${name}`, '-sha256', '-new', '-key', `${name}-key.pem`, '-out', `${name}.csr`);
  await fs.writeFile(path.join(dir, `${name}.cnf`), extensions);
  openssl(
    dir,
    'x509',
    '-req',
    '-days',
    '2',
    '-sha256',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}-key.pem`,
    '-CAcreateserial',
    '-out',
    `${name}-cert.pem`,
    '-extfile',
    `${name}.cnf`,
  );
}

async function clientDir(dir: string, name: string, caFile: string): Promise<ClientCertDir> {
  const out = path.join(dir, name);
  await fs.mkdir(out);
  await fs.copyFile(caFile, path.join(out, 'ca.pem'));
  await fs.copyFile(path.join(dir, `${name}-cert.pem`), path.join(out, 'cert.pem'));
  await fs.copyFile(path.join(dir, `${name}-key.pem`), path.join(out, 'key.pem'));
  return { dir: out };
}

/** Makes every certificate in `dir` (about a second of openssl). */
export async function makeEngineCertificates(dir: string): Promise<EngineCertificates> {
  await fs.mkdir(dir, { recursive: true });
  await makeCa(dir, 'ca');
  await makeCa(dir, 'other-ca');
  await signed(dir, 'ca', 'server', 'subjectAltName = IP:127.0.0.1,DNS:localhost\nextendedKeyUsage = serverAuth\n');
  await signed(dir, 'ca', 'client', 'extendedKeyUsage = clientAuth\n');
  await signed(dir, 'other-ca', 'stranger', 'extendedKeyUsage = clientAuth\n');
  const caFile = path.join(dir, 'ca.pem');
  return {
    server: { ca: caFile, cert: path.join(dir, 'server-cert.pem'), key: path.join(dir, 'server-key.pem') },
    client: await clientDir(dir, 'client', caFile),
    wrongClient: await clientDir(dir, 'stranger', caFile),
  };
}
