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
  const response = await fetch(path, { cache: 'no-cache', headers });
  if (response.status === 401 && key) sessionStorage.removeItem(KEY_STORAGE);
  if (optional && response.status === 404) return undefined;
  return answer(response);
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
