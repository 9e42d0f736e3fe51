// Message types between the extension's pages and its service worker,
// declared once. Every request is answered {ok: true, value} or
// {ok: false, error: {kind, status, code, message}}.

export const MSG = Object.freeze({
  CHECK_TAB: 'check-tab', // {tabId, force} -> {url, result, checkedAt, fromMemory}
  CHECK_SELECTION: 'check-selection', // {selectionId, force} -> same shape
  SEND_FEEDBACK: 'send-feedback', // {id, label, url, selectionId?} -> {stored, feedback_id}
  CHECK_DAEMON: 'check-daemon', // {daemonUrl, token} -> /v1/health body
});

/** Sends a request to the service worker; resolves its value or rejects its error. */
export async function request(type, payload = {}) {
  const reply = await chrome.runtime.sendMessage({ type, ...payload });
  if (!reply?.ok) {
    throw reply?.error ?? { kind: 'internal', message: 'The extension did not answer.' };
  }
  return reply.value;
}
