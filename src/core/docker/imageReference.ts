/**
 * Image references, checked before Docker is called. The grammar is Docker's own (distribution's
 * `reference` package):
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path-component { "/" path-component }    (at most 255 characters)
 *   domain     := host [ ":" port ]   host: DNS labels joined by ".", `localhost`, or "[" IPv6 "]"
 *   path-component := [a-z0-9]+ { ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ }
 *   tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" hex   algorithm: [A-Za-z][A-Za-z0-9]* joined by "+", ".", "_" or "-"; hex: 32 or more
 *
 * Why here and not left to the engine: a value such as `../../etc/passwd` or a tag `/` makes an API
 * path the engine answers with a redirect, and docker-modem follows redirects on a request nobody
 * listens to for errors (the process crashed); other malformed values came back as raw HTTP errors.
 */
import { AirbyteError } from '../errors';

/** The parts of a valid reference. */
export interface ImageReference {
  /** Registry host (with its port), when the name has one. */
  domain?: string;
  /** The repository path, e.g. `airbyte/destination-duckdb`. */
  path: string;
  tag?: string;
  digest?: string;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const DOMAIN_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[0-9a-fA-F:.]+\]$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const NAME_MAX = 255;

/** Why `tag` is not a valid image tag, or undefined when it is. */
export function imageTagProblem(tag: string): string | undefined {
  if (TAG.test(tag)) return undefined;
  return 'a tag is 1 to 128 letters, digits, "_", "." or "-", and does not start with "." or "-"';
}

/** The reference's parts, or why it is not a valid image reference. */
export function parseImageReference(ref: string): ImageReference | { problem: string } {
  if (ref.length === 0) return { problem: 'it is empty' };
  if (/\s/.test(ref)) return { problem: 'it contains white space' };
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return { problem: `"@${digest}" is not a digest (algorithm:hex, e.g. sha256: and 64 hex digits)` };
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  // A colon after the last "/" starts the tag; one before it belongs to a registry port.
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    const problem = imageTagProblem(tag);
    if (problem) return { problem: `the tag "${tag}" is not valid: ${problem}` };
  }
  if (rest.length > NAME_MAX) return { problem: `the name is longer than ${NAME_MAX} characters` };
  const parts = rest.split('/');
  let domain: string | undefined;
  // As Docker decides: the first part is a registry host when it has a "." or ":" or is localhost.
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost' || parts[0] !== parts[0].toLowerCase())) {
    domain = parts.shift();
    const problem = domainProblem(domain ?? '');
    if (problem) return { problem };
  }
  for (const part of parts) {
    if (PATH_COMPONENT.test(part)) continue;
    if (part === '') return { problem: 'the name has an empty part (a leading, trailing or double "/")' };
    if (part.toLowerCase() !== part && PATH_COMPONENT.test(part.toLowerCase()))
      return { problem: `the repository name must be lowercase ("${part}")` };
    return { problem: `"${part}" is not a valid name part (lowercase letters and digits, separated by ".", "_", "__" or "-")` };
  }
  const parsed: ImageReference = { path: parts.join('/') };
  if (domain !== undefined) parsed.domain = domain;
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  return parsed;
}

function domainProblem(domain: string): string | undefined {
  const portAt = domain.startsWith('[') ? domain.indexOf(']:') + 1 : domain.lastIndexOf(':');
  const host = portAt > 0 ? domain.slice(0, portAt) : domain;
  const port = portAt > 0 ? domain.slice(portAt + 1) : undefined;
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return `the registry port "${port}" is not a number`;
  if (IPV6_HOST.test(host) || host.split('.').every((label) => DOMAIN_LABEL.test(label))) return undefined;
  return `its first part "${domain}" is read as a registry host (it holds a "." or ":") and is not a valid host name`;
}

/**
 * Throws a CONFIG_INVALID error naming `field` (`image`, `version`, `--image`…) when `ref` is not a
 * valid image reference; `value` is what the user wrote there, when it is not the whole reference.
 */
export function assertImageReference(ref: string, field: string, value = ref): void {
  const parsed = parseImageReference(ref);
  if (!('problem' in parsed)) return;
  throw new AirbyteError('CONFIG_INVALID', {
    message: `"${field}" ${JSON.stringify(value)} does not make a valid Docker image reference (${JSON.stringify(ref)}): ${parsed.problem}.`,
    guidance:
      field === 'version' || field === '--version'
        ? `Give "${field}" an image tag such as "1.2.3" or "dev".`
        : `Give "${field}" an image reference such as "airbyte/destination-duckdb:0.4.0" or "registry.example.com:5000/team/source-x@sha256:…".`,
    context: { field, value },
  });
}
