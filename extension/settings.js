// Settings: defaults, validation and site-list matching. Pure logic: no
// chrome.* here, so node's test runner imports this module as it is.

export const DEFAULT_DAEMON_URL = 'http://127.0.0.1:8765';

export const DEFAULT_SETTINGS = Object.freeze({
  daemonUrl: DEFAULT_DAEMON_URL,
  token: '',
  autoCheck: false,
  allowSites: [],
  denySites: [],
});

// The daemon only ever listens on the loopback interface.
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const MAX_TOKEN_LENGTH = 512;
const MAX_SITES = 500;
// One DNS label: letters, digits and inner hyphens, at most 63 characters.
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const SITE_PATTERN = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);

/** Checks a daemon URL; returns its canonical form or throws a message. */
export function normalizeDaemonUrl(raw) {
  const text = String(raw ?? '').trim();
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new Error('Enter a full address such as http://127.0.0.1:8765.');
  }
  if (url.protocol !== 'http:') {
    throw new Error('The daemon speaks plain http:// on this machine.');
  }
  if (!LOOPBACK_HOSTS.has(url.hostname)) {
    throw new Error('The daemon must run on this machine: use 127.0.0.1, localhost or [::1].');
  }
  if (url.port === '') {
    throw new Error('Add the port the daemon listens on, e.g. :8765.');
  }
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') {
    throw new Error('Give only the scheme, host and port, e.g. http://127.0.0.1:8765.');
  }
  // A content security policy cannot name an IPv6 address; localhost reaches ::1.
  if (url.hostname === '[::1]') url.hostname = 'localhost';
  return url.origin;
}

/** Checks a token: printable ASCII without spaces (it goes into an HTTP header). */
export function normalizeToken(raw) {
  const token = String(raw ?? '').trim();
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new Error(`The token is longer than ${MAX_TOKEN_LENGTH} characters.`);
  }
  if (!/^[\x21-\x7e]*$/.test(token)) {
    throw new Error('The token may contain only printable characters, without spaces.');
  }
  return token;
}

/** Splits a site list typed by the user (lines or commas) into checked hostnames. */
export function parseSiteList(raw) {
  const entries = Array.isArray(raw) ? raw : String(raw ?? '').split(/[\r\n,]+/);
  const sites = [];
  for (const entry of entries) {
    const site = String(entry).trim().toLowerCase().replace(/\.$/, '');
    if (site === '') continue;
    if (!SITE_PATTERN.test(site) || site.length > 253) {
      throw new Error(`"${entry}" is not a host name (write example.com or *.example.com).`);
    }
    if (!sites.includes(site)) sites.push(site);
  }
  if (sites.length > MAX_SITES) {
    throw new Error(`At most ${MAX_SITES} sites per list.`);
  }
  return sites;
}

/**
 * Validates raw settings (from the options form or from storage).
 * Returns {settings, errors}: errors maps a field name to a message, and
 * settings holds the valid fields, defaults standing in for invalid ones.
 */
export function validateSettings(raw) {
  const input = { ...DEFAULT_SETTINGS, ...(raw ?? {}) };
  const checks = {
    daemonUrl: normalizeDaemonUrl,
    token: normalizeToken,
    allowSites: parseSiteList,
    denySites: parseSiteList,
    autoCheck: (value) => value === true || value === 'true' || value === 'on',
  };
  const settings = { ...DEFAULT_SETTINGS };
  const errors = {};
  for (const [field, check] of Object.entries(checks)) {
    try {
      settings[field] = check(input[field]);
    } catch (error) {
      errors[field] = error.message;
    }
  }
  return { settings, errors };
}

/** True when `hostname` is `site` or, for a bare site, one of its subdomains. */
export function siteMatches(hostname, site) {
  const host = String(hostname).toLowerCase().replace(/\.$/, '');
  if (site.startsWith('*.')) return host.endsWith(site.slice(1));
  return host === site || host.endsWith(`.${site}`);
}

/** Whether auto-check should score `pageUrl`: deny list wins; an empty allow list means all. */
export function shouldAutoCheck(pageUrl, settings) {
  if (!settings.autoCheck) return false;
  let url;
  try {
    url = new URL(pageUrl);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (settings.denySites.some((site) => siteMatches(url.hostname, site))) return false;
  if (settings.allowSites.length === 0) return true;
  return settings.allowSites.some((site) => siteMatches(url.hostname, site));
}

/** The host permissions auto-check needs: the allowed sites, or every web page. */
export function autoCheckOrigins(settings) {
  if (settings.allowSites.length === 0) return ['http://*/*', 'https://*/*'];
  return settings.allowSites.flatMap((site) =>
    site.startsWith('*.') ? [`*://${site}/*`] : [`*://${site}/*`, `*://*.${site}/*`],
  );
}
