// The Event, Incident and Problem Management Policy documents, as the API renders them from the
// running configuration (GET /v1/policies/<kind>): the same text, so the page cannot drift either.
import { renderMarkdown } from './markdown.js';

const KINDS = ['event', 'incident', 'problem'];

async function load(kind) {
  const section = document.getElementById(`policy-${kind}`);
  try {
    const response = await fetch(`/v1/policies/${kind}`, { headers: { accept: 'text/markdown' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    section.replaceChildren(renderMarkdown(await response.text()));
  } catch (error) {
    const failure = document.createElement('p');
    failure.className = 'error';
    failure.textContent = `Could not load the ${kind} policy: ${error.message}`;
    section.replaceChildren(failure);
  }
}

await Promise.all(KINDS.map(load));
