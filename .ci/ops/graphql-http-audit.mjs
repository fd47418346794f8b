// Runs the graphql-http audit suite (the GraphQL-over-HTTP specification's) against a server:
// node graphql-http-audit.mjs URL [TOKEN]. Prints each audit that is not ok and the summary
// line; exits 1 on any error, warning or notice.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.NODE_PATH, 'noop.js'));
const { serverAudits } = require('graphql-http');

const [url, token] = process.argv.slice(2);
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const audits = serverAudits({ url, fetchFn });
for (const audit of audits) {
  const result = await audit.fn();
  counts[result.status]++;
  if (result.status !== 'ok') {
    console.log(`${result.status.toUpperCase()} ${audit.id} ${audit.name}: ${result.reason}`);
    if (result.response) {
      const body = await result.response.text().catch(() => '');
      console.log(`    got ${result.response.status} ${result.response.headers.get('content-type')}: ${body.slice(0, 300)}`);
    }
  }
}
console.log(`${audits.length} audits: ${counts.ok} ok, ${counts.warn} warnings, ${counts.error} errors, ${counts.notice} notices`);
process.exit(counts.error + counts.warn + counts.notice > 0 ? 1 : 0);
