#!/usr/bin/env node
// Install as an app, and "open with", on the production build. The web app manifest is served and
// valid (Chromium's own parser via CDP Page.getAppManifest, installability via
// Page.getInstallabilityErrors), its icons load and are the sizes they claim, its file_handlers
// cover the clip and image types, share links are inside its scope. Then the app is really
// installed (CDP PWA.install) and launched the ways a desktop launches it: with a share link
// (PWA.launch: an app window, display-mode standalone, the link's state restored) and with files
// (PWA.launchFilesInApp, what "Open with" does: the launched window's launchQueue gets real
// FileSystemFileHandles): a clip opens as if picked with Open…, a second file is named in a
// notice, a broken file gets the same error as when picked.
// Chromium's install writes the OS integration (.desktop file, MIME types) under HOME/XDG dirs:
// here those point into a temporary folder, removed at the end, and the test checks nothing
// reached the real home.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { check, exitWithTally } from './lib/assert.mjs';

const server = await startPreviewServer();
const sandbox = mkdtempSync(path.join(tmpdir(), 'vqdsr-pwa-'));
const xdg = { HOME: path.join(sandbox, 'home'), XDG_DATA_HOME: path.join(sandbox, 'data'), XDG_CONFIG_HOME: path.join(sandbox, 'config'), XDG_CACHE_HOME: path.join(sandbox, 'cache') };
for (const d of Object.values(xdg)) mkdirSync(d, { recursive: true });
const realApps = path.join(homedir(), '.local/share/applications');
const chromeApps = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => /^chrome-.*\.desktop$/.test(f)) : []);
const realAppsBefore = chromeApps(realApps).length;
// A profile on disk, not an incognito context: Chromium neither installs nor offers to from incognito.
const ctx = await chromium.launchPersistentContext(path.join(sandbox, 'profile'), {
  executablePath: CHROMIUM,
  headless: true,
  args: CHROMIUM_ARGS,
  env: { ...process.env, ...xdg },
  viewport: { width: 1280, height: 900 },
});

/** Width and height from a PNG's IHDR, or null when the bytes are not a PNG. */
function pngSize(buf) {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (buf.length < 24 || sig.some((b, i) => buf[i] !== b) || buf.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { w: buf.readUInt32BE(16), h: buf.readUInt32BE(20) };
}

const sourceName = (page, re) =>
  page.waitForFunction((src) => new RegExp(src).test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), re.source, { timeout: 120_000 });
const text = async (page, sel) => ((await page.textContent(sel)) ?? '').replace(/×$/, '').trim();

try {
  const t0 = Date.now();
  console.log('the web app manifest');
  const manifestUrl = `${server.url}/manifest.webmanifest`;
  const res = await fetch(manifestUrl);
  const type = res.headers.get('content-type') ?? '';
  const m = await res.json();
  check(res.ok && /json/.test(type), `served: HTTP ${res.status}, ${type}`);
  check(m.name && m.short_name && m.display === 'standalone', `name "${m.name}", short_name "${m.short_name}", display ${m.display}`);
  const start = new URL(m.start_url, manifestUrl).href;
  const scope = new URL(m.scope, manifestUrl).href;
  const shareLink = `${server.url}/?testmodels&wasm#v1.${Buffer.from(JSON.stringify({ t: 'compare', s: 0, f: 4 })).toString('base64url')}`;
  check(start === `${server.url}/` && scope === `${server.url}/` && shareLink.startsWith(scope), `start_url ${start}, scope ${scope}: a share link (query and hash) is inside the app's scope`);
  for (const icon of m.icons) {
    const r = await fetch(new URL(icon.src, manifestUrl));
    const buf = Buffer.from(await r.arrayBuffer());
    if (icon.type === 'image/png') {
      const s = pngSize(buf);
      check(r.ok && s && icon.sizes === `${s.w}x${s.h}`, `icon ${icon.src} (${icon.purpose}): HTTP ${r.status}, PNG ${s ? `${s.w}×${s.h}` : 'unreadable'}, claims ${icon.sizes}`);
    } else {
      check(r.ok && /svg/.test(r.headers.get('content-type') ?? '') && buf.toString('utf8').includes('<svg'), `icon ${icon.src}: HTTP ${r.status}, ${r.headers.get('content-type')}`);
    }
  }
  const sizes = (purpose) => m.icons.filter((i) => i.purpose === purpose && i.type === 'image/png').map((i) => i.sizes);
  check(sizes('any').includes('192x192') && sizes('any').includes('512x512') && sizes('maskable').includes('512x512'), `PNG icons: any ${sizes('any').join(', ')}; maskable ${sizes('maskable').join(', ')}`);
  const wanted = ['.mp4', '.webm', '.mkv', '.mov', '.png', '.jpg', '.onnx'];
  const exts = (m.file_handlers ?? []).flatMap((h) => Object.values(h.accept).flat());
  check(wanted.every((e) => exts.includes(e)) && m.file_handlers.every((h) => new URL(h.action, manifestUrl).href.startsWith(scope)), `file_handlers accept ${exts.join(' ')}, each action inside the scope`);

  const page = ctx.pages()[0] ?? (await ctx.newPage());
  pipeConsole(page, 'pwa');
  await page.goto(`${server.url}/?testmodels&wasm`);
  await sourceName(page, /sample\.mp4/);
  await page.waitForFunction(() => document.querySelector('[data-testid=offline-status]')?.getAttribute('data-state') === 'ready', null, { timeout: 240_000 });
  const cdp = await ctx.newCDPSession(page);
  const am = await cdp.send('Page.getAppManifest');
  check(am.url === manifestUrl && am.errors.length === 0, `Chromium reads the page's manifest ${am.url} with ${am.errors.length} errors${am.errors.length ? `: ${am.errors.map((e) => e.message).join('; ')}` : ''}`);
  const ie = (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors.map((e) => e.errorId);
  check(ie.length === 0, `installable (Page.getInstallabilityErrors: ${ie.length ? ie.join(', ') : 'none'})`);

  console.log('installed (PWA.install)');
  const manifestId = new URL(m.id, manifestUrl).href;
  await cdp.send('PWA.install', { manifestId, installUrlOrBundleUrl: start });
  // Installed through CDP, the app's user setting here is "open in a browser tab" (its windows then
  // report display-mode: browser); set "open in a window" as a user would.
  await cdp.send('PWA.changeAppUserSettings', { manifestId, displayMode: 'standalone' });
  const os = await cdp.send('PWA.getOsAppState', { manifestId });
  const registered = os.fileHandlers.flatMap((h) => h.accepts.flatMap((a) => a.fileExtensions));
  check(wanted.every((e) => registered.includes(e)), `the OS knows its file handlers: ${registered.join(' ')}`);
  const desktop = chromeApps(path.join(xdg.XDG_DATA_HOME, 'applications'));
  const mimeLine = desktop.length ? (readFileSync(path.join(xdg.XDG_DATA_HOME, 'applications', desktop[0]), 'utf8').match(/^MimeType=.*$/m)?.[0] ?? '') : '';
  check(/video\/mp4/.test(mimeLine) && /image\/png/.test(mimeLine), `a desktop entry offers it for "Open with" (${desktop[0] ?? 'none'}: ${mimeLine.slice(0, 90)}…)`);

  /** Runs a CDP launch and returns the app window it opens, loaded. */
  const launched = async (method, params) => {
    const [p] = await Promise.all([ctx.waitForEvent('page', { timeout: 60_000 }), cdp.send(method, params)]);
    pipeConsole(p, 'app-window');
    await p.waitForLoadState('load');
    return p;
  };

  console.log('a share link opened in the app (PWA.launch)');
  const win = await launched('PWA.launch', { manifestId, url: shareLink });
  await sourceName(win, /sample\.mp4/);
  const st = await win.evaluate(() => ({
    standalone: matchMedia('(display-mode: standalone)').matches,
    tab: document.querySelector('[role=tab][aria-selected=true]')?.textContent,
    frame: document.querySelector('[data-testid=frame-label]')?.textContent,
  }));
  check(st.standalone, `it opens in an app window (display-mode: standalone ${st.standalone})`);
  check(st.tab === 'Compare' && /^frame 5 \//.test(st.frame ?? ''), `the link's state is restored: tab ${st.tab}, "${st.frame}"`);
  await win.close();

  console.log('"Open with": files launched into the app (PWA.launchFilesInApp)');
  const fixture = (name) => path.resolve('e2e/fixtures', name);
  const w1 = await launched('PWA.launchFilesInApp', { manifestId, files: [fixture('clip-64x48.mp4')] });
  await sourceName(w1, /clip-64x48\.mp4/);
  const viaLaunch = await text(w1, '[data-testid=source-name]');
  check(/^clip-64x48\.mp4 · 64×48 · \d+ frames$/.test(viaLaunch) && (await w1.locator('[data-testid=error]').count()) === 0, `a launched clip opens: "${viaLaunch}"`);
  await w1.close();
  await page.setInputFiles('[data-testid=file-input]', fixture('clip-64x48.mp4'));
  await sourceName(page, /clip-64x48\.mp4/);
  const viaPick = await text(page, '[data-testid=source-name]');
  check(viaPick === viaLaunch, `picked with Open… it reads the same: "${viaPick}"`);

  const w2 = await launched('PWA.launchFilesInApp', { manifestId, files: [fixture('frame-48x32.png'), fixture('frame-64x64.png')] });
  await w2.waitForSelector('[data-testid=notice]', { timeout: 60_000 });
  await sourceName(w2, /frame-(48x32|64x64)\.png/);
  const opened = await text(w2, '[data-testid=source-name]');
  const notice = await text(w2, '[data-testid=notice]');
  const other = /48x32/.test(opened) ? 'frame-64x64.png' : 'frame-48x32.png';
  check(notice.includes(`${other} was not opened`), `two files launched together: "${opened}" opens, the other is named: "${notice}"`);
  await w2.close();

  const w3 = await launched('PWA.launchFilesInApp', { manifestId, files: [fixture('corrupt.mp4')] });
  await w3.waitForSelector('[data-testid=error]', { timeout: 60_000 });
  const launchErr = await text(w3, '[data-testid=error]');
  await w3.close();
  await page.setInputFiles('[data-testid=file-input]', fixture('corrupt.mp4'));
  await page.waitForSelector('[data-testid=error]', { timeout: 60_000 });
  const pickErr = await text(page, '[data-testid=error]');
  const still = await text(page, '[data-testid=source-name]');
  check(launchErr.length > 0 && launchErr === pickErr, `a broken launched file: the same error as picked: "${launchErr.slice(0, 110)}"`);
  check(/clip-64x48\.mp4/.test(still), `and picked, the open source stays: ${still}`);

  // An .onnx file launched into the app is a model of the user's own, as when dropped on the page:
  // the Upscale tab opens and "Your models" checks and adds it (the test set's recurrent VSR step).
  const w4 = await launched('PWA.launchFilesInApp', { manifestId, files: [fixture('models/vsr.step.onnx')] });
  await w4.waitForFunction(() => ['added', 'refused', 'asking'].includes(document.querySelector('[data-testid=byo-status]')?.getAttribute('data-phase') ?? '') || !!document.querySelector('[data-testid=byo-form]'), null, { timeout: 180_000 });
  const launchedModel = {
    tab: await text(w4, '[role=tab][aria-selected=true]'),
    phase: await w4.getAttribute('[data-testid=byo-status]', 'data-phase').catch(() => null),
    status: await text(w4, '[data-testid=byo-status]').catch(() => ''),
    source: await text(w4, '[data-testid=source-name]'),
  };
  check(launchedModel.tab === 'Upscale' && launchedModel.phase === 'added' && /^Added vsr\.step\.onnx: /.test(launchedModel.status), `a launched .onnx is added as your model in the Upscale tab: tab ${launchedModel.tab}, "${launchedModel.status.slice(0, 100)}"`);
  check(/sample\.mp4/.test(launchedModel.source), `and the open clip stays the sample: "${launchedModel.source}"`);
  await w4.close();

  await cdp.send('PWA.uninstall', { manifestId });
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s in all)`);
} finally {
  await ctx.close();
  await server.close();
  rmSync(sandbox, { recursive: true, force: true });
}
check(chromeApps(realApps).length === realAppsBefore, `nothing was installed into the real home (${realApps})`);
exitWithTally();
