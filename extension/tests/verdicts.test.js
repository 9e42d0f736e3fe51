// Unit tests of verdicts.js: run with `node --test extension/tests/`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  barGeometry,
  describeVerdict,
  explainError,
  formatPercent,
  formatWords,
  snippet,
  verdictFor,
  VERDICTS,
} from '../verdicts.js';

describe('describeVerdict', () => {
  it('gives each verdict its own words, badge text and colour', () => {
    const seen = new Set();
    for (const verdict of ['suspect', 'uncertain', 'credible', 'not_an_article']) {
      const view = describeVerdict({ verdict, p_fake: 0.5 });
      assert.equal(view.verdict, verdict);
      seen.add(`${view.label}|${view.badgeText}|${view.badgeColor}`);
    }
    assert.equal(seen.size, 4);
    assert.equal(describeVerdict({ verdict: 'suspect' }).badgeText, '!');
    assert.equal(describeVerdict({ verdict: 'credible' }).badgeText, 'ok');
  });

  it('explains a non-article with the daemon reason and treats unknown verdicts as non-articles', () => {
    const view = describeVerdict({ verdict: 'not_an_article', reason: 'only 12 words' });
    assert.equal(view.explanation, 'only 12 words');
    assert.equal(describeVerdict({ verdict: 'weird' }).verdict, 'not_an_article');
  });

  it('keeps badge colours dark enough for white badge text (contrast >= 4.5)', () => {
    for (const { badgeColor } of Object.values(VERDICTS)) {
      assert.ok(
        contrastWithWhite(badgeColor) >= 4.5,
        `${badgeColor}: ${contrastWithWhite(badgeColor)}`,
      );
    }
  });
});

describe('verdictFor', () => {
  const thresholds = { credible: 0.3, suspect: 0.7 };
  it('places a probability against the thresholds', () => {
    assert.equal(verdictFor(0.9, thresholds), 'suspect');
    assert.equal(verdictFor(0.7, thresholds), 'suspect');
    assert.equal(verdictFor(0.5, thresholds), 'uncertain');
    assert.equal(verdictFor(0.1, thresholds), 'credible');
    assert.equal(verdictFor(null, thresholds), 'not_an_article');
  });
});

describe('formatting', () => {
  it('formats percentages, word counts and snippets', () => {
    assert.equal(formatPercent(0.8249), '82\u00a0%');
    assert.equal(formatPercent(1.7), '100\u00a0%');
    assert.equal(formatPercent(null), '');
    assert.equal(formatWords(1234), '1,234 words');
    assert.equal(formatWords(1), '1 word');
    assert.equal(formatWords(undefined), '0 words');
    assert.equal(snippet('  short\n text '), 'short text');
    const long = snippet('word '.repeat(100), 50);
    assert.ok(long.length <= 51 && long.endsWith('\u2026') && !long.includes('wo\u2026'), long);
  });
});

describe('barGeometry', () => {
  it('places the marker and the uncertainty band in percent', () => {
    assert.deepEqual(barGeometry(0.82, { credible: 0.3, suspect: 0.7 }), {
      marker: 82,
      bandStart: 30,
      bandEnd: 70,
    });
  });

  it('clamps out-of-range values and survives missing data', () => {
    assert.deepEqual(barGeometry(1.5, { credible: -1, suspect: 2 }), {
      marker: 100,
      bandStart: 0,
      bandEnd: 100,
    });
    assert.equal(barGeometry(null, { credible: 0.3, suspect: 0.7 }).marker, null);
    const swapped = barGeometry(0.5, { credible: 0.8, suspect: 0.2 });
    assert.ok(swapped.bandEnd >= swapped.bandStart);
  });
});

describe('explainError', () => {
  const context = {
    daemonUrl: 'http://127.0.0.1:8765',
    extensionOrigin: 'chrome-extension://abc',
    timeoutSeconds: 60,
  };

  it('tells the user how to start a daemon that is not running', () => {
    const explained = explainError({ kind: 'unreachable' }, context);
    assert.match(explained.title, /not running/);
    assert.match(explained.detail, /127\.0\.0\.1:8765/);
    assert.deepEqual(explained.commands, ['make serve', 'fakeradar serve']);
    assert.equal(explained.action, 'retry');
  });

  it('shows the origin to allow on 403 and sends the user to Options on 401', () => {
    const forbidden = explainError(
      { kind: 'http', status: 403, message: 'origin not allowed' },
      context,
    );
    assert.deepEqual(forbidden.commands, [
      'FAKERADAR_ALLOWED_ORIGINS=chrome-extension://abc fakeradar serve',
    ]);
    assert.match(forbidden.detail, /origin not allowed/);
    const unauthorised = explainError({ kind: 'http', status: 401 }, context);
    assert.match(unauthorised.detail, /token/i);
    assert.equal(unauthorised.action, 'options');
  });

  it('explains timeouts, non-articles, restricted pages and unknown failures', () => {
    assert.match(explainError({ kind: 'timeout' }, context).detail, /60 seconds/);
    assert.match(explainError({ kind: 'http', status: 422 }, context).title, /not an article/);
    assert.match(explainError({ kind: 'restricted' }, context).title, /cannot read/);
    assert.match(
      explainError({ kind: 'http', status: 418, message: 'teapot' }, context).title,
      /HTTP 418/,
    );
    assert.match(explainError({ kind: 'internal', message: 'boom' }, context).detail, /boom/);
    assert.match(explainError(undefined).title, /failed/);
  });
});

function contrastWithWhite(hex) {
  const channels = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (luminance + 0.05);
}
