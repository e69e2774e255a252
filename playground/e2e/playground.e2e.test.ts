/**
 * The built playground in a real browser: Debian's chromium driven by playwright-core. Every
 * wait is on a selector or a page condition, never a fixed sleep. Screenshots go to docs/img/.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from './static-server.node.js';

const repo = resolve(import.meta.dirname, '../..');
const TIMEOUT = 60_000;
let server: { url: string; close: () => Promise<void> };
let context: BrowserContext;
let browser: Browser | undefined;
let page: Page;
let userDataDir: string;

beforeAll(async () => {
  // Served under a sub-path, as from any static host: the build uses relative URLs only.
  server = await serveStatic(join(repo, 'dist-playground'), '/some/sub/path/');
  userDataDir = mkdtempSync(join(tmpdir(), 'auxbus-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1600, height: 1000 },
  });
  browser = context.browser() ?? undefined;
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(TIMEOUT);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  if (process.env.AUXBUS_SCREENSHOTS !== '1') rmSync(shotDir, { recursive: true, force: true });
});

/**
 * Where screenshots go: docs/img/ (the README's) only with AUXBUS_SCREENSHOTS=1, so that a test run
 * leaves the checkout as it found it; otherwise a temporary directory, still taken and size-checked.
 */
const shotDir = process.env.AUXBUS_SCREENSHOTS === '1' ? join(repo, 'docs/img') : mkdtempSync(join(tmpdir(), 'auxbus-shots-'));

/** A screenshot for the README: the box around `selectors` (small PNGs: only the panes that matter). */
async function shot(name: string, ...selectors: string[]): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  const boxes = (await Promise.all(selectors.map((s) => page.locator(s).first().boundingBox()))).filter((b) => b !== null);
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  const clip = {
    x,
    y,
    width: Math.max(...boxes.map((b) => b.x + b.width)) - x,
    height: Math.min(900, Math.max(...boxes.map((b) => b.y + b.height)) - y),
  };
  await page.screenshot({ path: join(shotDir, `playground-${name}.png`), clip, fullPage: true });
}
/** Navigation start → load event end, → the bundle's first line, → the simulator booted (ms). */
async function loadFigures(p: Page = page): Promise<{ load: number; scriptStart: number; booted: number }> {
  return p.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const mark = (n: string) => performance.getEntriesByName(n)[0]?.startTime ?? NaN;
    return { load: nav.loadEventEnd, scriptStart: mark('auxbus-script-start'), booted: mark('auxbus-booted') };
  });
}
let firstLoad: { load: number; scriptStart: number; booted: number } | undefined;

/** One measured figure, as bench prints them: a JSON line. */
function figure(name: string, value: number, unit: string): void {
  console.log(JSON.stringify({ figure: name, value: Math.round(value), unit }));
}

const logCount = () => page.locator('#log > li').count();
/** The terminal's visible rows as text (xterm's DOM renderer draws spaces as U+00A0). */
const termText = () =>
  page.evaluate(() => (document.querySelector('#term .xterm-rows') as HTMLElement | null)?.innerText.replace(/\u00a0/g, ' ') ?? '');

describe('playground in chromium', () => {
  it('loads and shows the split CXL function with its DOE auxiliary devices', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('.dev[data-name="cxl_pci.doe.1"]');
    await page.waitForFunction(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd > 0);
    const cold = await loadFigures();
    firstLoad = cold;
    expect(cold.booted).toBeGreaterThan(cold.scriptStart);
    expect(await page.locator('.dev[data-name="0000:0d:00.0"] .drv').textContent()).toBe('cxl_pci');
    expect(await page.locator('.dev[data-name="cxl_pci.doe.1"] .drv').textContent()).toBe('pci_doe.doe');
    expect(errors).toEqual([]);
    await shot('tree', '#tree-pane');
  });

  it('measures the bundle and the first load (printed as figures)', async () => {
    const assets = join(repo, 'dist-playground', 'assets');
    const files = readdirSync(assets).map((f) => join(assets, f));
    const js = files.filter((f) => f.endsWith('.js'));
    const bytes = (fs: string[]) => fs.reduce((n, f) => n + statSync(f).size, 0);
    const gz = (fs: string[]) => fs.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    figure('playground.bundle_bytes', bytes(files), 'bytes');
    figure('playground.bundle_gzip_bytes', gz(files), 'bytes');
    figure('playground.js_bytes', bytes(js), 'bytes');
    figure('playground.js_gzip_bytes', gz(js), 'bytes');
    // Relative URLs only: the folder works from any static host and sub-path.
    const html = readFileSync(join(repo, 'dist-playground', 'index.html'), 'utf8');
    expect(html).not.toMatch(/(src|href)="\//);
    expect(html).toMatch(/src="\.\/assets\/[\w-]+\.js"/);
    // A second load in a fresh page (cache warm) next to the cold first one.
    const second = await context.newPage();
    await second.goto(server.url);
    await second.waitForSelector('body[data-ready="true"]');
    await second.waitForFunction(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd > 0);
    const warm = await loadFigures(second);
    await second.close();
    for (const [name, f] of [
      ['cold', firstLoad!],
      ['warm', warm],
    ] as const) {
      figure(`playground.${name}.load_event_ms`, f.load, 'ms');
      figure(`playground.${name}.booted_ms`, f.booted, 'ms');
      figure(`playground.${name}.boot_ms`, f.booted - f.scriptStart, 'ms');
    }
  });

  it('unbinds a DOE auxiliary device: the tree and the log change', async () => {
    const before = await logCount();
    await page.click('.dev[data-name="cxl_pci.doe.2"]');
    await page.waitForSelector('.dev.selected[data-name="cxl_pci.doe.2"]');
    await page.click('button[data-act="unbind"]');
    await page.waitForFunction(() => document.querySelector('.dev[data-name="cxl_pci.doe.2"] .drv')?.textContent === '—');
    await page.waitForSelector('#log summary:has-text("KERNEL") >> text=/unbind .*cxl_pci\\.doe\\.2$/');
    expect(await logCount()).toBeGreaterThan(before);
    // Expand the udev event: its variables and the rules lines that matched.
    const udev = page.locator('#log details[data-group="udev"][data-action="unbind"]').last();
    await udev.locator('summary').click();
    await expect.poll(() => udev.locator('pre').first().textContent()).toContain('ACTION=unbind');
    await expect.poll(() => udev.locator('.matched').textContent()).toContain('rules lines that matched');
  });

  it('hands the compliance mailbox to userspace and runs an exchange', async () => {
    await page.click('.dev[data-name="cxl_pci.doe.1"]');
    await page.click('button[data-act="handoff"]');
    await page.waitForFunction(() => document.querySelector('.dev[data-name="cxl_pci.doe.1"] .drv')?.textContent === 'doe_user.doe');
    await page.click('button[data-act="open"]');
    await page.waitForSelector('#fds li:has-text("/dev/doe/cxl_pci.doe.1")');
    await page.waitForFunction(() => document.querySelector('.dev[data-name="cxl_pci.doe.1"] .owner')?.textContent === 'owner: tool');
    await page.selectOption('#doe-req', 'compliance capability');
    await page.click('button[data-act="doe"]');
    await page.waitForFunction(() => (document.querySelector('#result')?.textContent ?? '').includes('00011c00e7fd'));
    expect(await page.locator('#result').textContent()).toContain(': ok');
    await shot('doe-handoff', '#tree-pane', '#actions-pane');
  });

  it('edits a rule: a diagnostic for a typo, the explanation for a valid rule', async () => {
    await page.click('.dev[data-name="cxl_pci.doe.0"]');
    await page.fill('#rules', 'SUBSYSTEM=="auxiliary", DRIVR=="pci_doe.doe", TAG+="x"\n');
    await page.waitForSelector('#diags .diag');
    // Positioned: line and column of the bad token, which the editor underlines.
    expect(await page.locator('#diags .diag').first().textContent()).toMatch(/^99-playground\.rules:1:25: error: Invalid key 'DRIVR'/);
    expect(await page.locator('#hl .err-pos').textContent()).toBe('DRIVR=="pci_doe.doe"');
    expect(await page.locator('#diags .diag pre').textContent()).toContain('\n                        ^~~~');
    await shot('rules-diagnostic', '#rules-pane');
    await page.fill('#rules', 'SUBSYSTEM=="auxiliary", DRIVER=="pci_doe.doe", TAG+="x"\nSUBSYSTEM=="pci", TAG+="y"\n');
    await page.waitForFunction(() => document.querySelectorAll('#diags .diag').length === 0);
    await expect.poll(() => page.locator('#explain').textContent()).toMatch(/MATCH/);
    await expect.poll(() => page.locator('#explain').textContent()).toMatch(/SUBSYSTEM=="pci"/);
    await shot('rules', '#rules-pane');
  });

  it('steps the scheduler task by task in hold mode', async () => {
    await page.click('.dev[data-name="cxl_pci.doe.0"]');
    await page.check('#hold');
    await page.click('button[data-act="unbind"]');
    await page.waitForSelector('#tasks li.task');
    const pending = await page.locator('#tasks li.task').count();
    expect(pending).toBeGreaterThan(0);
    // Step until a task ran (a timer falling due first moves the clock).
    await page.click('#step');
    await page.waitForFunction(() => /^(ran task|timer due)/.test(document.querySelector('#result')?.textContent ?? ''));
    if (((await page.locator('#result').textContent()) ?? '').startsWith('timer due')) {
      await page.click('#step');
      await page.waitForFunction(() => (document.querySelector('#result')?.textContent ?? '').startsWith('ran task: '));
    }
    await shot('scheduler', '#tree-pane', '#actions-pane');
    await page.click('#run-all');
    await page.waitForFunction(() => document.querySelectorAll('#tasks li.ready').length === 0);
    await page.uncheck('#hold');
  });

  it('runs auxbus shell in the terminal pane: output, tab completion, and a command that changes the machine', async () => {
    await page.click('#term .xterm');
    await page.keyboard.type('ls /sys/bus/auxiliary/devices');
    await page.keyboard.press('Enter');
    await expect.poll(termText).toMatch(/cxl_pci\.doe\.0\s+cxl_pci\.doe\.1/);
    // The scheduler test left cxl_pci.doe.0 unbound: bind it from the shell, the page's tree follows.
    expect(await page.locator('.dev[data-name="cxl_pci.doe.0"] .drv').textContent()).toBe('—');
    await page.keyboard.type('echo cxl_pci.doe.0 > /sys/bus/auxiliary/drivers/pci_doe.doe/bind');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.dev[data-name="cxl_pci.doe.0"] .drv')?.textContent === 'pci_doe.doe');
    // Tab completes a path through the interpreter's complete().
    await page.keyboard.type('ls /sys/bus/auxiliary/drivers/pci_d');
    await page.keyboard.press('Tab');
    await expect.poll(termText).toContain('ls /sys/bus/auxiliary/drivers/pci_doe.doe/');
    await page.keyboard.press('Enter');
    await expect.poll(termText).toMatch(/bind\s+cxl_pci\.doe\.0/);
    await page.keyboard.type('tree');
    await page.keyboard.press('Enter');
    await expect.poll(termText).toMatch(/cxl_pci\.doe\.0\s+auxiliary\s+→ pci_doe\.doe/);
    // Unbind from the shell: the tree and the log change, and the step joins the shared state.
    await page.keyboard.type('echo cxl_pci.doe.0 > /sys/bus/auxiliary/drivers/pci_doe.doe/unbind');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('.dev[data-name="cxl_pci.doe.0"] .drv')?.textContent === '—');
    await page.waitForSelector('#log summary:has-text("UDEV") >> text=/unbind .*cxl_pci\\.doe\\.0$/');
    await shot('terminal', '#term-pane');
    // A replay (any action) keeps the shell's unbind: it was recorded as a write step.
    await page.click('.dev[data-name="cxl_pci.doe.0"]');
    await page.fill('#module', 'doe_user');
    await page.click('button[data-act="modprobe"]');
    await page.waitForFunction(() => document.querySelector('.dev[data-name="cxl_pci.doe.0"] .drv')?.textContent === '—');
  });

  it('shares the state as a URL and restores it', async () => {
    await page.click('#share');
    await page.waitForFunction(() => location.hash.startsWith('#s='));
    const url = page.url();
    const second = await context.newPage();
    await second.goto(url);
    await second.waitForSelector('body[data-ready="true"]');
    await second.waitForFunction(() => document.querySelector('.dev[data-name="cxl_pci.doe.1"] .drv')?.textContent === 'doe_user.doe');
    await second.close();
  });

  it('steps through the explorer’s shortest schedule of the pci-core-shared race (guided lesson)', async () => {
    await page.selectOption('#lesson', 'race');
    await page.waitForFunction(() => (document.querySelector('#race-state')?.textContent ?? '').includes('schedule 1.1, entry 0'));
    const drv = () => page.locator('.dev[data-name="0000:0d:00.0"] .drv').textContent();
    // Lane 2 unbinds cxl_pci: the tree (the replay's, at that entry) shows the function unbound.
    await page.click('#tl-step');
    await page.click('#tl-step');
    await page.click('#tl-step');
    await expect.poll(() => page.locator('#timeline li.cur').textContent()).toContain('lane 2 (root) write /sys/bus/pci/drivers/cxl_pci/unbind');
    await expect.poll(drv).toBe('—');
    expect(await page.locator('#tree-note').textContent()).toContain('after entry 3');
    // …binds it again: the kernel's CDAT read is queued on mailbox 0.
    await page.click('#tl-step');
    await expect.poll(drv).toBe('cxl_pci');
    await expect.poll(() => page.locator('#race-state .mailbox').textContent()).toContain('kernel exchange in flight');
    expect(await page.locator('#race-state .mailbox.racing').count()).toBe(0);
    // Lane 1's compliance exchange: its register writes land while the kernel's read is in flight.
    await page.click('#tl-step');
    await page.waitForSelector('#race-state .mailbox.racing');
    expect(await page.locator('#race-state .kmsg').textContent()).toMatch(/write to DOE mailbox at config offset \w+ from userspace/);
    expect(await page.locator('#race-state .note').textContent()).toContain('collide');
    await shot('race', '#tree-pane', '#actions-pane');
    // "to the end": the explorer's verdict.
    await page.click('#tl-end');
    await expect.poll(() => page.locator('#race-state .verdict').textContent()).toContain('kernel-doe-vs-userspace');
    // The same schedule under aux-exclusive: the raw exchange is refused, nothing breaks.
    await page.selectOption('#race-file', 'exclusive');
    await page.fill('#schedule', '1.1');
    await page.click('#replay');
    await page.click('#tl-end');
    await expect.poll(() => page.locator('#race-state .verdict').textContent()).toContain('no invariant broken');
    await expect.poll(() => page.locator('#timeline').textContent()).toContain('→ EPERM');
    expect(await page.locator('#race-state .mailbox.racing').count()).toBe(0);
  });

  it('runs the DOE hand-off under both policies side by side on the same steps', async () => {
    await page.selectOption('#lesson', 'doe-both');
    await page.waitForSelector('#compare-pane:not([hidden])');
    await expect.poll(() => page.locator('#cmp-a .cmp-doe').textContent()).toContain('cxl_pci.doe.1 → pci_doe.doe');
    await expect.poll(() => page.locator('#cmp-b .cmp-doe').textContent()).toContain('none');
    await page.click('button[data-act="rawdoe"]');
    await expect.poll(() => page.locator('#cmp-a .cmp-steps li').last().textContent()).toContain('EPERM');
    await expect.poll(() => page.locator('#cmp-b .cmp-steps li').last().textContent()).toMatch(/: ok$/);
    expect(await page.locator('#cmp-a .cmp-taint').textContent()).toContain('none');
    expect(await page.locator('#cmp-b .cmp-taint').textContent()).not.toContain('none');
    await page.click('.dev[data-name="cxl_pci.doe.1"]');
    await page.click('button[data-act="handoff"]');
    await expect.poll(() => page.locator('#cmp-a .cmp-doe').textContent()).toContain('cxl_pci.doe.1 → doe_user.doe');
    await expect.poll(() => page.locator('#cmp-b .cmp-steps li.fail').count()).toBeGreaterThan(0);
    await shot('side-by-side', '#compare-pane');
  });

  it('marks VFs as VFs with their physfn, and hands one to vfio-pci', async () => {
    await page.selectOption('#lesson', 'vfio');
    await page.waitForFunction(() => document.querySelectorAll('.dev .kind.vf').length === 2);
    const vf = page.locator('.dev:has(.kind.vf)').first();
    expect(await vf.locator('.kind').textContent()).toBe('pci VF');
    expect(await vf.locator('.physfn').textContent()).toBe('physfn → 0000:03:00.0');
    expect(await page.locator('.dev[data-name="0000:03:00.0"] .virtfns').textContent()).toBe('PF of 2 VFs');
    const name = (await vf.getAttribute('data-name'))!;
    await vf.click();
    // sriov_drivers_autoprobe: mlx5_core took the VF; unbind it first.
    expect(await vf.locator('.drv').textContent()).toBe('mlx5_core');
    await page.click('button[data-act="unbind"]');
    await page.waitForFunction((n) => document.querySelector(`.dev[data-name="${n}"] .drv`)?.textContent === '—', name);
    await page.fill('#driver', 'vfio-pci');
    await page.click('button[data-act="override"]');
    await page.click('button[data-act="probe"]');
    await page.waitForFunction((n) => document.querySelector(`.dev[data-name="${n}"] .drv`)?.textContent === 'vfio-pci', name);
    await shot('vf', '#tree-pane');
  });

  it('calls fwctl from a process: FWCTL_INFO, and FWCTL_RPC refused or answered by scope', async () => {
    await page.selectOption('#lesson', 'fwctl');
    await page.waitForSelector('#calls li');
    expect(await page.locator('#calls li').first().textContent()).toMatch(/FWCTL_INFO.* → ok .*01000000 ?04000000/);
    // NOP needs DEBUG_READ_ONLY: EBADMSG at CONFIGURATION, an answer at DEBUG_READ_ONLY.
    await page.selectOption('#fwctl-op', { label: 'FWCTL_RPC NOP (0x80d)' });
    await page.selectOption('#fwctl-scope', 'CONFIGURATION');
    await page.click('button[data-act="fwctl"]');
    await expect.poll(() => page.locator('#calls li').last().textContent()).toMatch(/FWCTL_RPC.*CONFIGURATION.* → EBADMSG/);
    await page.selectOption('#fwctl-scope', 'DEBUG_READ_ONLY');
    await page.click('button[data-act="fwctl"]');
    await expect.poll(() => page.locator('#calls li').last().textContent()).toMatch(/FWCTL_RPC.*DEBUG_READ_ONLY.* → ok .*out_len/);
    await shot('fwctl', '#actions-pane');
  });

  it('serves the same page from the dev server (npm run playground)', async () => {
    const dev = await createServer({
      configFile: join(repo, 'playground/vite.config.ts'),
      server: { port: 0, strictPort: false },
      logLevel: 'silent',
    });
    await dev.listen();
    try {
      const url = dev.resolvedUrls?.local[0];
      expect(url).toBeDefined();
      const p = await context.newPage();
      const errors: string[] = [];
      p.on('pageerror', (e) => errors.push(String(e)));
      await p.goto(url!);
      await p.waitForSelector('body[data-ready="true"]');
      await p.waitForSelector('.dev[data-name="cxl_pci.doe.1"]');
      expect(errors).toEqual([]);
      await p.close();
    } finally {
      await dev.close();
    }
  });

  it('keeps the README screenshots small', () => {
    const shots = readdirSync(shotDir).filter((f) => f.startsWith('playground-') && f.endsWith('.png'));
    expect(shots.length).toBeGreaterThanOrEqual(10);
    for (const f of shots) expect(statSync(join(shotDir, f)).size, f).toBeLessThan(200_000);
  });
});
