// The dashboard in headless Chromium: node .ci/pages/dashboard.mjs SERVER_URL
// Anonymous, then signed in through the form as the steering committee and as a donor, it opens
// every page on the demo portfolio; each must load with nothing from another host and no console
// error, and show its figures: the numbers in the DOM (`data[data-figure]`, shown grouped) must be
// the API's answer for the same caller. Screenshots: target/screenshots/dashboard*.png.
import assert from 'node:assert/strict';
import { openBrowser, graphql } from './browser.mjs';

const [serverUrl] = process.argv.slice(2);
const url = (path) => new URL(path, serverUrl).href;
const PASSWORD = 'migration-mptf-demo';

async function tokenOf(email) {
  const data = await graphql(
    serverUrl,
    `mutation { login(input: {email: "${email}", password: "${PASSWORD}"}) { token } }`
  );
  assert.ok(data.login.token, `the API signs ${email} in`);
  return data.login.token;
}

// The figure a page shows under `name`: its exact value, and the text shown for it.
async function figure(page, name) {
  const found = await page.$$eval(`data[data-figure="${name}"]`, (els) =>
    els.map((e) => ({ value: e.getAttribute('value'), text: e.textContent.trim() }))
  );
  assert.ok(found.length > 0, `${page.url()} shows ${name}`);
  for (const f of found) {
    assert.equal(f.text.replace(/,/g, ''), f.value, `${name} is shown as its exact value`);
  }
  return found[0].value;
}

async function expectFigures(page, expected) {
  for (const [name, value] of Object.entries(expected)) {
    assert.equal(await figure(page, name), value, `${page.url()}: ${name}`);
  }
}

async function open(page, path) {
  const response = await page.goto(url(path), { waitUntil: 'load' });
  assert.equal(response.status(), 200, `${path} answers 200`);
  const charts = await page.$$eval('svg.chart', (svgs) =>
    svgs.map((s) => ({
      role: s.getAttribute('role'),
      title: s.querySelector('title')?.textContent,
      table: !!s.parentElement.querySelector('table'),
    }))
  );
  for (const chart of charts) {
    assert.equal(chart.role, 'img', `${path}: a chart is an image to assistive technology`);
    assert.ok(chart.title, `${path}: a chart has its title`);
    assert.ok(chart.table, `${path}: a chart has its figures in a table beside it`);
  }
  return charts.length;
}

async function signIn(page, email) {
  await open(page, '/dashboard/login');
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL(url('/dashboard')), page.click('form.signin button[type=submit]')]);
  const who = await page.textContent('header .who');
  assert.ok(who.includes('Signed in'), `${email} is signed in`);
}

async function signOut(page) {
  await Promise.all([page.waitForURL(url('/dashboard')), page.click('header .who button')]);
  assert.ok((await page.textContent('header .who')).includes('Sign in'), 'signed out');
}

const session = await openBrowser(serverUrl);
let page;
try {
  page = await session.newPage();
  page.setDefaultTimeout(20000);

  // Anonymous: the public totals, the API's.
  await open(page, '/dashboard');
  const publicTotals = (await graphql(serverUrl, '{ portfolio { totals { depositedUsd approvedUsd transferredUsd } } }')).portfolio.totals;
  await expectFigures(page, {
    'totals.depositedUsd': publicTotals.depositedUsd,
    'totals.approvedUsd': publicTotals.approvedUsd,
    'totals.transferredUsd': publicTotals.transferredUsd,
  });
  // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  console.log(`ok   anonymous: public totals, depositedUsd ${publicTotals.depositedUsd}`);

  // The steering committee.
  await signIn(page, 'chair@mptf.example');
  const chair = await tokenOf('chair@mptf.example');
  const fund = (
    await graphql(
      serverUrl,
      `{ portfolio { totals { depositedUsd transferredUsd } fundingGapUsd
         sourcesAndUses { contributionsUsd totalSourcesUsd totalUsesUsd balanceWithAgentUsd }
         fundsWithOrganizations { balanceUsd } totalBalanceUsd uncommittedUsd } }`,
      chair
    )
  ).portfolio;
  const charts = await open(page, '/dashboard');
  assert.ok(charts >= 6, `the fund page draws its charts (${charts})`);
  await expectFigures(page, {
    'totals.depositedUsd': fund.totals.depositedUsd,
    'totals.transferredUsd': fund.totals.transferredUsd,
    fundingGapUsd: fund.fundingGapUsd,
    'sourcesAndUses.contributionsUsd': fund.sourcesAndUses.contributionsUsd,
    'sourcesAndUses.totalSourcesUsd': fund.sourcesAndUses.totalSourcesUsd,
    'sourcesAndUses.totalUsesUsd': fund.sourcesAndUses.totalUsesUsd,
    'sourcesAndUses.balanceWithAgentUsd': fund.sourcesAndUses.balanceWithAgentUsd,
    'fundsWithOrganizations.balanceUsd': fund.fundsWithOrganizations.balanceUsd,
    totalBalanceUsd: fund.totalBalanceUsd,
    uncommittedUsd: fund.uncommittedUsd,
  });
  await session.screenshot(page, 'dashboard');
  await page.emulateMedia({ media: 'print' });
  await session.screenshot(page, 'dashboard-print');
  await page.emulateMedia({ media: 'screen' });
  console.log(`ok   committee: the fund page, balance with the Agent ${fund.sourcesAndUses.balanceWithAgentUsd}`);

  // A past meeting's pack: the books as known then, the API's `knownAt` figures.
  const meetings = (await graphql(serverUrl, '{ steeringCommitteeMeetings(first: 100) { nodes { id heldOn } } }', chair))
    .steeringCommitteeMeetings.nodes;
  const earliest = meetings[meetings.length - 1];
  const knownAt = `${earliest.heldOn}T00:00:00Z`;
  const then = (
    await graphql(
      serverUrl,
      `{ portfolio(knownAt: "${knownAt}") { sourcesAndUses { contributionsUsd balanceWithAgentUsd } totalBalanceUsd uncommittedUsd } }`,
      chair
    )
  ).portfolio;
  await open(page, `/dashboard?knownAt=${knownAt}`);
  await expectFigures(page, {
    'sourcesAndUses.contributionsUsd': then.sourcesAndUses.contributionsUsd,
    'sourcesAndUses.balanceWithAgentUsd': then.sourcesAndUses.balanceWithAgentUsd,
    totalBalanceUsd: then.totalBalanceUsd,
    uncommittedUsd: then.uncommittedUsd,
  });
  console.log(`ok   committee: the pack as known at ${knownAt}, contributions ${then.sourcesAndUses.contributionsUsd}`);

  // Programmes: the list, a filter, one programme's money.
  await open(page, '/dashboard/programmes');
  await open(page, '/dashboard/programmes?area=2&region=AFRICA&status=ACTIVE');
  const programmes = (
    await graphql(serverUrl, '{ jointProgrammes(first: 100) { nodes { code financials { approvedUsd transferredUsd expenditureUsd netFundedUsd } } } }', chair)
  ).jointProgrammes.nodes;
  for (const programme of programmes.slice(0, 3)) {
    await open(page, `/dashboard/programmes/${programme.code}`);
    await expectFigures(page, {
      'financials.approvedUsd': programme.financials.approvedUsd,
      'financials.transferredUsd': programme.financials.transferredUsd,
      'financials.expenditureUsd': programme.financials.expenditureUsd,
      'financials.netFundedUsd': programme.financials.netFundedUsd,
    });
  }
  await session.screenshot(page, 'dashboard-programme');
  console.log(`ok   committee: programmes, ${programmes[0].code} transferred ${programmes[0].financials.transferredUsd}`);

  // Meetings and a meeting's decisions.
  // The list holds meetings to come (no decisions yet): open each until one lists decisions.
  await open(page, '/dashboard/meetings');
  const meetingLinks = await page.$$eval('a[href^="/dashboard/meetings/"]', (links) => links.map((a) => a.getAttribute('href')));
  let meetingLink;
  let decisions = 0;
  for (const link of meetingLinks) {
    await open(page, link);
    decisions = await page.$$eval('table tbody tr', (rows) => rows.length);
    if (decisions > 0) {
      meetingLink = link;
      break;
    }
  }
  assert.ok(decisions > 0, `a meeting page lists its decisions (of ${meetingLinks.length} meetings)`);

  // Donors and a statement.
  await open(page, '/dashboard/donors');
  const donorLink = await page.getAttribute('a[href^="/dashboard/donors/"]', 'href');
  await open(page, donorLink);
  console.log(`ok   committee: meetings (${decisions} decisions on ${meetingLink}) and ${donorLink}`);

  // The reports overdue and due, and the calls: the API's counts and figures.
  const calendar = (
    await graphql(serverUrl, '{ reportingCalendar(filter: { status: [OVERDUE] }) { totalCount } calls { nodes { envelopeUsd takenIntoPipelineUsd } } }', chair)
  );
  await open(page, '/dashboard/reports');
  await expectFigures(page, { totalCount: String(calendar.reportingCalendar.totalCount) });
  await session.screenshot(page, 'dashboard-reports');
  await open(page, '/dashboard/calls');
  await expectFigures(page, {
    envelopeUsd: calendar.calls.nodes[0].envelopeUsd,
    takenIntoPipelineUsd: calendar.calls.nodes[0].takenIntoPipelineUsd,
  });
  console.log(`ok   committee: ${calendar.reportingCalendar.totalCount} reports overdue, and the calls`);
  await signOut(page);

  // A donor: its own statement, the API's figures for it.
  await signIn(page, 'donor@mptf.example');
  const donorToken = await tokenOf('donor@mptf.example');
  const viewer = (
    await graphql(serverUrl, '{ viewer { donor { id name statement { depositedUsd netDepositedUsd committedUsd } } } }', donorToken)
  ).viewer.donor;
  await open(page, '/dashboard');
  await open(page, '/dashboard/donors');
  const own = await page.getAttribute('a:text("Your statement")', 'href');
  await open(page, own);
  await expectFigures(page, {
    'statement.depositedUsd': viewer.statement.depositedUsd,
    'statement.netDepositedUsd': viewer.statement.netDepositedUsd,
    'statement.committedUsd': viewer.statement.committedUsd,
  });
  assert.ok((await page.textContent('h1')).includes(viewer.name), 'the statement is the donor\'s own');
  await session.screenshot(page, 'dashboard-donor');
  await open(page, '/dashboard/programmes');
  await open(page, '/dashboard/meetings');
  console.log(`ok   donor: ${viewer.name}'s statement, deposited ${viewer.statement.depositedUsd}`);
  await signOut(page);
} catch (error) {
  if (page) await session.screenshot(page, 'dashboard-failed').catch((e) => console.log(`no screenshot: ${e.message}`));
  throw error;
} finally {
  await session.close();
}
console.log('ok   the dashboard');
