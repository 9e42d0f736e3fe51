// How results and errors read to the user: verdict words, colours, badge,
// the probability bar, and what to do when something fails. Pure logic: no
// chrome.* here, so node's test runner imports this module as it is.

export const VERDICTS = Object.freeze({
  suspect: {
    label: 'Looks suspect',
    badgeText: '!',
    badgeColor: '#c62828',
    explanation: 'The wording resembles the fake news the model was trained on.',
  },
  uncertain: {
    label: 'Uncertain',
    badgeText: '?',
    badgeColor: '#9a5b00',
    explanation: 'The model cannot tell: the score falls between its two thresholds.',
  },
  credible: {
    label: 'Looks credible',
    badgeText: 'ok',
    badgeColor: '#2e7d32',
    explanation: 'The wording resembles the real news the model was trained on.',
  },
  not_an_article: {
    label: 'Not an article',
    badgeText: '\u2013',
    badgeColor: '#5f6368',
    explanation: 'No article text was found on this page.',
  },
});

export const CAVEAT =
  'A language model judges style, not facts: use it as a hint and check the sources.';

/** The presentation of a /v1/score result: words, colour key, badge. */
export function describeVerdict(result) {
  const verdict = Object.hasOwn(VERDICTS, result?.verdict) ? result.verdict : 'not_an_article';
  const base = VERDICTS[verdict];
  const explanation =
    verdict === 'not_an_article' && result?.reason ? result.reason : base.explanation;
  return { verdict, ...base, explanation };
}

/** The verdict a probability alone would get: colours passages like the page. */
export function verdictFor(probability, thresholds) {
  if (typeof probability !== 'number') return 'not_an_article';
  if (probability >= (thresholds?.suspect ?? 0.5)) return 'suspect';
  if (probability <= (thresholds?.credible ?? 0.5)) return 'credible';
  return 'uncertain';
}

/** "82 %" for 0.82; an empty string when there is no probability. */
export function formatPercent(probability) {
  if (typeof probability !== 'number' || Number.isNaN(probability)) return '';
  return `${Math.round(clamp01(probability) * 100)}\u00a0%`;
}

/** "1,234 words". */
export function formatWords(count) {
  const words = Number.isFinite(count) ? Math.max(0, Math.round(count)) : 0;
  return `${words.toLocaleString('en-US')} ${words === 1 ? 'word' : 'words'}`;
}

/** Shortens a passage for display at a word boundary, with an ellipsis. */
export function snippet(text, maxChars = 220) {
  const clean = String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim();
  if (clean.length <= maxChars) return clean;
  const cut = clean.slice(0, maxChars);
  const lastSpace = cut.lastIndexOf(' ');
  return `${cut.slice(0, lastSpace > maxChars / 2 ? lastSpace : maxChars)}\u2026`;
}

/**
 * Positions on the probability bar, in percent of its width: the marker for
 * p_fake and the uncertainty band between the credible and suspect thresholds.
 */
export function barGeometry(probability, thresholds) {
  const credible = clamp01(thresholds?.credible ?? 0.5);
  const suspect = Math.max(credible, clamp01(thresholds?.suspect ?? 0.5));
  return {
    marker: typeof probability === 'number' ? toPercent(probability) : null,
    bandStart: toPercent(credible),
    bandEnd: toPercent(suspect),
  };
}

/**
 * What to tell the user about a failed check: a title, a sentence, commands
 * to run, and which button helps ("options" or "retry").
 * `error` is {kind, status, code, message}; `context` is {daemonUrl, extensionOrigin, timeoutSeconds}.
 */
export function explainError(error, context = {}) {
  const daemonUrl = context.daemonUrl ?? 'the configured address';
  switch (error?.kind) {
    case 'unreachable':
      return {
        title: 'The fakeradar daemon is not running',
        detail: `Nothing answered at ${daemonUrl}. Start it in a terminal with one of these commands (the first from the fakeradar folder), then check again. If it listens on another port, set its address in Options.`,
        commands: ['make serve', 'fakeradar serve'],
        action: 'retry',
      };
    case 'timeout':
      return {
        title: 'The daemon did not answer in time',
        detail: `No answer within ${context.timeoutSeconds ?? 'the'} seconds. A very long page, or a model still loading, can do this: wait a moment and check again.`,
        commands: [],
        action: 'retry',
      };
    case 'restricted':
      return {
        title: 'fakeradar cannot read this page',
        detail:
          'Browser pages, the extension store, PDF viewers and local files are off limits to extensions. Open the article in a normal web page and check again.',
        commands: [],
        action: null,
      };
    case 'http':
      return explainHttpError(error, { ...context, daemonUrl });
    default:
      return {
        title: 'The check failed',
        detail: error?.message || 'Something unexpected happened. Check again.',
        commands: [],
        action: 'retry',
      };
  }
}

function explainHttpError(error, context) {
  const said = error.message ? ` The daemon said: \u201c${error.message}\u201d` : '';
  const byStatus = {
    401: {
      title: 'The daemon needs a token',
      detail: `It was started with FAKERADAR_TOKEN. Enter the same token in Options.${said}`,
      commands: [],
      action: 'options',
    },
    403: {
      title: 'The daemon refused this browser',
      detail: `It accepts extension origins unless told otherwise. Restart it allowing this extension, and check that Options points at ${context.daemonUrl}.${said}`,
      commands: [
        `FAKERADAR_ALLOWED_ORIGINS=${context.extensionOrigin ?? '<extension origin>'} fakeradar serve`,
      ],
      action: 'options',
    },
    413: {
      title: 'This page is too large to check',
      detail: 'Select the article text, right-click it and choose \u201cCheck selected text\u201d.',
      commands: [],
      action: null,
    },
    422: {
      title: 'This page is not an article',
      detail: `No article text was found here. Open a news story, or select its text and choose \u201cCheck selected text\u201d.${said}`,
      commands: [],
      action: null,
    },
    429: {
      title: 'The daemon is busy',
      detail: 'Too many checks at once: wait a few seconds and check again.',
      commands: [],
      action: 'retry',
    },
    503: {
      title: 'The daemon is not ready',
      detail: `It is still loading its model or has none: look at its terminal.${said}`,
      commands: [],
      action: 'retry',
    },
  };
  return (
    byStatus[error.status] ?? {
      title: `The daemon answered with an error (HTTP ${error.status})`,
      detail: error.message || 'Look at the daemon\u2019s terminal for details, then check again.',
      commands: [],
      action: 'retry',
    }
  );
}

function clamp01(value) {
  return Math.min(1, Math.max(0, Number(value) || 0));
}

function toPercent(value) {
  return Math.round(clamp01(value) * 1000) / 10;
}
