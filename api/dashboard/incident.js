// One incident: facts, actions, status updates, runbook results, pages sent, timeline, and the
// workflow in the Temporal UI. Polls while open.
import { ApiError, apiKey, describeError, getJson, mountKeyForm, noticeWriter, post, put } from './api.js';
import { age, el, timeEl } from './format.js';

const POLL_MS = 5_000;
const id = decodeURIComponent(location.pathname.split('/').pop() ?? '');
const $ = (selector) => document.querySelector(selector);
const notice = $('#notice');
// A key given or forgotten changes what may be read: read again at once.
const keyForm = mountKeyForm($('#key-form'), $('#key-status'), () => void poll());
let view;
let context;

const say = noticeWriter(notice);

function table(caption, headers, rows) {
  return el(
    'table',
    {},
    el('caption', { className: 'visually-hidden' }, caption),
    el('thead', {}, el('tr', {}, headers.map((header) => el('th', { scope: 'col' }, header)))),
    el('tbody', {}, rows.map((cells) => el('tr', {}, cells.map((cell) => el('td', {}, cell))))),
  );
}

function empty(text) {
  return el('p', { className: 'muted' }, text);
}

/** The run id is the part of the incident id after its last dot (see domain/incidentId.ts). */
function temporalUrl() {
  if (!context || !view) return undefined;
  const runId = view.id.slice(view.id.lastIndexOf('.') + 1);
  const { url, namespace } = context.temporalUi;
  return `${url}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(view.workflowId)}/${encodeURIComponent(runId)}/history`;
}

/** A link from an alert, only when http(s) (the API checks too): never javascript: or data:. */
function safeAnchor(link) {
  if (typeof link?.url !== 'string' || !/^https?:\/\//i.test(link.url)) return undefined;
  return el('a', { href: link.url, rel: 'noopener noreferrer nofollow', target: '_blank' }, String(link.label ?? 'Link'));
}

/** Each alert of the incident with the links and details its sender gave (text only, never HTML). */
function alertList() {
  const alerts = view.alerts ?? [];
  if (alerts.length === 0) return empty('No alert listed.');
  return el(
    'ul',
    { className: 'list alerts' },
    alerts.map((alert) => {
      const anchors = (alert.context?.links ?? []).map(safeAnchor).filter(Boolean);
      const fields = alert.context?.fields ?? [];
      return el(
        'li',
        {},
        el('span', { className: `badge sev-${alert.severity}` }, alert.severity),
        ` ${alert.summary} `,
        el('span', { className: 'muted' }, `(${alert.status}, ${alert.count}×, last `, timeEl(alert.lastAt), ')'),
        anchors.length ? el('p', { className: 'alert-links' }, anchors.flatMap((anchor, index) => (index ? [' · ', anchor] : [anchor]))) : '',
        fields.length ? el('dl', { className: 'alert-fields' }, fields.flatMap((field) => [el('dt', {}, field.name), el('dd', {}, el('span', { className: 'pre' }, field.value))])) : '',
      );
    }),
    view.alertsUnlisted ? el('li', { className: 'muted' }, `${view.alertsUnlisted} more alerts not listed`) : '',
  );
}

/** The incident's chat room (#16): a link when the platform gave one (http(s) only), else where it is. */
function chatRoomFact(room) {
  const where = `${room.platform}${room.archived ? ' (archived)' : ''}`;
  const anchor = safeAnchor({ url: room.url, label: `Open the room in ${where}` });
  return anchor ?? `${where}: ${room.channelId}`;
}

function render(digest) {
  document.title = `${view.code} ${view.service}: ${view.summary} · Vigil`;
  $('#title').textContent = `${view.code} · ${view.service}: ${view.summary}`;
  const fact = (term, ...value) => [el('dt', {}, term), el('dd', {}, ...value)];
  const latestUpdate = view.updates?.[view.updates.length - 1];
  $('#facts').replaceChildren(
    ...fact('Status', el('span', { className: `status ${view.status}` }, view.status)),
    ...fact('Severity', el('span', { className: `badge sev-${view.severity}` }, view.severity)),
    ...fact('Service', context?.services?.[view.service] ?? view.service),
    ...fact('Opened', timeEl(view.createdAt), ` (${age(view.createdAt)} ago)`),
    ...fact('Alerts', `${view.alertCount} received, the last `, timeEl(view.lastAlertAt)),
    ...fact('Escalation', view.escalation.level ? `level ${view.escalation.level}${view.escalation.exhausted ? ', policy exhausted' : ''}` : 'not paged yet', view.escalation.nextLevelAt ? [', next level at ', timeEl(view.escalation.nextLevelAt)] : ''),
    ...fact('Held by', digest?.heldBy?.length ? digest.heldBy.join(', ') : '–'),
    ...(view.declaredBy ? fact('Declared', `by ${view.declaredBy}`) : []),
    ...fact('Commander', view.roles?.commander?.name ?? '–'),
    ...fact('Communications lead', view.roles?.communicationsLead?.name ?? '–'),
    ...fact('Scribe', view.roles?.scribe?.name ?? '–'),
    ...fact('Responders', view.roles?.responders?.map((holder) => holder.name).join(', ') || '–'),
    ...(view.acknowledgedBy ? fact('Acknowledged', `by ${view.acknowledgedBy} `, timeEl(view.acknowledgedAt)) : []),
    ...(view.resolvedBy ? fact('Resolved', `by ${view.resolvedBy} `, timeEl(view.resolvedAt)) : []),
    ...fact('ETA', digest?.eta ? timeEl(digest.eta) : '–'),
    ...fact('Under way', digest?.action?.text ?? '–'),
    ...fact('To escalate', digest?.escalateTo ? `${digest.escalateTo.label}: ${digest.escalateTo.names.join(', ') || 'nobody on call'}` : '–'),
    ...(digest?.chatRoom ? fact('Chat room', chatRoomFact(digest.chatRoom)) : []),
    ...fact('Latest update', latestUpdate ? `${latestUpdate.text} (${latestUpdate.by})` : '–'),
    ...(Object.keys(view.labels ?? {}).length ? fact('Labels', Object.entries(view.labels).map(([key, value]) => `${key}=${value}`).join(', ')) : []),
  );
  const link = $('#temporal-link');
  const url = temporalUrl();
  link.hidden = !url;
  if (url) link.href = url;

  const open = view.status !== 'resolved';
  $('#ack').hidden = view.status !== 'triggered';
  $('#escalate').hidden = !open;
  for (const form of ['#resolve-form', '#update-form', '#roles-form']) $(form).closest('details').hidden = !open;
  fillRoleChoices();

  $('#updates').replaceChildren(
    view.updates?.length
      ? el('ul', { className: 'list' }, [...view.updates].reverse().map((update) => el('li', {}, timeEl(update.at), ` ${update.by}: ${update.text}`, update.eta ? [' · ETA ', timeEl(update.eta)] : '')))
      : empty('No status update yet.'),
  );
  $('#alerts').replaceChildren(alertList());
  $('#runbook').replaceChildren(
    view.runbook
      ? el('div', {}, el('p', {}, `Runbook ${view.runbook.id}`), view.runbook.steps.length ? table('Runbook steps', ['Step', 'Result', 'Summary', 'At'], view.runbook.steps.map((step) => [step.step, step.ok ? 'ok' : 'failed', step.summary, timeEl(step.at)])) : empty('No step finished yet.'))
      : empty('No runbook matched this incident.'),
  );
  $('#pages').replaceChildren(
    view.paged.length
      ? table('Pages sent', ['To', 'Channel', 'Level', 'At', 'Outcome'], view.paged.map((page) => [page.name, page.channel, `${page.level}${page.cycle ? ` (repeat ${page.cycle})` : ''}`, timeEl(page.at), page.outcome]))
      : empty('Nobody was paged.'),
  );
  $('#timeline').replaceChildren(
    el(
      'ol',
      { className: 'timeline' },
      view.timelineTruncated ? el('li', { className: 'muted' }, `${view.timelineTruncated} older entries not kept`) : '',
      view.timeline.map((entry) => el('li', {}, timeEl(entry.at), ' ', el('span', { className: 'kind' }, entry.kind), entry.text)),
    ),
  );
}

async function load() {
  context ??= await getJson('/v1/dashboard/context').catch(() => undefined);
  try {
    view = await getJson(`/v1/incidents/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      $('#title').textContent = 'No such incident';
      return false;
    }
    throw error;
  }
  const digest = (await getJson(`/v1/dashboard/incidents?ids=${encodeURIComponent(id)}`).catch(() => undefined))?.incidents?.[0];
  render(digest);
  return true;
}

/** The roles form's choices (contacts from the context), showing who holds each role now; left alone while the user edits it. */
function fillRoleChoices() {
  const form = $('#roles-form');
  if (form.contains(document.activeElement)) return;
  const contacts = Object.entries(context?.contacts ?? {});
  const option = (id, name, selected) => el('option', { value: id, selected }, name);
  for (const select of form.querySelectorAll('select[data-role]')) {
    const held = view.roles?.[select.name]?.id ?? '';
    select.replaceChildren(option('', 'nobody', held === ''), ...contacts.map(([contactId, name]) => option(contactId, name, contactId === held)));
  }
  const responders = new Set((view.roles?.responders ?? []).map((holder) => holder.id));
  $('#role-responders').replaceChildren(...contacts.map(([contactId, name]) => option(contactId, name, responders.has(contactId))));
}

async function act(what, path, body, done, method = post) {
  if (!apiKey()) {
    say(`Enter your API key to ${what}.`, true);
    keyForm.focus();
    return false;
  }
  try {
    const answer = await method(path, body);
    // A losing ack is answered 200 with the flag: say who holds it rather than claim it.
    say(answer?.alreadyAcknowledged ? `Already acknowledged by ${answer.acknowledgedBy} at ${new Date(answer.acknowledgedAt).toLocaleString()}.` : done);
    await load();
    return true;
  } catch (error) {
    say(`Could not ${what}: ${describeError(error)}`, true);
    keyForm.refresh();
    return false;
  }
}

const base = `/v1/incidents/${encodeURIComponent(id)}`;
$('#ack').addEventListener('click', () => void act('acknowledge', `${base}/ack`, {}, 'Acknowledged: escalation stopped.').then((ok) => ok && $('#escalate').focus()));
$('#escalate').addEventListener('click', () => void act('escalate', `${base}/escalate`, {}, 'Escalated: the next level is being paged.'));
$('#resolve-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const note = String(new FormData(event.target).get('note') ?? '').trim();
  void act('resolve', `${base}/resolve`, note ? { note } : {}, 'Resolved.');
});
$('#update-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const data = new FormData(form);
  const eta = String(data.get('eta') ?? '');
  const body = { text: String(data.get('text') ?? '').trim(), ...(eta ? { eta: new Date(eta).toISOString() } : {}) };
  if (await act('post the update', `${base}/updates`, body, 'Update posted and sent to stakeholders.')) form.reset();
});
$('#roles-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(event.target);
  const body = { responders: data.getAll('responders').map(String) };
  for (const role of ['commander', 'communicationsLead', 'scribe']) body[role] = String(data.get(role) ?? '') || null;
  document.activeElement?.blur();
  void act('assign roles', `${base}/roles`, body, 'Roles saved.', put);
});
$('#problem-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const data = new FormData(form);
  const workaround = String(data.get('workaround') ?? '').trim();
  const body = { title: String(data.get('title') ?? '').trim(), incidentIds: [id], ...(workaround ? { workaround } : {}) };
  if (await act('open the problem', '/v1/problems', body, 'Problem opened, this incident linked to it.')) form.reset();
});

let timer;
async function poll() {
  clearTimeout(timer);
  let open = true;
  try {
    const found = await load();
    open = found && view.status !== 'resolved';
    $('#connection').hidden = true;
  } catch (error) {
    const box = $('#connection');
    box.hidden = false;
    const needsKey = error instanceof ApiError && (error.status === 401 || error.status === 403);
    box.textContent = needsKey ? `${describeError(error)} Reads need an API key (a viewer's will do).` : `Cannot reach Vigil: ${error.message}. Retrying.`;
  }
  // A resolved incident changes little: look again now and then (its review may be filled in).
  timer = setTimeout(poll, open ? POLL_MS : POLL_MS * 12);
}
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void poll();
});
void poll();
