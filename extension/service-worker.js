// The background owner of network, results and badges: pages ask it to
// check a tab or a selection; it captures the page, calls the daemon,
// remembers the result per tab and URL, and sets the tab's badge.

import { CheckError, getHealth, scorePage, scoreText, sendFeedback } from './daemon-client.js';
import { MSG } from './messages.js';
import { capturePage, readSelection } from './page-scripts.js';
import { shouldAutoCheck, validateSettings } from './settings.js';
import { describeVerdict, formatPercent } from './verdicts.js';

const MENU_CHECK_SELECTION = 'check-selection';
const DEFAULT_TITLE = 'fakeradar: check this page';
const SELECTION_WINDOW = { type: 'popup', width: 420, height: 640 };
// Checks in flight, by tab and URL, so that the popup and auto-check share one.
const pendingChecks = new Map();

chrome.runtime.onInstalled.addListener(async () => {
  // Keep what the user already set (valid fields only); fill in the rest.
  const { settings } = validateSettings(await chrome.storage.local.get(null));
  await chrome.storage.local.set(settings);
  await chrome.contextMenus.removeAll();
  chrome.contextMenus.create({
    id: MENU_CHECK_SELECTION,
    title: 'Check selected text with fakeradar',
    contexts: ['selection'],
  });
});

chrome.contextMenus.onClicked.addListener((info, tab) => {
  if (info.menuItemId === MENU_CHECK_SELECTION) openSelectionCheck(info, tab);
});

chrome.tabs.onUpdated.addListener((tabId, changeInfo, tab) => {
  if (changeInfo.status === 'loading') forgetTab(tabId);
  if (changeInfo.status === 'complete') autoCheck(tab);
});

chrome.tabs.onRemoved.addListener((tabId) => {
  chrome.storage.session.remove(tabKey(tabId));
});

const HANDLERS = {
  [MSG.CHECK_TAB]: ({ tabId, force }) => checkTab(tabId, { force }),
  [MSG.CHECK_SELECTION]: ({ selectionId, force }) => checkSelection(selectionId, { force }),
  [MSG.SEND_FEEDBACK]: (message) => submitFeedback(message),
  [MSG.CHECK_DAEMON]: ({ daemonUrl, token }) => checkDaemon(daemonUrl, token),
};

// Answers with sendResponse (return true) rather than a returned promise:
// that form works in every Chrome and Firefox version the manifest allows.
chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = HANDLERS[message?.type];
  if (!handler || sender.id !== chrome.runtime.id) return false;
  handler(message).then(
    (value) => sendResponse({ ok: true, value }),
    (error) => sendResponse({ ok: false, error: plainError(error) }),
  );
  return true;
});

/** Checks a tab's page, or returns the result remembered for its URL. */
async function checkTab(tabId, { force = false } = {}) {
  const tab = await chrome.tabs.get(tabId);
  if (!force && tab.url) {
    const remembered = (await chrome.storage.session.get(tabKey(tabId)))[tabKey(tabId)];
    if (remembered?.url === tab.url) return { ...remembered, fromMemory: true };
  }
  const pendingKey = `${tabId} ${tab.url}`;
  if (!pendingChecks.has(pendingKey)) {
    const check = scoreTab(tabId).finally(() => pendingChecks.delete(pendingKey));
    pendingChecks.set(pendingKey, check);
  }
  return pendingChecks.get(pendingKey);
}

async function scoreTab(tabId) {
  const page = await runInTab(tabId, capturePage);
  let result;
  try {
    result = await scorePage(await loadSettings(), page);
  } catch (error) {
    if (error.status === 422) await showBadge(tabId, { verdict: 'not_an_article' });
    throw error;
  }
  const entry = { url: page.url, result, checkedAt: Date.now(), fromMemory: false };
  // The tab may have navigated during the check: then the result is not its page's.
  const tab = await chrome.tabs.get(tabId).catch(() => null);
  if (tab && (!tab.url || tab.url === page.url)) {
    await chrome.storage.session.set({ [tabKey(tabId)]: entry });
    await showBadge(tabId, result);
  }
  return entry;
}

/** Scores selected text stored by the context menu; remembers the result. */
async function checkSelection(selectionId, { force = false } = {}) {
  const key = selectionKey(selectionId);
  const stored = (await chrome.storage.session.get(key))[key];
  if (!stored) {
    throw new CheckError({
      kind: 'internal',
      message: 'This selection is no longer remembered: select the text and check it again.',
    });
  }
  if (stored.result && !force) return { ...stored, fromMemory: true };
  const result = await scoreText(await loadSettings(), { text: stored.text, title: stored.title });
  const entry = { ...stored, result, checkedAt: Date.now(), fromMemory: false };
  await chrome.storage.session.set({ [key]: entry });
  return entry;
}

/** Stores the selection and opens the result window, which asks for the check. */
async function openSelectionCheck(info, tab) {
  // The menu click grants activeTab: read the selection with its line breaks.
  const selected = tab?.id >= 0 ? await runInTab(tab.id, readSelection).catch(() => '') : '';
  const selectionId = crypto.randomUUID();
  await chrome.storage.session.set({
    [selectionKey(selectionId)]: {
      text: selected.trim() || info.selectionText,
      title: tab?.title ?? '',
      url: info.pageUrl,
      tabId: tab?.id ?? null,
    },
  });
  const params = new URLSearchParams({ selection: selectionId });
  if (tab?.id >= 0) params.set('tab', String(tab.id));
  const url = chrome.runtime.getURL(`popup.html?${params}`);
  await chrome.windows.create({ url, ...SELECTION_WINDOW });
}

/** Sends the user's correction; selected text goes along in case the daemon forgot it. */
async function submitFeedback({ id, label, url, selectionId }) {
  const feedback = { id, label };
  if (url) feedback.url = url;
  if (selectionId) {
    const stored = (await chrome.storage.session.get(selectionKey(selectionId)))[
      selectionKey(selectionId)
    ];
    if (stored) Object.assign(feedback, { text: stored.text, title: stored.title });
  }
  return sendFeedback(await loadSettings(), feedback);
}

/** GET /v1/health with settings typed in the options page, before saving them. */
async function checkDaemon(daemonUrl, token) {
  const { settings, errors } = validateSettings({ daemonUrl, token });
  const problem = errors.daemonUrl ?? errors.token;
  if (problem) throw new CheckError({ kind: 'internal', message: problem });
  return getHealth(settings);
}

/** Checks a page that finished loading when the user turned auto-check on for its site. */
async function autoCheck(tab) {
  if (!tab?.url) return; // no host permission for this site
  const settings = await loadSettings();
  if (!shouldAutoCheck(tab.url, settings)) return;
  const origin = `${new URL(tab.url).origin}/*`;
  if (!(await chrome.permissions.contains({ origins: [origin] }))) return;
  checkTab(tab.id).catch(() => {}); // the popup shows errors; auto-check stays quiet
}

async function showBadge(tabId, result) {
  const view = describeVerdict(result);
  const percent = formatPercent(result.p_fake);
  const title = `fakeradar: ${view.label}${percent ? ` (${percent} fake-like)` : ''}`;
  await Promise.all([
    chrome.action.setBadgeText({ tabId, text: view.badgeText }),
    chrome.action.setBadgeBackgroundColor({ tabId, color: view.badgeColor }),
    chrome.action.setBadgeTextColor?.({ tabId, color: '#ffffff' }),
    chrome.action.setTitle({ tabId, title }),
  ]);
}

/** Clears a tab's badge and result when it navigates. */
async function forgetTab(tabId) {
  await Promise.all([
    chrome.action.setBadgeText({ tabId, text: '' }),
    chrome.action.setTitle({ tabId, title: DEFAULT_TITLE }),
    chrome.storage.session.remove(tabKey(tabId)),
  ]).catch(() => {}); // the tab may be gone already
}

/** Runs an injected function in a tab; pages extensions may not read become "restricted". */
async function runInTab(tabId, func) {
  try {
    const [injection] = await chrome.scripting.executeScript({ target: { tabId }, func });
    return injection.result;
  } catch (error) {
    throw new CheckError({ kind: 'restricted', message: error?.message ?? String(error) });
  }
}

async function loadSettings() {
  return validateSettings(await chrome.storage.local.get(null)).settings;
}

function plainError(error) {
  if (error instanceof CheckError) return error.toJSON();
  return { kind: 'internal', message: error?.message ?? String(error) };
}

function tabKey(tabId) {
  return `tab:${tabId}`;
}

function selectionKey(selectionId) {
  return `selection:${selectionId}`;
}
