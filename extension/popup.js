// The popup: asks the service worker to check the active tab (or a selection
// stored by the context menu) and shows the verdict, the probability bar, the
// passages that weighed most and the "Wrong verdict?" feedback.
// Query parameters: ?tab=<id> checks that tab instead of the active one;
// ?selection=<id> shows the check of a selection (the context-menu window).

import { SCORE_TIMEOUT_MS } from './daemon-client.js';
import { MSG, request } from './messages.js';
import { highlightPassage } from './page-scripts.js';
import { validateSettings } from './settings.js';
import {
  barGeometry,
  CAVEAT,
  describeVerdict,
  explainError,
  formatPercent,
  formatWords,
  snippet,
  verdictFor,
} from './verdicts.js';

const params = new URLSearchParams(location.search);
const selectionId = params.get('selection');
const $ = (id) => document.getElementById(id);
let targetTabId = params.has('tab') ? Number(params.get('tab')) : null;
let current = null; // the entry on display: {url, result, ...}

document.addEventListener('DOMContentLoaded', async () => {
  $('recheck').addEventListener('click', () => runCheck({ force: true }));
  $('error-retry').addEventListener('click', () => runCheck({ force: true }));
  $('error-options').addEventListener('click', () => chrome.runtime.openOptionsPage());
  $('open-options').addEventListener('click', () => chrome.runtime.openOptionsPage());
  $('wrong').addEventListener('click', toggleFeedback);
  for (const button of document.querySelectorAll('#feedback-choices button')) {
    button.addEventListener('click', () => submitFeedback(button.dataset.label));
  }
  $('caveat').textContent = CAVEAT;
  $('subject').textContent = selectionId ? 'selected text' : 'this page';
  if (!selectionId && targetTabId === null) {
    const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
    targetTabId = tab?.id ?? null;
  }
  runCheck({ force: false });
});

/** Runs (or fetches the remembered) check and shows its outcome. */
async function runCheck({ force }) {
  showState('loading');
  $('loading-text').textContent = selectionId
    ? 'Checking the selected text\u2026'
    : 'Checking this page\u2026';
  if (!selectionId && targetTabId === null) {
    await renderError({ kind: 'restricted' }); // no tab to read, e.g. a devtools window
    return;
  }
  try {
    current = selectionId
      ? await request(MSG.CHECK_SELECTION, { selectionId, force })
      : await request(MSG.CHECK_TAB, { tabId: targetTabId, force });
    renderResult(current);
  } catch (error) {
    await renderError(error);
  }
}

function renderResult({ result, fromMemory, checkedAt }) {
  const view = describeVerdict(result);
  $('verdict').dataset.verdict = view.verdict;
  $('verdict-label').textContent = view.label;
  $('verdict-percent').textContent =
    result.p_fake === null ? '' : `${formatPercent(result.p_fake)} fake-like`;
  $('verdict-explanation').textContent = view.explanation;
  renderMeter(result);
  renderArticle(result.article ?? {});
  renderPassages(result);
  renderList($('warnings'), result.warnings ?? []);
  const when = new Date(checkedAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  $('model').textContent =
    `${result.model?.name ?? 'unknown model'} \u00b7 ${fromMemory ? `checked at ${when}` : 'just checked'}`;
  $('result').dataset.source = fromMemory ? 'memory' : 'daemon';
  resetFeedback();
  showState('result');
}

function renderMeter(result) {
  const { thresholds } = result;
  const geometry = barGeometry(result.p_fake, thresholds);
  $('meter').hidden = geometry.marker === null;
  $('meter-band').style.left = `${geometry.bandStart}%`;
  $('meter-band').style.width = `${geometry.bandEnd - geometry.bandStart}%`;
  $('meter-marker').style.left = `${geometry.marker ?? 0}%`;
  placeTick($('meter-credible'), geometry.bandStart, thresholds?.credible);
  placeTick($('meter-suspect'), geometry.bandEnd, thresholds?.suspect);
  const [credible, suspect] = [thresholds?.credible, thresholds?.suspect].map(formatPercent);
  $('meter').setAttribute(
    'aria-label',
    `Probability of fake: ${formatPercent(result.p_fake)}. Credible below ${credible}, ` +
      `suspect above ${suspect}; between them the model is uncertain.`,
  );
}

function placeTick(element, percent, value) {
  element.style.left = `${percent}%`;
  element.textContent = typeof value === 'number' ? value.toFixed(2) : '';
}

function renderArticle(article) {
  $('article-title').textContent = article.title || '(no title)';
  const parts = [
    formatWords(article.words),
    article.site,
    article.language,
    article.extractor && `read by ${article.extractor}`,
  ];
  $('article-meta').textContent = parts.filter(Boolean).join(' \u00b7 ');
}

function renderPassages(result) {
  const list = $('passages');
  list.replaceChildren();
  $('passage-status').textContent = '';
  $('passages-section').hidden = !result.passages?.length;
  for (const passage of result.passages ?? []) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'passage';
    const score = document.createElement('span');
    score.className = 'passage-score';
    score.dataset.verdict = verdictFor(passage.p_fake, result.thresholds);
    score.textContent = formatPercent(passage.p_fake);
    const text = document.createElement('span');
    text.className = 'passage-text';
    text.textContent = snippet(passage.text);
    button.append(score, text);
    button.setAttribute(
      'aria-label',
      `${formatPercent(passage.p_fake)} fake-like: ${snippet(passage.text, 120)}. Show in page.`,
    );
    button.addEventListener('click', () => showPassage(passage.text));
    item.append(button);
    list.append(item);
  }
}

/** Scrolls the page to a passage and highlights it. */
async function showPassage(text) {
  const tabId = selectionId ? Number(params.get('tab')) : targetTabId;
  let found = false;
  try {
    const [injection] = await chrome.scripting.executeScript({
      target: { tabId },
      func: highlightPassage,
      args: [text],
    });
    found = injection.result;
  } catch {
    found = false;
  }
  $('passage-status').textContent = found
    ? 'Highlighted in the page.'
    : 'Not found in the page: it may have changed since the check.';
}

function toggleFeedback() {
  const open = $('wrong').getAttribute('aria-expanded') !== 'true';
  $('wrong').setAttribute('aria-expanded', String(open));
  $('feedback-choices').hidden = !open;
  if (open) $('feedback-choices').querySelector('button').focus();
}

function resetFeedback() {
  $('wrong').setAttribute('aria-expanded', 'false');
  // A label (fake or real) only makes sense for text that was scored.
  $('wrong').hidden = !current?.result?.id || current.result.verdict === 'not_an_article';
  $('feedback-choices').hidden = true;
  $('feedback-status').textContent = '';
}

async function submitFeedback(label) {
  const status = $('feedback-status');
  status.textContent = 'Sending\u2026';
  try {
    await request(MSG.SEND_FEEDBACK, {
      id: current.result.id,
      label,
      url: current.url ?? current.result.article?.url ?? undefined,
      selectionId,
    });
    $('feedback-choices').hidden = true;
    $('wrong').hidden = true;
    status.textContent = `Thanks: saved as ${label} for retraining.`;
  } catch (error) {
    const explained = explainError(error, await errorContext());
    status.textContent = `Not saved. ${explained.title}.`;
  }
}

async function renderError(error) {
  const explained = explainError(error, await errorContext());
  $('error-title').textContent = explained.title;
  $('error-detail').textContent = explained.detail;
  const commands = $('error-commands');
  commands.replaceChildren(
    ...explained.commands.map((command) => {
      const code = document.createElement('code');
      code.textContent = command;
      return code;
    }),
  );
  $('error-retry').hidden = explained.action !== 'retry';
  $('error-options').hidden = explained.action !== 'options';
  $('error').dataset.kind = error?.kind ?? 'internal';
  showState('error');
}

async function errorContext() {
  const { settings } = validateSettings(await chrome.storage.local.get(null));
  return {
    daemonUrl: settings.daemonUrl,
    extensionOrigin: new URL(chrome.runtime.getURL('/')).origin,
    timeoutSeconds: SCORE_TIMEOUT_MS / 1000,
  };
}

function renderList(list, lines) {
  list.replaceChildren(
    ...lines.map((line) => {
      const item = document.createElement('li');
      item.textContent = line;
      return item;
    }),
  );
}

function showState(name) {
  for (const state of ['loading', 'error', 'result']) $(state).hidden = state !== name;
  $('recheck').hidden = name !== 'result';
}
