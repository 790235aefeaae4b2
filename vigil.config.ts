/**
 * Demo configuration: `npm start` runs with it as it is. Copy and edit it for your own services,
 * or point VIGIL_CONFIG at another file. Secrets never go here: API keys, SMTP and Twilio
 * credentials come from the environment (see README.md).
 */
import { defineConfig } from './domain/defineConfig';

export default defineConfig({
  services: {
    checkout: {
      name: 'Checkout',
      escalationPolicy: 'checkout-oncall',
      runbooks: {
        // Runs for checkout alerts labelled check=http (see runbooks/httpHealthRestart.ts).
        'http-health-restart': {
          url: 'http://127.0.0.1:8080/healthz',
          restartCommand: ['systemctl', 'restart', 'checkout'],
          verifyAttempts: 3,
        },
      },
    },
    storage: {
      name: 'Storage nodes',
      escalationPolicy: 'default',
      // Disk alerts come and go: wait 2 minutes before acting, and close when the source says it is over.
      flapPause: '2m',
      autoResolve: true,
      runbooks: {
        'disk-cleanup': { path: '/', cleanupDirs: ['/tmp/vigil-demo-scratch'], olderThanDays: 7, targetUsedPercent: 90 },
      },
    },
  },
  defaultEscalationPolicy: 'default',
  contacts: {
    alice: { name: 'Alice Ops', email: 'alice@example.com', phone: '+15550100001' },
    bob: { name: 'Bob SRE', email: 'bob@example.com', phone: '+15550100002' },
    manager: { name: 'Operations Manager', email: 'ops-manager@example.com' },
  },
  escalationPolicies: {
    'checkout-oncall': {
      levels: [
        { notify: ['alice'], channels: ['sms', 'email'], timeout: '5m' },
        { notify: ['bob'], channels: ['sms', 'email'], timeout: '10m' },
        { notify: ['manager'], channels: ['email'], timeout: '15m' },
      ],
      repeat: 1,
    },
    default: {
      levels: [
        { notify: ['alice', 'bob'], channels: ['email'], timeout: '15m' },
        { notify: ['manager'], channels: ['email'], timeout: '30m' },
      ],
    },
  },
  // Each key's value is read from the named environment variable; `npm start` makes these for the demo.
  // A key's role decides which writes it may make (docs/roles.md); without one it is a responder.
  apiKeys: [
    { user: 'demo-responder', env: 'VIGIL_API_KEY' },
    { user: 'demo-ops-manager', env: 'VIGIL_OPS_API_KEY', role: 'operations-manager' },
    { user: 'demo-problem-manager', env: 'VIGIL_PROBLEM_API_KEY', role: 'problem-manager' },
  ],
  // What pages and what is only recorded (GET /v1/events); see docs/event-management.md.
  eventPolicy: {
    rules: [
      { name: 'info-is-an-event', match: { severity: 'info' }, action: 'event' },
      { name: 'recurring-warnings', match: { severity: 'warning' }, action: 'event', promote: { count: 3, within: '30m', persistsFor: '1h' } },
    ],
  },
  // A public page for stakeholders at /status/shop: only what responders publish as updates (docs/dashboard.md).
  statusPages: [{ id: 'shop', title: 'Shop status', services: ['checkout', 'storage'] }],
});
