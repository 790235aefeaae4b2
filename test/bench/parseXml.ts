/**
 * A strict reader for the SVG the report writes: elements, double-quoted attributes, text and the
 * five XML entities, nothing else. It throws on anything not well formed (an unclosed or crossed
 * tag, a bare `&` or `<`, text outside the root), so a test that parses a chart checks it too.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&([a-z]+);|&/g, (match, name: string | undefined) => {
    if (!name || !(name in ENTITIES)) throw new Error(`bare or unknown entity at "${match}"`);
    return ENTITIES[name];
  });
}

export function parseXml(source: string): XmlElement {
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[A-Za-z][\w:-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (token.lastIndex < source.length) {
    const at = token.lastIndex;
    const match = token.exec(source);
    if (!match) throw new Error(`not well formed at offset ${at}: ${JSON.stringify(source.slice(at, at + 40))}`);
    const [, closing, name, attributeText, selfClosing, text] = match;
    if (text !== undefined) {
      if (stack.length === 0) {
        if (text.trim()) throw new Error(`text outside the root: ${JSON.stringify(text.slice(0, 40))}`);
        continue;
      }
      stack[stack.length - 1].text += decode(text);
      continue;
    }
    if (closing) {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    const attributes: Record<string, string> = {};
    for (const [, key, value] of attributeText.matchAll(/([A-Za-z][\w:-]*)="([^"]*)"/g)) {
      if (key in attributes) throw new Error(`attribute ${key} twice on <${name}>`);
      attributes[key] = decode(value);
    }
    const element: XmlElement = { name, attributes, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1].children.push(element);
    else if (root) throw new Error('a second root element');
    else root = element;
    if (!selfClosing) stack.push(element);
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> never closed`);
  if (!root) throw new Error('no element');
  return root;
}

/** Every element under `element` (itself included) named `name`. */
export function findAll(element: XmlElement, name: string): XmlElement[] {
  return [...(element.name === name ? [element] : []), ...element.children.flatMap((child) => findAll(child, name))];
}
