// Functions injected into the checked page with chrome.scripting.executeScript.
// Each one is serialised on its own: it may use only its arguments and the
// page's globals, never this module's other names.

/** Returns the rendered page: address, title and the current DOM as HTML. */
export function capturePage() {
  return {
    url: location.href,
    title: document.title,
    html: document.documentElement.outerHTML,
  };
}

/** Returns the text the user has selected, line breaks kept. */
export function readSelection() {
  return window.getSelection()?.toString() ?? '';
}

/**
 * Finds `passage` in the page's visible text (case, whitespace and curly
 * quotes ignored), selects it, scrolls to it and highlights it. The passage
 * comes from the extracted article, whose lines may sit apart in the page (a
 * title, then the body): it tries the whole passage, then each long line and
 * shorter prefixes of it. Returns whether it was found.
 */
export function highlightPassage(passage) {
  const QUOTES = { '\u2018': "'", '\u2019': "'", '\u201c': '"', '\u201d': '"' };
  const fold = (char) => {
    const lower = QUOTES[char] ?? char.toLowerCase();
    return lower.length === 1 ? lower : char;
  };
  const normalise = (text) => Array.from(text.replace(/\s+/g, ' ').trim(), fold).join('');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) =>
      node.parentElement?.closest('script, style, noscript, template')
        ? NodeFilter.FILTER_REJECT
        : NodeFilter.FILTER_ACCEPT,
  });
  // Flatten the text, one space per whitespace run, remembering where each
  // character of the flat string came from.
  let flat = '';
  const origin = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue;
    for (let i = 0; i < text.length; i += 1) {
      const isSpace = /\s/.test(text[i]);
      if (isSpace && (flat.length === 0 || flat.endsWith(' '))) continue;
      flat += isSpace ? ' ' : fold(text[i]);
      origin.push([node, i]);
    }
  }
  const lines = passage
    .split(/\n+/)
    .map(normalise)
    .filter((line) => line.length >= 20)
    .sort((a, b) => b.length - a.length);
  const candidates = [normalise(passage)];
  for (const line of lines)
    candidates.push(line, line.slice(0, 160), line.slice(0, 80), line.slice(0, 40));
  for (const candidate of candidates) {
    const needle = candidate.trim();
    const at = needle ? flat.indexOf(needle) : -1;
    if (at < 0) continue;
    const [startNode, startOffset] = origin[at];
    const [endNode, endOffset] = origin[at + needle.length - 1];
    const range = document.createRange();
    range.setStart(startNode, startOffset);
    range.setEnd(endNode, endOffset + 1);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (globalThis.CSS?.highlights && globalThis.Highlight) {
      CSS.highlights.set('fakeradar', new Highlight(range));
      if (!document.getElementById('fakeradar-highlight-style')) {
        const style = document.createElement('style');
        style.id = 'fakeradar-highlight-style';
        style.textContent = '::highlight(fakeradar) { background: #ffd54a; color: #000; }';
        document.head.append(style);
      }
    }
    startNode.parentElement?.scrollIntoView({ behavior: 'smooth', block: 'center' });
    return true;
  }
  return false;
}
