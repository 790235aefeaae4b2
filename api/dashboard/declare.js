// "Declare an incident" (#15.5): the form posts POST /v1/incidents with the user's key and opens
// the new incident's page. Services and contacts come from the dashboard context.

import { describeError, getJson, post } from './api.js';
import { el } from './format.js';

/** Fills the choices when the form is opened (reads may need the key, given after the page loaded). */
async function fillChoices(form) {
  const context = await getJson('/v1/dashboard/context');
  const services = Object.entries(context?.services ?? {});
  form.querySelector('#declare-service').replaceChildren(...services.map(([id, name]) => el('option', { value: id }, name === id ? id : `${name} (${id})`)));
  const contacts = Object.entries(context?.contacts ?? {}).map(([id, name]) => el('option', { value: id }, name));
  form.querySelector('#declare-commander').replaceChildren(el('option', { value: '' }, 'nobody yet'), ...contacts);
}

export function mountDeclareForm(say) {
  const form = document.querySelector('#declare-form');
  const details = form.closest('details');
  details.addEventListener('toggle', () => {
    if (details.open) fillChoices(form).catch((error) => say(`Could not load the services: ${describeError(error)}`, true));
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const commander = String(data.get('commander') ?? '');
    const body = {
      service: String(data.get('service') ?? ''),
      severity: String(data.get('severity') ?? ''),
      summary: String(data.get('summary') ?? '').trim(),
      page: data.get('page') === 'on',
      ...(commander ? { commander } : {}),
    };
    try {
      const answer = await post('/v1/incidents', body);
      if (!answer?.incidentId) {
        say('Declared: Vigil is catching up with Temporal, the incident opens in a moment.');
        form.reset();
        return;
      }
      location.assign(`/dashboard/incidents/${encodeURIComponent(answer.incidentId)}`);
    } catch (error) {
      say(`Could not declare the incident: ${describeError(error)}`, true);
    }
  });
}
