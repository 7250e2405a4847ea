/**
 * The typed client of the Airbyte public API: types generated from the official description
 * (`airbyteApi.gen.ts`, `npm run gen:platform-api`), calls made by openapi-fetch. What the API does not
 * give, this adds in one place, the `fetch` openapi-fetch calls: the bearer token (client credentials
 * exchanged at `POST /applications/token`, fetched again when a call answers 401, or a token given as
 * is), retries with backoff on 429 and 5xx (Retry-After respected), a timeout per attempt,
 * cancellation, and errors as AirbyteError carrying the API's own message with secrets masked.
 */
import createClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';
import { AirbyteError, abortedError } from '../errors';
import { SecretMasker } from '../secrets';
import type { paths } from './airbyteApi.gen';
import type { PlatformSettings } from './platformSettings';
import { CLOUD_API_URL, PLATFORM_ENV, checkCredentials } from './platformSettings';

export type PlatformApi = Client<paths>;

export interface PlatformClientOptions {
  /** Cancels every call in flight (and the waits between retries). */
  signal?: AbortSignal;
  /** Per attempt (default 30 s). */
  timeoutMs?: number;
  /** Attempts per call on 429, 5xx, a timeout or a dropped connection (default 5). */
  maxAttempts?: number;
  /** First backoff (default 1 s), doubled per attempt up to 20 s; a Retry-After is used instead when given. */
  backoffMs?: number;
  /** Told of each retry, e.g. to say "rate limited, retrying in 2 s". */
  onRetry?: (info: { method: string; path: string; status?: number; attempt: number; delayMs: number }) => void;
  /** The `fetch` to use (default the global one). */
  fetch?: typeof fetch;
}

const TOKEN_PATH = '/applications/token';
const MAX_BACKOFF_MS = 20_000;
/** A Retry-After beyond this is not waited for: the call fails and says when to try again. */
const MAX_RETRY_AFTER_MS = 120_000;

/** One API instance: its typed calls, its token, and the secrets its errors must not show. */
export class PlatformClient {
  readonly api: PlatformApi;
  private token: string | undefined;
  private tokenRequest: Promise<string> | undefined;
  private masker: SecretMasker;

  constructor(
    readonly settings: PlatformSettings,
    private readonly options: PlatformClientOptions = {},
  ) {
    checkCredentials(settings);
    this.token = settings.bearerToken;
    this.masker = new SecretMasker([settings.clientSecret, settings.bearerToken].filter((s): s is string => Boolean(s)));
    this.api = createClient<paths>({ baseUrl: settings.apiUrl, fetch: (request: Request) => this.send(request) });
  }

  get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  /** Values (resolved config secrets) that the platform might echo back in an error: masked from then on. */
  addSecrets(values: Iterable<string>): void {
    this.masker = this.masker.with(new SecretMasker(values));
  }

  /** Masks every known secret in a text (messages built from what the platform said). */
  mask(text: string): string {
    return this.masker.mask(text);
  }

  /**
   * The data of a call that succeeded; otherwise an AirbyteError saying `what` failed, with the
   * API's own message. `await client.call('list sources', client.api.GET('/sources', …))`.
   */
  async call<T>(what: string, pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    const { data, error, response } = await pending;
    if (response.ok && data !== undefined) return data;
    if (response.ok) return undefined as T;
    throw this.httpError(what, response, error);
  }

  /** The AirbyteError for an answer that is not 2xx. */
  httpError(what: string, response: Response, body: unknown): AirbyteError {
    const said = this.mask(apiMessage(body) ?? response.statusText ?? '');
    const where = `${this.settings.apiUrl} (HTTP ${response.status})`;
    const context = { apiUrl: this.settings.apiUrl, status: response.status, url: this.mask(response.url) };
    if (response.status === 401 || response.status === 403) {
      return new AirbyteError('PLATFORM_AUTH', {
        message: `Could not ${what}: the Airbyte platform refused the credentials at ${where}${said ? `: ${said}` : ''}.`,
        guidance: `Check ${PLATFORM_ENV.clientId}/${PLATFORM_ENV.clientSecret} (or ${PLATFORM_ENV.bearerToken}) and that the application may use workspace ${this.settings.workspaceId ?? '(none named)'}.`,
        context,
      });
    }
    if (response.status === 429 || response.status >= 500) {
      return new AirbyteError('PLATFORM_UNAVAILABLE', {
        message: `Could not ${what}: the Airbyte platform kept failing at ${where}${said ? `: ${said}` : ''}.`,
        guidance: 'Nothing more was changed by this call. Try again in a few minutes; the platform status page says whether it is down.',
        context,
      });
    }
    return new AirbyteError('PLATFORM_REJECTED', {
      message: `Could not ${what}: the Airbyte platform answered ${where}${said ? `: ${said}` : ''}.`,
      guidance:
        response.status === 404
          ? 'It may have been deleted on the platform, or belong to another workspace: check the workspace id.'
          : 'Fix what the platform names and run again.',
      context,
    });
  }

  /** The `fetch` behind every typed call: auth, timeout, retries. */
  private async send(request: Request): Promise<Response> {
    const body = request.body ? await request.arrayBuffer() : undefined;
    const path = new URL(request.url).pathname;
    const isTokenCall = path.endsWith(TOKEN_PATH);
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      const headers = new Headers(request.headers);
      if (!isTokenCall) headers.set('Authorization', `Bearer ${await this.bearer()}`);
      const outcome = await this.attempt(request, headers, body);
      const response = outcome instanceof Response ? outcome : undefined;
      // An expired token: fetch a new one once and send the call again (client credentials only).
      if (response?.status === 401 && !isTokenCall && !refreshed && this.canRefresh()) {
        refreshed = true;
        this.token = undefined;
        attempt--;
        continue;
      }
      const retryable = !response || response.status === 429 || response.status >= 500;
      if (!retryable) return response;
      const delayMs = this.delayBefore(attempt, response);
      if (attempt >= (this.options.maxAttempts ?? 5) || delayMs === undefined) {
        if (response) return response;
        throw this.unreachable(request, outcome as Error);
      }
      this.options.onRetry?.({ method: request.method, path, status: response?.status, attempt, delayMs });
      await abortableSleep(delayMs, request.signal);
    }
  }

  /**
   * One try: the response, or the network error or timeout that replaced it. The call's own signal
   * (the client's, or another for a call that must go out after it aborted: cancelling a job) cancels it.
   */
  private async attempt(request: Request, headers: Headers, body: ArrayBuffer | undefined): Promise<Response | Error> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    const signal = AbortSignal.any([request.signal, timeout]);
    try {
      return await (this.options.fetch ?? fetch)(request.url, { method: request.method, headers, body, signal, redirect: 'follow' });
    } catch (error) {
      if (request.signal.aborted)
        throw abortedError(`The call to the Airbyte platform (${request.method} ${new URL(request.url).pathname})`);
      return timeout.aborted ? new Error(`no answer within ${Math.round((this.options.timeoutMs ?? 30_000) / 1000)} s`) : (error as Error);
    }
  }

  /** How long to wait before the next attempt; undefined when a Retry-After asks for too long. */
  private delayBefore(attempt: number, response: Response | undefined): number | undefined {
    const after = response ? retryAfterMs(response.headers.get('retry-after')) : undefined;
    if (after !== undefined) return after > MAX_RETRY_AFTER_MS ? undefined : after;
    const base = this.options.backoffMs ?? 1000;
    const exp = Math.min(MAX_BACKOFF_MS, base * 2 ** (attempt - 1));
    // Jitter, so that many clients told to wait do not come back at the same moment.
    return Math.round(exp * (0.75 + Math.random() * 0.5));
  }

  private unreachable(request: Request, error: Error): AirbyteError {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? error.message;
    return new AirbyteError('PLATFORM_UNAVAILABLE', {
      message: `The Airbyte platform at ${this.settings.apiUrl} could not be reached (${request.method} ${new URL(request.url).pathname}: ${this.mask(reason)}).`,
      guidance: `Check the URL (${PLATFORM_ENV.apiUrl}, --api-url or the airbyte.platform.apiUrl setting: ${CLOUD_API_URL} for Cloud, http://HOST:8000/api/public/v1 self-managed) and that the instance is running.`,
      context: { apiUrl: this.settings.apiUrl },
      cause: error,
    });
  }

  private canRefresh(): boolean {
    return Boolean(this.settings.clientId && this.settings.clientSecret);
  }

  /** The current bearer token, fetched with the client credentials when there is none (one request at a time). */
  private bearer(): Promise<string> {
    if (this.token) return Promise.resolve(this.token);
    this.tokenRequest ??= this.fetchToken().finally(() => (this.tokenRequest = undefined));
    return this.tokenRequest;
  }

  private async fetchToken(): Promise<string> {
    const { clientId, clientSecret } = this.settings;
    // The description names the property `grant-type`, which real clients send, but its `required` list
    // says `grant_type`: both are sent, so the request is what the server reads and what the description demands.
    const body = {
      client_id: clientId!,
      client_secret: clientSecret!,
      'grant-type': 'client_credentials' as const,
      grant_type: 'client_credentials',
    };
    const data = await this.call('get an access token', this.api.POST('/applications/token', { body, signal: this.options.signal }));
    this.token = data.access_token;
    this.addSecrets([data.access_token]);
    return data.access_token;
  }
}

/** The message an API error body carries: problem+json `detail`/`title`, or a `message`. */
function apiMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 500) || undefined;
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  for (const key of ['detail', 'message', 'title', 'error']) {
    const v = b[key];
    if (typeof v === 'string' && v.trim()) return v.trim().slice(0, 500);
  }
  return undefined;
}

/** Retry-After as seconds or an HTTP date, in ms. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Waits `ms`, or throws ABORTED as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError('Waiting for the Airbyte platform'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError('Waiting for the Airbyte platform'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
