// The Event, Incident and Problem Management Policy documents, as the API renders them from the
// running configuration (GET /v1/policies/<kind>): the same text, so the page cannot drift either.
import { apiKey } from './api.js';
import { renderMarkdown } from './markdown.js';

const KINDS = ['event', 'incident', 'problem'];

async function load(kind) {
  const section = document.getElementById(`policy-${kind}`);
  try {
    // The policies name key holders: reading them takes the key given on the dashboard in this tab.
    const key = apiKey();
    const response = await fetch(`/v1/policies/${kind}`, { headers: key ? { accept: 'text/markdown', authorization: `Bearer ${key}` } : { accept: 'text/markdown' } });
    if (response.status === 401) throw new Error('enter an API key on the dashboard first (a viewer\'s will do)');
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
