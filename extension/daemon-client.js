// The daemon's HTTP API (v1), called from the service worker only: content
// scripts would be subject to the page's CORS rules.

export const SCORE_TIMEOUT_MS = 60_000;
const SMALL_TIMEOUT_MS = 10_000;

/** A failed check, in the plain shape that crosses extension messaging. */
export class CheckError extends Error {
  constructor({ kind, status = null, code = null, message = '' }) {
    super(message || kind);
    this.kind = kind; // "unreachable" | "timeout" | "http" | "restricted" | "internal"
    this.status = status;
    this.code = code;
  }

  toJSON() {
    return { kind: this.kind, status: this.status, code: this.code, message: this.message };
  }
}

/** POST /v1/score with the rendered page: {url, html}. */
export function scorePage(settings, { url, html }) {
  return callDaemon(settings, 'POST', '/v1/score', { url, html }, SCORE_TIMEOUT_MS);
}

/** POST /v1/score with plain text: {text, title}. */
export function scoreText(settings, { text, title }) {
  return callDaemon(settings, 'POST', '/v1/score', { text, title }, SCORE_TIMEOUT_MS);
}

/** POST /v1/feedback: {id, label: "fake" | "real", url?, text?, title?}. */
export function sendFeedback(settings, feedback) {
  return callDaemon(settings, 'POST', '/v1/feedback', feedback, SMALL_TIMEOUT_MS);
}

/** GET /v1/health. */
export function getHealth(settings) {
  return callDaemon(settings, 'GET', '/v1/health', undefined, SMALL_TIMEOUT_MS);
}

async function callDaemon(settings, method, path, body, timeoutMs) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (settings.token) headers.Authorization = `Bearer ${settings.token}`;
  let response;
  try {
    response = await fetch(new URL(path, settings.daemonUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (error) {
    const timedOut = error?.name === 'TimeoutError' || error?.name === 'AbortError';
    throw new CheckError({ kind: timedOut ? 'timeout' : 'unreachable', message: error?.message });
  }
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    throw new CheckError({
      kind: 'http',
      status: response.status,
      code: payload?.error?.code ?? null,
      message: payload?.error?.message ?? response.statusText,
    });
  }
  return payload;
}
