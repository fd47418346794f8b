// The graphql-transport-ws protocol, checked with the graphql-ws client library and raw
// WebSockets: node graphql-ws-protocol.mjs HTTP_URL ADMIN_TOKEN. The server must run with a short
// MPTF_WS_INIT_TIMEOUT_SECS (the 4408 check waits for it).
import { createRequire } from 'node:module';
import path from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(path.join(process.env.NODE_PATH, 'noop.js'));
const { createClient } = require('graphql-ws');
const WebSocket = require('ws');

const [httpUrl, token] = process.argv.slice(2);
const wsUrl = httpUrl.replace(/^http/, 'ws') + '/graphql';
let passed = 0;
let failed = 0;

async function check(name, fn) {
  const started = Date.now();
  try {
    await withTimeout(fn(), 15000, name);
    passed++;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}: ${error.stack || error}`);
  }
}

function withTimeout(promise, ms, name) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${name}: timed out`)), ms); }),
  ]);
}

async function graphql(query, variables) {
  const response = await fetch(`${httpUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body));
  return body.data;
}

// A raw connection: resolves with the close code and the messages received before it.
function raw(script) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    const messages = [];
    socket.on('open', () => script(socket, messages));
    socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString(), messages }));
    socket.on('error', reject);
  });
}
const send = (socket, message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message));
const waitFor = (messages, type) => new Promise((resolve) => {
  const poll = () => (messages.some((m) => m.type === type) ? resolve() : setTimeout(poll, 10));
  poll();
});
const CONTRIBUTION_EVENTS = 'subscription { portfolioEvents(kinds: [CONTRIBUTION]) { kind subject summary } }';

await check('graphql-ws client: subscribe, receive an event, complete', async () => {
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
  });
  const connected = new Promise((resolve) => client.on('connected', resolve));
  const subscription = client.iterate({ query: CONTRIBUTION_EVENTS });
  await connected;
  // Let the subscribe message reach the server before the event happens.
  const first = subscription.next();
  await new Promise((resolve) => setTimeout(resolve, 300));
  const stamp = Date.now();
  const donor = await graphql(
    'mutation($input: CreateDonorInput!) { createDonor(input: $input) { donor { id } userErrors { message } } }',
    { input: { name: `Protocol check ${stamp}`, kind: 'MEMBER_STATE', country: 'DEU' } },
  );
  await graphql(
    'mutation($input: RecordContributionInput!) { recordContribution(input: $input) { contribution { id } userErrors { message } } }',
    { input: {
      donor: donor.createDonor.donor.id, reference: `WS-${stamp}`,
      pledged: { amount: '1000.00', currency: 'USD' }, usdExchangeRate: '1',
      pledgedOn: '2021-01-10', signedOn: '2021-02-01', earmarking: 'UNEARMARKED',
      idempotencyKey: `ws-${stamp}`,
    } },
  );
  const { value, done } = await first;
  assert.equal(done, false);
  assert.equal(value.errors, undefined, JSON.stringify(value));
  assert.equal(value.data.portfolioEvents.kind, 'CONTRIBUTION');
  // Completing from the client side (return) sends `complete`; the connection stays usable.
  await subscription.return();
  const result = await new Promise((resolve, reject) => {
    let data;
    client.subscribe({ query: '{ thematicAreas { number } }' }, {
      next: (r) => { data = r; },
      error: reject,
      complete: () => resolve(data),
    });
  });
  assert.equal(result.data.thematicAreas.length, 5);
  // A request the schema refuses is answered with an `error` message.
  const refused = await new Promise((resolve) => {
    client.subscribe({ query: 'subscription { noSuchField }' }, {
      next: () => resolve(null),
      error: resolve,
      complete: () => resolve(null),
    });
  });
  assert.ok(Array.isArray(refused) && refused.length > 0, `expected GraphQL errors, got ${JSON.stringify(refused)}`);
  await client.dispose();
});

await check('4400: a message that is not JSON', async () => {
  const { code } = await raw((socket) => { send(socket, { type: 'connection_init' }); send(socket, 'not json'); });
  assert.equal(code, 4400);
});

await check('4400: an unknown message type', async () => {
  const { code } = await raw((socket) => send(socket, { type: 'hello' }));
  assert.equal(code, 4400);
});

await check('4401: subscribe before connection_ack', async () => {
  const { code } = await raw((socket) => send(socket, { id: '1', type: 'subscribe', payload: { query: CONTRIBUTION_EVENTS } }));
  assert.equal(code, 4401);
});

await check('4403: an invalid token in connection_init', async () => {
  const { code, messages } = await raw((socket) => send(socket, { type: 'connection_init', payload: { Authorization: 'Bearer not-a-token' } }));
  assert.equal(code, 4403);
  assert.ok(!messages.some((m) => m.type === 'connection_ack'));
});

await check('4409: two subscriptions with one id', async () => {
  const { code } = await raw(async (socket, messages) => {
    send(socket, { type: 'connection_init', payload: { Authorization: `Bearer ${token}` } });
    await waitFor(messages, 'connection_ack');
    send(socket, { id: 'same', type: 'subscribe', payload: { query: CONTRIBUTION_EVENTS } });
    send(socket, { id: 'same', type: 'subscribe', payload: { query: CONTRIBUTION_EVENTS } });
  });
  assert.equal(code, 4409);
});

await check('4429: a second connection_init', async () => {
  const { code } = await raw(async (socket, messages) => {
    send(socket, { type: 'connection_init' });
    await waitFor(messages, 'connection_ack');
    send(socket, { type: 'connection_init' });
  });
  assert.equal(code, 4429);
});

await check('4408: no connection_init in time', async () => {
  const started = Date.now();
  const { code } = await raw(() => {});
  assert.equal(code, 4408);
  assert.ok(Date.now() - started < 10000);
});

await check('ping is answered with pong', async () => {
  const { messages } = await raw(async (socket, messages) => {
    send(socket, { type: 'connection_init' });
    await waitFor(messages, 'connection_ack');
    send(socket, { type: 'ping' });
    await waitFor(messages, 'pong');
    socket.close(1000);
  });
  assert.ok(messages.some((m) => m.type === 'pong'));
});

console.log(`graphql-ws protocol: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
