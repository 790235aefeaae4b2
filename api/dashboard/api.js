// The dashboard's only door to Vigil: the same HTTP API as curl, with the API key the user typed
// once, kept in sessionStorage (gone when the tab closes) and sent as a Bearer header on every
// request: reads need a key too (a viewer's will do), unless the operator made reads public.

const KEY_STORAGE = 'vigil.apiKey';

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}

/** Thrown for any answer other than 2xx; `message` is the API's own `error` text. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function answer(response) {
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/**
 * GET a JSON resource, revalidated with the server (ETag, 304) so an unchanged answer costs
 * headers only. With `optional`, a 404 (an endpoint this server does not have) is `undefined`.
 */
export async function getJson(path, { optional = false } = {}) {
  const key = apiKey();
  const headers = key ? { accept: 'application/json', authorization: `Bearer ${key}` } : { accept: 'application/json' };
  return readJson(fetch(path, { cache: 'no-cache', headers }), key, optional);
}

async function readJson(responding, key, optional) {
  const response = await responding;
  if (response.status === 401 && key && apiKey() === key) sessionStorage.removeItem(KEY_STORAGE);
  if (optional && response.status === 404) return undefined;
  return answer(response);
}

/**
 * GET `path` as getJson does, taking up the request index.html's first script made for it before
 * the modules loaded (decision 85) when there is one, made with the key still in use. That script
 * asks for a first page, then the page after it once the first's cursor is in: this waits until
 * it has asked for what it will. Each such request is taken once; a later call asks again.
 */
export async function earlyJson(path) {
  const early = window.vigilEarly;
  await early?.settled;
  const responding = early?.answers?.[path];
  if (responding) delete early.answers[path];
  const key = apiKey();
  if (!responding || !key || early.key !== key) return getJson(path);
  return readJson(responding, key, false);
}

/** A write: refused here, before any request, when no API key has been given. */
export async function send(method, path, body) {
  const key = apiKey();
  if (!key) throw new ApiError(401, { error: 'enter your API key first' });
  const response = await fetch(path, {
    method,
    cache: 'no-store',
    // Says the write came from the dashboard, for the timeline ("declared by carol (dashboard)").
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${key}`, 'x-vigil-client': 'dashboard' },
    body: JSON.stringify(body ?? {}),
  });
  if (response.status === 401) sessionStorage.removeItem(KEY_STORAGE);
  const result = await answer(response);
  return result;
}

export const post = (path, body) => send('POST', path, body);
export const put = (path, body) => send('PUT', path, body);

/**
 * Wires the key form in the page header: `form` holds `input[name=key]`; `status` tells whether a
 * key is set; `onChange` runs after it is set or forgotten.
 */
export function mountKeyForm(form, status, onChange = () => {}) {
  const input = form.elements.namedItem('key');
  const forget = form.querySelector('[data-forget]');
  const show = () => {
    const has = apiKey() !== '';
    status.textContent = has ? 'API key set for this tab.' : 'No API key: enter one to see and act on incidents.';
    forget.hidden = !has;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORAGE, key);
    input.value = '';
    show();
    onChange();
  });
  forget.addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORAGE);
    show();
    onChange();
    input.focus();
  });
  show();
  return { refresh: show, focus: () => input.focus() };
}

/** A function that writes one status line into `element`, in the error style when `isError`. */
export function noticeWriter(element) {
  return (text, isError = false) => {
    element.textContent = text;
    element.classList.toggle('error', isError);
  };
}

/** An API failure in words for the page, pointing at the key form when the key was refused. */
export function describeError(error) {
  if (error instanceof ApiError && error.status === 401) return `${error.message}: enter a valid API key above.`;
  return error.message;
}
