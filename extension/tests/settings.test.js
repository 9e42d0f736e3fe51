// Unit tests of settings.js: run with `node --test extension/tests/`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  autoCheckOrigins,
  DEFAULT_SETTINGS,
  normalizeDaemonUrl,
  normalizeToken,
  parseSiteList,
  shouldAutoCheck,
  siteMatches,
  validateSettings,
} from '../settings.js';

describe('normalizeDaemonUrl', () => {
  it('accepts loopback addresses with a port and returns their origin', () => {
    assert.equal(normalizeDaemonUrl(' http://127.0.0.1:8765/ '), 'http://127.0.0.1:8765');
    assert.equal(normalizeDaemonUrl('http://localhost:9000'), 'http://localhost:9000');
    // [::1] becomes localhost: the extension's CSP cannot name an IPv6 address.
    assert.equal(normalizeDaemonUrl('http://[::1]:8765'), 'http://localhost:8765');
  });

  for (const [bad, why] of [
    ['127.0.0.1:8765', /full address/],
    ['https://127.0.0.1:8765', /plain http/],
    ['http://example.com:8765', /this machine/],
    ['http://10.0.0.2:8765', /this machine/],
    ['http://127.0.0.1', /port/],
    ['http://127.0.0.1:8765/v1', /only the scheme/],
    ['http://user:pw@127.0.0.1:8765', /only the scheme/],
    ['', /full address/],
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => normalizeDaemonUrl(bad), why);
    });
  }
});

describe('normalizeToken', () => {
  it('trims and accepts printable tokens, including an empty one', () => {
    assert.equal(normalizeToken('  s3cr3t-TOKEN_~  '), 's3cr3t-TOKEN_~');
    assert.equal(normalizeToken(''), '');
  });

  it('rejects inner spaces, control and non-ASCII characters, and huge tokens', () => {
    assert.throws(() => normalizeToken('two words'), /printable/);
    assert.throws(() => normalizeToken('a\nb'), /printable/);
    assert.throws(() => normalizeToken('caf\u00e9'), /printable/);
    assert.throws(() => normalizeToken('x'.repeat(513)), /longer/);
  });
});

describe('parseSiteList', () => {
  it('splits lines and commas, lowercases, drops duplicates and trailing dots', () => {
    assert.deepEqual(parseSiteList('Example.com\n  news.example.org., *.blog.net,example.com'), [
      'example.com',
      'news.example.org',
      '*.blog.net',
    ]);
    assert.deepEqual(parseSiteList(['a.io', 'b.io']), ['a.io', 'b.io']);
    assert.deepEqual(parseSiteList('  \n '), []);
  });

  for (const bad of [
    'https://example.com',
    'example.com/path',
    'ex ample',
    '*.',
    'a..b',
    '-bad.com',
    'x*.com',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseSiteList(bad), /not a host name/);
    });
  }
});

describe('validateSettings', () => {
  it('fills defaults for missing fields', () => {
    assert.deepEqual(validateSettings({}), { settings: { ...DEFAULT_SETTINGS }, errors: {} });
    assert.deepEqual(validateSettings(undefined).settings, { ...DEFAULT_SETTINGS });
  });

  it('reports each invalid field and keeps the valid ones', () => {
    const { settings, errors } = validateSettings({
      daemonUrl: 'http://evil.example:80',
      token: 'ok-token',
      autoCheck: true,
      allowSites: 'good.com\nbad site',
      denySites: 'ads.com',
    });
    assert.deepEqual(Object.keys(errors).sort(), ['allowSites', 'daemonUrl']);
    assert.equal(settings.daemonUrl, DEFAULT_SETTINGS.daemonUrl);
    assert.equal(settings.token, 'ok-token');
    assert.equal(settings.autoCheck, true);
    assert.deepEqual(settings.denySites, ['ads.com']);
  });
});

describe('site matching', () => {
  it('matches a bare site and its subdomains, a wildcard only the subdomains', () => {
    assert.ok(siteMatches('example.com', 'example.com'));
    assert.ok(siteMatches('www.Example.com', 'example.com'));
    assert.ok(!siteMatches('notexample.com', 'example.com'));
    assert.ok(siteMatches('a.example.com', '*.example.com'));
    assert.ok(!siteMatches('example.com', '*.example.com'));
  });

  const settings = { ...DEFAULT_SETTINGS, autoCheck: true };

  it('checks nothing while auto-check is off', () => {
    assert.equal(shouldAutoCheck('https://news.com/a', DEFAULT_SETTINGS), false);
  });

  it('checks every web page when the allow list is empty, except denied sites', () => {
    const withDeny = { ...settings, denySites: ['private.org'] };
    assert.equal(shouldAutoCheck('https://news.com/a', withDeny), true);
    assert.equal(shouldAutoCheck('https://mail.private.org/inbox', withDeny), false);
    assert.equal(shouldAutoCheck('chrome://settings', withDeny), false);
    assert.equal(shouldAutoCheck('not a url', withDeny), false);
  });

  it('checks only allowed sites, and the deny list wins', () => {
    const lists = { ...settings, allowSites: ['news.com'], denySites: ['opinion.news.com'] };
    assert.equal(shouldAutoCheck('https://www.news.com/a', lists), true);
    assert.equal(shouldAutoCheck('https://other.com/a', lists), false);
    assert.equal(shouldAutoCheck('https://opinion.news.com/a', lists), false);
  });

  it('asks for permission on exactly the allowed sites, or on all pages', () => {
    assert.deepEqual(autoCheckOrigins(settings), ['http://*/*', 'https://*/*']);
    assert.deepEqual(autoCheckOrigins({ ...settings, allowSites: ['news.com', '*.blog.net'] }), [
      '*://news.com/*',
      '*://*.news.com/*',
      '*://*.blog.net/*',
    ]);
  });
});
