// The review page: plain DOM, no framework and no CDN (users run this behind firewalls). Every call goes to the
// service's own /v1 API with the bearer token kept in this tab's session storage only.
'use strict';

const TOKEN_KEY = 'matter-pipeline.token';
const PAGE_SIZE = 20;
const FINAL = new Set(['COMPLETED', 'PARTIAL', 'FAILED', 'CANCELLED']);
/** Item fields shown as an item's value, in order of preference; the first non-empty one wins. */
const VALUE_FIELDS = ['name', 'date', 'amount', 'value', 'obligation', 'description'];

const main = document.getElementById('main');
const statusLine = document.getElementById('status');
const signOutButton = document.getElementById('sign-out');
let leaving = new AbortController();

// ---------------------------------------------------------------- small helpers

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

function say(message, isError = false) {
  statusLine.textContent = message || '';
  statusLine.classList.toggle('error', isError);
}

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Calls the API; a problem+json answer becomes an ApiError carrying its detail. */
async function api(path, options = {}) {
  const headers = new Headers(options.headers || {});
  headers.set('Authorization', `Bearer ${token()}`);
  const response = await fetch(path, { ...options, headers, signal: options.signal || leaving.signal });
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch (ignored) { /* not JSON */ }
    throw new ApiError(response.status, problem);
  }
  return response;
}

async function apiJson(path, options) {
  return (await api(path, options)).json();
}

/** Shows a failed call the way a reader can act on: 401 signs out, 403 says what is missing. */
function report(error) {
  if (error.name === 'AbortError') return;
  if (error instanceof ApiError && error.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    render('#/', `Signed out: the token was not accepted (${error.message}).`);
    return;
  }
  if (error instanceof ApiError && error.status === 403) {
    say(`Not allowed with this token: ${error.message}`, true);
    return;
  }
  say(error.message || String(error), true);
}

function matterLink(matterId) {
  return `#/matters/${encodeURIComponent(matterId)}`;
}

function pageLink(matterId, documentId, pageNumber, quote) {
  const base = `${matterLink(matterId)}/documents/${encodeURIComponent(documentId)}/pages/${pageNumber}`;
  return quote ? `${base}?quote=${encodeURIComponent(quote)}` : base;
}

// ---------------------------------------------------------------- routing

function parseRoute(hash) {
  const [path, query] = (hash.replace(/^#/, '') || '/').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query || '');
  if (parts[0] === 'matters' && parts.length === 2) return { view: 'matter', matterId: parts[1] };
  if (parts[0] === 'matters' && parts[2] === 'documents' && parts[4] === 'pages' && parts.length === 6) {
    return { view: 'page', matterId: parts[1], documentId: parts[3], pageNumber: Number(parts[5]),
             quote: params.get('quote') };
  }
  return { view: 'matters', cursor: params.get('cursor') };
}

let pendingMessage = '';

/** Navigates to {@code hash}; the hashchange renders it (or renders now when already there). */
function render(hash = location.hash || '#/', message = '') {
  pendingMessage = message;
  if ((location.hash || '#/') !== hash) {
    location.hash = hash;
    return;
  }
  show();
}

function show() {
  leaving.abort();
  leaving = new AbortController();
  say(pendingMessage, Boolean(pendingMessage));
  pendingMessage = '';
  main.replaceChildren();
  signOutButton.hidden = !token();
  if (!token()) {
    showSignIn();
    return;
  }
  const route = parseRoute(location.hash);
  const shown = route.view === 'matter' ? showMatter(route.matterId)
    : route.view === 'page' ? showPage(route)
      : showMatters(route.cursor);
  shown.catch(report);
}

window.addEventListener('hashchange', () => show());
signOutButton.addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  render('#/', '');
});

// ---------------------------------------------------------------- sign-in

function showSignIn() {
  const input = el('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true,
                              'aria-describedby': 'token-help' });
  const form = el('form', { 'aria-labelledby': 'sign-in-title' },
    el('h1', { id: 'sign-in-title' }, 'Sign in'),
    el('label', { for: 'token' }, 'Token'),
    input,
    el('p', { id: 'token-help' }, 'An API token (mpt.…) or an Entra ID access token. It is kept in this tab only.'),
    el('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    try {
      await api(`/v1/matters?limit=1`);
      render('#/');
    } catch (error) {
      sessionStorage.removeItem(TOKEN_KEY);
      say(`Sign-in failed: ${error.message}`, true);
      input.focus();
    }
  });
  main.append(form);
  input.focus();
}

// ---------------------------------------------------------------- Matters

async function showMatters(cursor) {
  const name = el('input', { id: 'matter-name', type: 'text', maxlength: 200 });
  const create = el('form', { class: 'actions', 'aria-label': 'New Matter' },
    el('div', {}, el('label', { for: 'matter-name' }, 'Matter name'), name),
    el('div', { style: 'align-self:flex-end' }, el('button', { type: 'submit', class: 'primary' }, 'Create Matter')));
  create.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const body = name.value.trim() ? JSON.stringify({ name: name.value.trim() }) : undefined;
      const matter = await apiJson('/v1/matters', { method: 'POST', body,
        headers: body ? { 'Content-Type': 'application/json' } : {} });
      render(matterLink(matter.matterId));
    } catch (error) { report(error); }
  });
  const query = new URLSearchParams({ limit: PAGE_SIZE });
  if (cursor) query.set('cursor', cursor);
  const page = await apiJson(`/v1/matters?${query}`);
  const rows = page.matters.map(matter => {
    const statusCell = el('td', {}, matter.state);
    const pagesCell = el('td', {}, '…');
    apiJson(`/v1/matters/${encodeURIComponent(matter.matterId)}`).then(status => {
      statusCell.textContent = status.status;
      pagesCell.textContent = `${status.totals.pagesDone} / ${status.totals.pageCount}`;
    }).catch(() => { pagesCell.textContent = '?'; });
    return el('tr', {},
      el('td', {}, el('a', { href: matterLink(matter.matterId) }, matter.name || matter.matterId)),
      statusCell, pagesCell, el('td', {}, new Date(matter.createdAt).toLocaleString()));
  });
  main.append(el('h1', {}, 'Matters'), create,
    rows.length === 0 ? el('p', {}, 'No Matters yet.') : el('table', { 'aria-label': 'Matters, newest first' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Name'), el('th', { scope: 'col' }, 'Status'),
        el('th', { scope: 'col' }, 'Pages done / total'), el('th', { scope: 'col' }, 'Created'))),
      el('tbody', {}, rows)),
    el('div', { class: 'pager' },
      cursor ? el('a', { href: '#/' }, 'First page') : null,
      page.nextCursor ? el('a', { href: `#/?cursor=${encodeURIComponent(page.nextCursor)}` }, 'Next page') : null));
}

// ---------------------------------------------------------------- one Matter

async function showMatter(matterId) {
  const status = await apiJson(`/v1/matters/${encodeURIComponent(matterId)}`);
  const heading = el('h1', {}, status.name || matterId);
  const summary = el('p', { id: 'matter-status' });
  const documents = el('tbody');
  const actions = el('div', { class: 'actions' });
  const upload = el('section', { 'aria-labelledby': 'upload-title' });
  const findings = el('section', { id: 'findings', 'aria-labelledby': 'findings-title' });
  main.append(el('p', {}, el('a', { href: '#/' }, '← All Matters')), heading, summary, actions, upload,
    el('h2', {}, 'Documents'),
    el('table', { 'aria-label': 'Documents' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'File'), el('th', { scope: 'col' }, 'Status'),
        el('th', { scope: 'col' }, 'Progress'))), documents),
    findings);

  let findingsShown = false;
  const update = current => {
    summary.textContent = `${current.status} — ${current.totals.pagesDone} of ${current.totals.pageCount} pages read`
      + (current.totals.pagesFailed ? `, ${current.totals.pagesFailed} failed` : '');
    documents.replaceChildren(...current.documents.map(document => documentRow(matterId, document)));
    renderActions(actions, current);
    renderUpload(upload, current);
    if (current.resultReady && !findingsShown) {
      findingsShown = true;
      showFindings(findings, matterId).catch(report);
    }
  };
  update(status);
  if (!FINAL.has(status.status)) {
    follow(matterId, update).catch(report);
  }
}

function documentRow(matterId, document) {
  const done = document.pagesDone + document.pagesFailed;
  const total = document.pageCount || 0;
  const name = total > 0
    ? el('a', { href: pageLink(matterId, document.documentId, 1) }, document.fileName)
    : document.fileName;
  return el('tr', { 'data-document': document.documentId },
    el('td', {}, name),
    el('td', {}, document.status + (document.failure ? ` (${document.failure.reason})` : '')),
    el('td', {}, total > 0
      ? [el('progress', { max: total, value: done, 'aria-label': `${document.fileName} progress` }),
        ` ${done} / ${total}`]
      : '—'));
}

function renderActions(actions, status) {
  const id = encodeURIComponent(status.matterId);
  const run = (label, call, next) => async () => {
    try {
      say(`${label}…`);
      await call();
      const target = next || matterLink(status.matterId);
      render(target, '');
      say(`${label}: done.`);
    } catch (error) { report(error); }
  };
  const buttons = [];
  if (status.state === 'OPEN') {
    buttons.push(el('button', { type: 'button', class: 'primary', onclick: run('Seal',
      () => api(`/v1/matters/${id}/seal`, { method: 'POST' })) }, 'Seal'));
  }
  if (!FINAL.has(status.status)) {
    buttons.push(el('button', { type: 'button', onclick: run('Cancel',
      () => api(`/v1/matters/${id}/cancel`, { method: 'POST' })) }, 'Cancel'));
  } else {
    buttons.push(el('button', { type: 'button', onclick: run('Archive',
      () => api(`/v1/matters/${id}/archive`, { method: 'POST' })) }, 'Archive'));
  }
  if (status.resultReady) {
    buttons.push(el('button', { type: 'button', onclick: () => download(status.matterId).catch(report) },
      'Download result.json'));
  }
  buttons.push(el('button', { type: 'button', class: 'danger', onclick: () => {
    if (window.confirm(`Delete the Matter "${status.name || status.matterId}" and all its documents?`)) {
      run('Delete', () => api(`/v1/matters/${id}`, { method: 'DELETE' }), '#/')();
    }
  } }, 'Delete'));
  actions.replaceChildren(...buttons);
}

function renderUpload(section, status) {
  if (status.state !== 'OPEN') {
    section.replaceChildren();
    return;
  }
  if (section.childElementCount > 0) return;
  const picker = el('input', { id: 'files', type: 'file', multiple: true });
  const drop = el('div', { class: 'drop', tabindex: 0 },
    el('label', { for: 'files' }, 'Add documents'), picker, el('p', {}, 'or drop files here'));
  const send = async files => {
    for (const file of files) {
      const form = new FormData();
      form.append('file', file, file.name);
      try {
        say(`Uploading ${file.name}…`);
        await api(`/v1/matters/${encodeURIComponent(status.matterId)}/documents`, { method: 'POST', body: form });
        say(`Uploaded ${file.name}.`);
      } catch (error) {
        report(error);
        return;
      }
    }
    render(matterLink(status.matterId), '');
  };
  picker.addEventListener('change', () => send([...picker.files]));
  drop.addEventListener('dragover', event => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', event => {
    event.preventDefault();
    drop.classList.remove('over');
    send([...event.dataTransfer.files]);
  });
  section.replaceChildren(el('h2', { id: 'upload-title' }, 'Upload'), drop);
}

/** Follows the Matter's Server-Sent Events; fetch rather than EventSource, which cannot send a bearer token. */
async function follow(matterId, onStatus) {
  const response = await api(`/v1/matters/${encodeURIComponent(matterId)}/events`,
    { headers: { Accept: 'text/event-stream' } });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (event === 'status' && data.length) onStatus(JSON.parse(data.join('\n')));
      if (event === 'gone') { render('#/', 'This Matter was deleted.'); return; }
    }
  }
}

async function download(matterId) {
  const blob = await (await api(`/v1/matters/${encodeURIComponent(matterId)}/result`)).blob();
  const url = URL.createObjectURL(blob);
  const link = el('a', { href: url, download: 'result.json' });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---------------------------------------------------------------- findings

function valueOf(item) {
  for (const field of VALUE_FIELDS) {
    if (item[field] !== undefined && item[field] !== null && item[field] !== '') return String(item[field]);
  }
  const rest = Object.entries(item).filter(([key]) => !['quote', 'quotes', 'documents', 'page'].includes(key));
  return rest.map(([key, value]) => `${key}: ${value}`).join(', ');
}

/** Findings shown at most; a large Matter has many more (result.json and the items API have all of them). */
const MAX_FINDINGS = 2000;
const ITEMS_PER_REQUEST = 200;

/** The Matter's items, field by field and page by page through the items API: never the whole result. */
async function showFindings(section, matterId) {
  const base = `/v1/matters/${encodeURIComponent(matterId)}/items`;
  const listing = await apiJson(base);
  const rows = [];
  let total = 0;
  for (const field of listing.fields || []) {
    if (field.kind !== 'list') continue;
    let cursor = null;
    do {
      const query = `?limit=${ITEMS_PER_REQUEST}` + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
      const page = await apiJson(`${base}/${encodeURIComponent(field.name)}${query}`);
      for (const item of page.items || []) {
        const fileNames = new Map((item.documents || []).map(document => [document.documentId, document.fileName]));
        for (const quote of item.quotes || []) {
          total++;
          if (rows.length >= MAX_FINDINGS) continue;
          rows.push(el('tr', {},
            el('td', {}, field.name),
            el('td', {}, el('a', { href: pageLink(matterId, quote.documentId, quote.page, quote.quote),
                                   title: quote.quote }, valueOf(item))),
            el('td', {}, fileNames.get(quote.documentId) || quote.documentId),
            el('td', {}, String(quote.page))));
        }
      }
      cursor = rows.length < MAX_FINDINGS ? page.nextCursor : null;
    } while (cursor);
  }
  const title = rows.length < total ? `Findings (first ${rows.length}; download result.json for all)`
    : `Findings (${rows.length})`;
  section.replaceChildren(el('h2', { id: 'findings-title' }, title),
    rows.length === 0 ? el('p', {}, 'No findings.') : el('table', { 'aria-label': 'Findings' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Kind'), el('th', { scope: 'col' }, 'Value'),
        el('th', { scope: 'col' }, 'Document'), el('th', { scope: 'col' }, 'Page'))),
      el('tbody', {}, rows)));
}

// ---------------------------------------------------------------- one page

/**
 * Text normalized for finding quotes (case, whitespace runs, typographic quotes and dashes), with the index in the
 * original text of every normalized character, so a match maps back to the original.
 */
function normalized(text) {
  let out = '';
  const origin = [];
  let lastWasSpace = false;
  for (let i = 0; i < text.length; i++) {
    let c = text[i];
    if (/\s/.test(c)) {
      if (lastWasSpace) continue;
      c = ' ';
      lastWasSpace = true;
    } else {
      lastWasSpace = false;
      c = c.replace(/[\u2018\u2019]/, "'").replace(/[\u201C\u201D]/, '"').replace(/[\u2013\u2014]/, '-')
        .toLowerCase();
    }
    out += c;
    origin.push(i);
  }
  return { text: out, origin };
}

function locate(text, normalizedText, quote) {
  if (!quote) return null;
  const exact = text.indexOf(quote);
  if (exact >= 0) return { start: exact, end: exact + quote.length };
  const wanted = normalized(quote.trim()).text;
  const at = normalizedText.text.indexOf(wanted);
  if (at < 0 || wanted.length === 0) return null;
  return { start: normalizedText.origin[at], end: normalizedText.origin[at + wanted.length - 1] + 1 };
}

/** The page's quotes: where each is in the text (or null), with the item's kind and value for its title. */
function quotesOf(page) {
  const quotes = [];
  const index = normalized(page.text);
  for (const [kind, items] of Object.entries(page.extraction || {})) {
    if (!Array.isArray(items)) continue;
    for (const item of items) {
      if (item && typeof item.quote === 'string') {
        quotes.push({ kind, value: valueOf(item), quote: item.quote, at: locate(page.text, index, item.quote) });
      }
    }
  }
  return quotes;
}

/** The text with quotes in <mark> and low-confidence OCR words shaded, built from non-overlapping segments. */
function renderText(page, quotes, chosenQuote) {
  const marks = [];
  for (const quote of quotes.filter(q => q.at).sort((a, b) => a.at.start - b.at.start)) {
    const last = marks[marks.length - 1];
    if (last && quote.at.start < last.end) {
      last.end = Math.max(last.end, quote.at.end);
      last.titles.push(`${quote.kind}: ${quote.value}`);
      last.chosen = last.chosen || quote.quote === chosenQuote;
    } else {
      marks.push({ start: quote.at.start, end: quote.at.end, titles: [`${quote.kind}: ${quote.value}`],
                   chosen: quote.quote === chosenQuote });
    }
  }
  const low = (page.words || []).filter(word => word.confidence < page.lowConfidenceThreshold)
    .map(word => ({ start: word.offset, end: word.offset + word.content.length, word }));
  const cuts = new Set([0, page.text.length]);
  for (const range of [...marks, ...low]) {
    cuts.add(Math.max(0, Math.min(range.start, page.text.length)));
    cuts.add(Math.max(0, Math.min(range.end, page.text.length)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const container = el('div', { class: 'page-text', id: 'page-text', lang: 'en' });
  let openMark = null;
  let openRange = null;
  for (let i = 0; i + 1 < points.length; i++) {
    const [start, end] = [points[i], points[i + 1]];
    const mark = marks.find(range => range.start <= start && end <= range.end) || null;
    const word = low.find(range => range.start <= start && end <= range.end) || null;
    if (mark !== openRange) {
      openRange = mark;
      openMark = mark ? el('mark', { title: mark.titles.join('; '), tabindex: 0, class: mark.chosen ? 'chosen' : null })
        : null;
      if (openMark) container.append(openMark);
    }
    const piece = page.text.slice(start, end);
    const node = word
      ? el('span', { class: 'low', title: `OCR confidence ${Math.round(word.word.confidence * 100)}%`,
                     'data-confidence': word.word.confidence },
        piece, el('span', { class: 'visually-hidden' }, ` (OCR confidence ${Math.round(word.word.confidence * 100)}%)`))
      : document.createTextNode(piece);
    (openMark || container).append(node);
  }
  return container;
}

async function showPage(route) {
  const { matterId, documentId, pageNumber } = route;
  const page = await apiJson(`/v1/matters/${encodeURIComponent(matterId)}/documents/`
    + `${encodeURIComponent(documentId)}/pages/${pageNumber}`);
  const quotes = quotesOf(page);
  const text = renderText(page, quotes, route.quote);
  const missing = quotes.filter(quote => !quote.at);
  const lowCount = (page.words || []).filter(word => word.confidence < page.lowConfidenceThreshold).length;
  main.append(...[
    el('p', {}, el('a', { href: matterLink(matterId) }, '← Matter')),
    el('h1', {}, `${page.fileName} — page ${page.pageNumber} of ${page.pageCount}`),
    el('nav', { class: 'pager', 'aria-label': 'Pages' },
      page.pageNumber > 1 ? el('a', { href: pageLink(matterId, documentId, page.pageNumber - 1) }, 'Previous page')
        : null,
      page.pageNumber < page.pageCount
        ? el('a', { href: pageLink(matterId, documentId, page.pageNumber + 1) }, 'Next page') : null),
    el('p', { class: 'legend' },
      el('span', {}, el('mark', {}, 'quoted'), ` ${quotes.length - missing.length} quotes on this page`),
      page.words && page.words.length
        ? el('span', {}, el('span', { class: 'low' }, 'shaded'),
          ` ${lowCount} words below ${Math.round(page.lowConfidenceThreshold * 100)}% OCR confidence`)
        : null,
      page.extraction ? null : el('span', {}, 'Not read by the model yet.')),
    text,
    missing.length === 0 ? null : el('section', { 'aria-labelledby': 'missing-title' },
      el('h2', { id: 'missing-title' }, 'Quotes not found in the text'),
      el('ul', { id: 'missing-quotes' },
        missing.map(quote => el('li', {}, `${quote.kind}: ${quote.value} — “${quote.quote}”`))))
  ].filter(Boolean));
  const chosen = text.querySelector('mark.chosen');
  if (chosen) {
    chosen.scrollIntoView({ block: 'center' });
    chosen.focus({ preventScroll: true });
  }
}

show();
