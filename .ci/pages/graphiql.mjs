// GraphiQL offline, in headless Chromium: node .ci/pages/graphiql.mjs SERVER_URL
// The page must load with nothing from another host and no console error, open with the example
// tabs, run a query typed into its editor and show the API's answer in the result pane; its
// settings dialog must open within the page's Content-Security-Policy, and a WebSocket for
// subscriptions to the same host must be allowed. Screenshot: target/screenshots/graphiql.png.
import assert from 'node:assert/strict';
import { openBrowser, graphql } from './browser.mjs';

const [serverUrl] = process.argv.slice(2);
const EXAMPLE_TABS = [
  'PublicFigures',
  'SignIn',
  'DonorStatement',
  'CommitteePipeline',
  'OrganizationConceptNotes',
  'Programmes',
  'RecordDeposit',
];
// Typed key by key: GraphiQL closes brackets itself and steps over a typed `}`, so the editor
// ends up holding exactly this text (checked below).
const TYPED = '{ portfolio { totals { depositedUsd netDepositedUsd approvedUsd transferredUsd } } thematicAreas { number name } }';

const session = await openBrowser(serverUrl);
let page;
try {
  page = await session.newPage();
  page.setDefaultTimeout(20000);
  await page.goto(new URL('/', serverUrl).href, { waitUntil: 'networkidle' });

  // The example operations, one tab each, named by their operations.
  await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror');
  await page.waitForFunction((n) => document.querySelectorAll('.graphiql-tab').length === n, EXAMPLE_TABS.length);
  const titles = await page.$$eval('.graphiql-tab .graphiql-tab-button', (tabs) => tabs.map((t) => t.textContent.trim()));
  assert.deepEqual(titles, EXAMPLE_TABS, 'the example tabs');

  // A new tab; the query typed into its editor; run with the play button.
  await page.click('.graphiql-tab-add');
  await page.waitForFunction((n) => document.querySelectorAll('.graphiql-tab').length === n, EXAMPLE_TABS.length + 1);
  const editor = '.graphiql-query-editor .CodeMirror';
  await page.click(editor);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(TYPED);
  await page.keyboard.press('Escape'); // closes the autocompletion list, if open
  const typed = await page.$eval(editor, (element) => element.CodeMirror.getValue());
  assert.equal(typed, TYPED, 'the editor holds the typed query');
  await page.click('button[aria-label="Prettify query (Shift-Ctrl-P)"]');
  await page.waitForFunction((sel) => document.querySelector(sel).CodeMirror.lineCount() > 5, editor);
  // GraphiQL settles which operation the editor holds a moment after the last keystroke (a
  // debounced parse); a click within it would run with the previous tab's operation name.
  await page.waitForTimeout(750);
  await page.click('.graphiql-execute-button');

  // The result pane shows the API's own answer.
  const expected = await graphql(serverUrl, TYPED);
  assert.ok(expected.thematicAreas.length === 5, 'the API answers with the five thematic areas');
  const result = '.result-window .CodeMirror';
  await page.waitForFunction(
    ([selector, figure]) => document.querySelector(selector)?.CodeMirror.getValue().includes(figure),
    [result, expected.portfolio.totals.depositedUsd]
  );
  const shown = JSON.parse(await page.$eval(result, (element) => element.CodeMirror.getValue()));
  assert.equal(shown.errors, undefined, 'no errors in the result pane');
  assert.deepEqual(shown.data, expected, 'the result pane shows the API answer');
  const visible = await page.$eval('.result-window', (element) => element.innerText);
  for (const figure of [expected.portfolio.totals.depositedUsd, expected.thematicAreas[0].name]) {
    assert.ok(visible.includes(figure), `the result pane shows ${figure}`);
  }
  console.log(`ok   GraphiQL ran the typed query: depositedUsd ${expected.portfolio.totals.depositedUsd}`);

  // Dialogs inject their own styles on opening: they must keep within style-src.
  await page.click('button[aria-label="Open settings dialog"]');
  await page.waitForSelector('[role="dialog"]');
  await page.keyboard.press('Escape');
  await page.waitForSelector('[role="dialog"]', { state: 'detached' });

  // Subscriptions: a WebSocket to /graphql on the same host passes the policy's connect-src.
  const socket = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const url = new URL('/graphql', window.location.href);
        url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
        let violation = null;
        document.addEventListener('securitypolicyviolation', (e) => (violation = e.violatedDirective));
        const ws = new WebSocket(url, 'graphql-transport-ws');
        ws.onopen = () => {
          ws.close();
          resolve({ opened: true, violation });
        };
        ws.onerror = () => resolve({ opened: false, violation });
      })
  );
  assert.deepEqual(socket, { opened: true, violation: null }, 'a same-host WebSocket');
  console.log('ok   settings dialog and a same-host WebSocket within the policy');

  await session.screenshot(page, 'graphiql');
} catch (error) {
  if (page) await session.screenshot(page, 'graphiql-failed').catch((e) => console.log(`no screenshot: ${e.message}`));
  throw error;
} finally {
  await session.close();
}
console.log('ok   GraphiQL offline');
