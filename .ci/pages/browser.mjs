// Headless Chromium for the page checks, with no route to anything but the server under test:
// other host names do not resolve, every request to another origin is blocked, and each such
// request, failed request, error response, console error, uncaught exception or
// Content-Security-Policy violation is recorded as a problem. A check fails when any is left.
//
//   const session = await openBrowser(serverUrl);
//   const page = await session.newPage();
//   ... drive the page ...
//   await session.screenshot(page, 'name');   // target/screenshots/name.png
//   await session.close();                    // throws when a problem was recorded
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(path.join(process.env.NODE_PATH, 'noop.js'));
const { chromium } = require('playwright-core');

export const SCREENSHOTS = process.env.MPTF_SCREENSHOTS || 'target/screenshots';

export async function openBrowser(serverUrl) {
  const server = new URL(serverUrl);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE ${server.hostname}`,
      // No calls home (component updates, safe browsing, field trials) during the check.
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  const context = await browser.newContext({
    viewport: { width: 1400, height: 860 },
    serviceWorkers: 'block',
  });
  const problems = [];
  const requests = [];
  const sameOrigin = (url) => {
    try {
      const parsed = new URL(url);
      if (parsed.protocol === 'data:' || parsed.protocol === 'blob:') return true;
      return parsed.host === server.host;
    } catch {
      return false;
    }
  };
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (sameOrigin(url)) return route.continue();
    problems.push(`a request to another host: ${url}`);
    return route.abort('blockedbyclient');
  });
  // Violations reach the console too; this names the directive.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });

  async function newPage() {
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error on ${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught exception on ${page.url()}: ${error.message}`));
    page.on('requestfailed', (request) => {
      problems.push(`a failed request: ${request.url()} (${request.failure()?.errorText})`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
    });
    page.on('websocket', (socket) => {
      if (!sameOrigin(socket.url().replace(/^ws/, 'http'))) {
        problems.push(`a WebSocket to another host: ${socket.url()}`);
      }
    });
    return page;
  }

  async function screenshot(page, name) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path: file });
    console.log(`screenshot: ${file}`);
  }

  async function close() {
    await browser.close();
    const outside = requests.filter((url) => !sameOrigin(url));
    console.log(`${requests.length} requests, ${outside.length} to other hosts`);
    if (problems.length) {
      throw new Error(`the browser recorded ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    }
  }

  return { browser, context, newPage, screenshot, close, problems, requests };
}

// A GraphQL request from the check itself (not the browser), for the figures a page must show.
export async function graphql(serverUrl, query, token) {
  const response = await fetch(new URL('/graphql', serverUrl), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(`${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}
