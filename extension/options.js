// The options page: daemon address and token, auto-check and its site lists.
// Settings are validated before they are stored in storage.local; enabling
// auto-check asks for the host permissions it needs, disabling it gives them back.

import { MSG, request } from './messages.js';
import { autoCheckOrigins, DEFAULT_SETTINGS, validateSettings } from './settings.js';
import { explainError } from './verdicts.js';

const FIELDS = ['daemonUrl', 'token', 'autoCheck', 'allowSites', 'denySites'];
const $ = (id) => document.getElementById(id);

document.addEventListener('DOMContentLoaded', async () => {
  $('options-form').addEventListener('submit', saveOptions);
  $('reset').addEventListener('click', restoreDefaults);
  $('test-connection').addEventListener('click', testConnection);
  fillForm(validateSettings(await chrome.storage.local.get(null)).settings);
});

function fillForm(settings) {
  $('daemonUrl').value = settings.daemonUrl;
  $('token').value = settings.token;
  $('autoCheck').checked = settings.autoCheck;
  $('allowSites').value = settings.allowSites.join('\n');
  $('denySites').value = settings.denySites.join('\n');
}

function readForm() {
  return {
    daemonUrl: $('daemonUrl').value,
    token: $('token').value,
    autoCheck: $('autoCheck').checked,
    allowSites: $('allowSites').value,
    denySites: $('denySites').value,
  };
}

/** Marks invalid fields; returns whether the form is valid. */
function showErrors(errors) {
  for (const field of FIELDS) {
    const message = $(`${field}-error`);
    if (message) message.textContent = errors[field] ?? '';
    $(field).toggleAttribute('aria-invalid', Boolean(errors[field]));
  }
  const firstInvalid = FIELDS.find((field) => errors[field]);
  if (firstInvalid) $(firstInvalid).focus();
  return !firstInvalid;
}

async function saveOptions(event) {
  event.preventDefault();
  const { settings, errors } = validateSettings(readForm());
  if (!showErrors(errors)) {
    $('save-status').textContent = 'Not saved: correct the marked fields.';
    return;
  }
  let note = '';
  if (settings.autoCheck) {
    // First await of the click handler: the browser asks only during a user gesture.
    const granted = await chrome.permissions.request({ origins: autoCheckOrigins(settings) });
    if (!granted) {
      settings.autoCheck = false;
      $('autoCheck').checked = false;
      note = ' Auto-check stays off: it needs permission to read those sites.';
    }
  }
  if (!settings.autoCheck) await releaseSitePermissions();
  await chrome.storage.local.set(settings);
  fillForm(settings);
  $('save-status').textContent = `Saved.${note}`;
}

/** Gives back the optional site permissions auto-check no longer needs. */
async function releaseSitePermissions() {
  const required = new Set(chrome.runtime.getManifest().host_permissions ?? []);
  const { origins = [] } = await chrome.permissions.getAll();
  const optional = origins.filter((origin) => !required.has(origin));
  if (optional.length) await chrome.permissions.remove({ origins: optional });
}

function restoreDefaults() {
  fillForm(DEFAULT_SETTINGS);
  showErrors({});
  $('save-status').textContent = 'Defaults restored in the form: press Save to keep them.';
}

async function testConnection() {
  const status = $('connection-status');
  status.textContent = 'Connecting\u2026';
  const form = readForm();
  try {
    const health = await request(MSG.CHECK_DAEMON, {
      daemonUrl: form.daemonUrl,
      token: form.token,
    });
    const { model, backend, device, version } = health;
    status.textContent = `Connected: ${model?.name} on ${backend} (${device}), version ${version}.`;
  } catch (error) {
    const explained = explainError(error, {
      daemonUrl: form.daemonUrl,
      extensionOrigin: new URL(chrome.runtime.getURL('/')).origin,
    });
    const commands = explained.commands.length ? ` Run: ${explained.commands.join(' or ')}` : '';
    status.textContent = `${explained.title}. ${explained.detail}${commands}`;
  }
}
