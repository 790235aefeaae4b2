// Renders the Markdown Vigil itself writes (policy documents, reviews) into DOM nodes: headings,
// paragraphs, bullet lists, tables, and inline `code`, **bold** and _italic_. Text only ever goes
// in through textContent, so nothing in a document can become markup or script.

function unescape(text) {
  return text.replace(/\\([\\`*_[\]|<>#])/g, '$1');
}

/** Inline spans of one line: `code`, **bold**, _italic_; everything else is plain text. */
function appendInline(parent, line) {
  const pattern = /`([^`]+)`|\*\*((?:\\.|[^*])+)\*\*|(?<![\w\\])_((?:\\.|[^_])+)_(?!\w)/g;
  let last = 0;
  for (const match of line.matchAll(pattern)) {
    if (match.index > last) parent.append(unescape(line.slice(last, match.index)));
    const [tag, text] = match[1] !== undefined ? ['code', match[1]] : match[2] !== undefined ? ['strong', unescape(match[2])] : ['em', unescape(match[3])];
    const node = document.createElement(tag);
    node.textContent = text;
    parent.append(node);
    last = match.index + match[0].length;
  }
  if (last < line.length) parent.append(unescape(line.slice(last)));
}

/** Table cells of `| a | b |`, honouring `\|` inside a cell. */
function cells(line) {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim());
}

/** @returns a DocumentFragment for `markdown`. */
export function renderMarkdown(markdown) {
  const fragment = document.createDocumentFragment();
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; ) {
    const line = lines[index];
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      const node = document.createElement(`h${Math.min(heading[1].length + 1, 5)}`);
      appendInline(node, heading[2]);
      fragment.append(node);
      index += 1;
    } else if (/^\s*- /.test(line)) {
      const list = document.createElement('ul');
      for (; index < lines.length && /^\s*- /.test(lines[index]); index += 1) {
        const item = document.createElement('li');
        appendInline(item, lines[index].replace(/^\s*- /, ''));
        list.append(item);
      }
      fragment.append(list);
    } else if (/^\|.*\|\s*$/.test(line)) {
      const wrap = document.createElement('div');
      wrap.className = 'table-wrap';
      const table = document.createElement('table');
      const rows = [];
      for (; index < lines.length && /^\|.*\|\s*$/.test(lines[index]); index += 1) rows.push(lines[index]);
      const [header, , ...body] = rows;
      const head = table.createTHead().insertRow();
      for (const text of cells(header)) {
        const th = document.createElement('th');
        th.scope = 'col';
        appendInline(th, text);
        head.append(th);
      }
      const tbody = table.createTBody();
      for (const row of body) {
        const tr = tbody.insertRow();
        for (const text of cells(row)) appendInline(tr.insertCell(), text);
      }
      wrap.append(table);
      fragment.append(wrap);
    } else if (line.trim() === '') {
      index += 1;
    } else {
      const paragraph = document.createElement('p');
      for (; index < lines.length && lines[index].trim() !== '' && !/^(#{1,4}\s|\s*- |\|)/.test(lines[index]); index += 1) {
        if (paragraph.childNodes.length > 0) paragraph.append(' ');
        appendInline(paragraph, lines[index]);
      }
      fragment.append(paragraph);
    }
  }
  return fragment;
}
