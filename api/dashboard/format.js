// Small DOM and text helpers. Text always goes in as text nodes: nothing is parsed as HTML.

/** `el('td', { className: 'x', dataset: { label: 'Age' } }, 'text', child)` */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name in node) node[name] = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  // Any depth: a row may nest optional parts (["· due by ", time]) inside its own list.
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** `3m`, `2h 05m`, `4d 3h`: how long ago, or how long until, a time. */
export function duration(ms) {
  const minutes = Math.max(0, Math.floor(Math.abs(ms) / 60000));
  if (minutes < 1) return `${Math.max(0, Math.floor(Math.abs(ms) / 1000))}s`;
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function age(iso, now = Date.now()) {
  return duration(now - Date.parse(iso));
}

/** A `<time>` element: local clock time to read, ISO in `datetime`, the full date on hover. */
export function timeEl(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return document.createTextNode(String(iso));
  const sameDay = date.toDateString() === new Date().toDateString();
  const text = sameDay ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : date.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
  return el('time', { dateTime: date.toISOString(), title: date.toString() }, text);
}

export function seconds(value) {
  return value === null || value === undefined ? '–' : duration(value * 1000);
}

/** Sets a panel's body to a single message paragraph (loading, not available, empty). */
export function message(container, text, className = 'muted') {
  container.replaceChildren(el('p', { className }, text));
}
