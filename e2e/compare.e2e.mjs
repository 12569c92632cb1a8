#!/usr/bin/env node
// Compare view, blind A-B test and share links, end to end against the production build:
// drag the split, zoom (wheel, keys; pixel-exact blocks), pan, side by side and zoom windows;
// a 4-trial blind test voted with the keyboard and its CSV/JSON exports; a copied link opened
// in a fresh page gives the same canvas pixels (sample, and a user's file after re-opening it);
// tampered links show a notice and leave a working app.
//
// The page runs with ?testvariants: CPU stand-ins for 'lr' (bicubic ÷4, antialiased) and
// 'bicubic' (that LR ×4) where no engine-backed variant is registered yet.
import { mkdirSync, readFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';
import { launchBrowser, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { canvasStats, check, exitWithTally } from './lib/assert.mjs';

const { makeTrials } = await tsImport('../src/app/blind/blind-test.ts', import.meta.url);

mkdirSync('test-results', { recursive: true });
const server = await startPreviewServer();
const browser = await launchBrowser();
const base = `${server.url}/?testvariants`;
const VIEWPORT = { width: 1280, height: 800 };

/** A fresh page in its own context (nothing shared with other pages), with clipboard access and downloads. */
async function freshPage(name) {
  const ctx = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true });
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await ctx.newPage();
  pipeConsole(page, name);
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  return page;
}

async function waitSource(page, re = /sample\.mp4/) {
  await page.waitForFunction((src) => new RegExp(src).test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), re.source, { timeout: 120_000 });
}

async function waitFrameLabel(page, n) {
  await page.waitForFunction((n) => new RegExp(`frame ${n} /`).test(document.querySelector('[data-testid=frame-label]')?.textContent ?? ''), n, { timeout: 60_000 });
}

/** The canvas hash once it stops changing (frames render asynchronously). */
async function settledHash(page, sel, { timeout = 60_000, equals } = {}) {
  const t0 = Date.now();
  let last = null;
  for (;;) {
    const s = await canvasStats(page, sel);
    if (s && s.std > 1) {
      if (equals !== undefined && s.hash === equals) return s.hash;
      if (equals === undefined && last === s.hash) return s.hash;
      last = s.hash;
    }
    if (Date.now() - t0 > timeout) return s?.hash ?? null;
    await page.waitForTimeout(400);
  }
}

async function copyLink(page) {
  await page.click('[data-testid=copy-link]');
  const fromClipboard = await page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
  return fromClipboard || (await page.getAttribute('[data-testid=copy-link]', 'data-link'));
}

const pct = (page) => page.getAttribute('[data-testid=split-handle]', 'aria-valuenow').then(Number);
const zoomOf = (page) => page.getAttribute('[data-testid=compare-stage]', 'data-zoom').then(Number);

/** Column bands of a canvas: per band of 4 % of the width, a hash (to see which side of the split changed). */
async function bandHashes(page, sel) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    const bands = [];
    for (let b = 0; b < 25; b++) {
      const x0 = Math.floor((b * c.width) / 25);
      const x1 = Math.floor(((b + 1) * c.width) / 25);
      let h = 2166136261;
      for (let y = 0; y < c.height; y += 2) for (let x = x0; x < x1; x++) for (let k = 0; k < 3; k++) h = Math.imul(h ^ data[(y * c.width + x) * 4 + k], 16777619) >>> 0;
      bands.push(h);
    }
    return bands;
  }, sel);
}

/**
 * Nearest-neighbour check in the A part of the split canvas: in every row, colour changes happen
 * only at one residue of x mod k (block edges), and likewise down every column.
 */
async function blockResidues(page, k, xMax) {
  return page.evaluate(
    ({ k, xMax }) => {
      const c = document.querySelector('[data-testid=compare-canvas]');
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      const px = (x, y) => {
        const i = (y * c.width + x) * 4;
        return (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      };
      const xs = new Set();
      const ys = new Set();
      let edges = 0;
      for (let y = 10; y < c.height - 10; y += 7) {
        for (let x = 11; x < xMax - 10; x++) if (px(x, y) !== px(x - 1, y)) (xs.add(x % k), edges++);
      }
      for (let x = 11; x < xMax - 10; x += 7) {
        for (let y = 11; y < c.height - 10; y++) if (px(x, y) !== px(x, y - 1)) (ys.add(y % k), edges++);
      }
      return { xs: [...xs], ys: [...ys], edges };
    },
    { k, xMax },
  );
}

try {
  // ------------------------------------------------------------ compare view
  console.log('compare view');
  const page = await freshPage('compare');
  await page.goto(base);
  await waitSource(page);
  await page.getByRole('tab', { name: 'Compare' }).click();
  await page.waitForSelector('[data-testid=compare-canvas]');
  await page.waitForFunction(() => document.querySelector('[data-testid=metrics-b]')?.dataset.kind === 'full-reference', null, { timeout: 90_000 });
  const mb = await page.textContent('[data-testid=metrics-b]');
  const psnr = Number(/PSNR ([\d.]+) dB/.exec(mb)?.[1]);
  check(psnr > 15 && psnr < 60 && /SSIM 0\.\d{4}/.test(mb), `B (bicubic of the LR) measured against the original: "${mb.trim()}"`);
  await page.waitForFunction(() => document.querySelector('[data-testid=metrics-a]')?.dataset.kind === 'no-reference', null, { timeout: 90_000 });
  check(/NIQE [\d.]+/.test(await page.textContent('[data-testid=metrics-a]')), `A (the original itself) gets the no-reference NIQE: "${(await page.textContent('[data-testid=metrics-a]')).trim()}"`);

  // Every VSR model of the manifest (public/models: vsr, vsr-restore, vsr-fast) is a choice for A and B.
  const vsrChoices = (sel) => page.$$eval(`${sel} option`, (os) => os.map((o) => o.value).filter((v) => v.startsWith('vsr:')));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=compare-a] option[value^="vsr:"]').length >= 3, null, { timeout: 60_000 });
  for (const sel of ['[data-testid=compare-a]', '[data-testid=compare-b]']) {
    const got = await vsrChoices(sel);
    check(got.join() === 'vsr:vsr,vsr:vsr-restore,vsr:vsr-fast', `${sel} offers every VSR model of the manifest: ${got.join(', ')}`);
  }

  const canvasSel = '[data-testid=compare-canvas]';
  await settledHash(page, canvasSel);
  const before = await bandHashes(page, canvasSel);
  const stage = await page.locator('[data-testid=compare-stage] [data-pane]').boundingBox();
  const handle = await page.locator('[data-testid=split-handle]').boundingBox();
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(stage.x + stage.width * 0.25, handle.y + handle.height / 2, { steps: 6 });
  await page.mouse.up();
  const afterDrag = await pct(page);
  check(Math.abs(afterDrag - 25) <= 1, `dragging the split line moves it to 25 % (aria-valuenow ${afterDrag})`);
  await page.waitForTimeout(200);
  const after = await bandHashes(page, canvasSel);
  // Bands 0–5 (0–24 %) still show A, 7–11 (28–48 %) switched from A to B, 13–24 (52–100 %) still B.
  const same = (i) => before[i] === after[i];
  check([0, 1, 2, 3, 4, 5].every(same) && [13, 15, 18, 21, 24].every(same), 'left of the new split is still A and right of the old one still B (pixels unchanged)');
  check([7, 8, 9, 10, 11].filter((i) => !same(i)).length >= 4, 'between the old and the new split the pixels changed from A to B');

  await page.focus('[data-testid=split-handle]');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  const afterKeys = await pct(page);
  check(Math.abs(afterKeys - 35) <= 1, `← / → on the focused split line move it (5 × 2 % → ${afterKeys} %)`);
  check(/frame 1 \//.test(await page.textContent('[data-testid=frame-label]')), 'the arrows moved the split, not the frame');

  const fit = await zoomOf(page);
  await page.mouse.move(stage.x + stage.width * 0.6, stage.y + stage.height * 0.4);
  await page.mouse.wheel(0, -400);
  await page.waitForFunction((f) => Number(document.querySelector('[data-testid=compare-stage]')?.dataset.zoom) > f * 1.5, fit, { timeout: 5000 }).catch(() => {});
  const wheeled = await zoomOf(page);
  check(wheeled > fit * 1.5, `the wheel zooms in about the pointer (fit ${fit.toFixed(3)} → ${wheeled.toFixed(3)})`);
  await page.focus('[data-testid=compare-stage]');
  await page.keyboard.press('0');
  check(Math.abs((await zoomOf(page)) - fit) < 1e-9, 'key 0 goes back to fit');
  await page.keyboard.press('+');
  const z = await zoomOf(page);
  check(z === 3, `key + steps to the next whole zoom (${(fit * 100).toFixed(0)} % → ${z * 100} %)`);
  await page.waitForTimeout(200);
  const splitX = Math.floor((afterKeys / 100) * stage.width);
  const res = await blockResidues(page, 3, splitX);
  check(res.edges > 50 && res.xs.length === 1 && res.ys.length === 1, `at 300 % every pixel is a 3×3 block (colour edges at one x and one y residue mod 3: ${JSON.stringify(res)})`);

  const h0 = (await canvasStats(page, canvasSel)).hash;
  await page.mouse.move(stage.x + stage.width * 0.5, stage.y + stage.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(stage.x + stage.width * 0.5 - 150, stage.y + stage.height * 0.5 - 60, { steps: 5 });
  await page.mouse.up();
  check((await canvasStats(page, canvasSel)).hash !== h0 && (await zoomOf(page)) === 3, 'dragging the image pans it (pixels move, zoom stays 300 %)');
  await page.screenshot({ path: 'test-results/compare-split.png' });

  // Pinch: two touch pointers; one moves away until their distance doubles → zoom × 2 about their midpoint.
  await page.evaluate(() => {
    const pane = document.querySelector('[data-testid=compare-stage] [data-pane]');
    const r = pane.getBoundingClientRect();
    const cx = r.left + r.width / 2;
    const cy = r.top + r.height / 2;
    const ev = (type, id, x) => pane.dispatchEvent(new PointerEvent(type, { pointerId: id, pointerType: 'touch', isPrimary: id === 11, clientX: x, clientY: cy, buttons: type === 'pointerup' ? 0 : 1, bubbles: true, cancelable: true }));
    ev('pointerdown', 11, cx - 50);
    ev('pointerdown', 12, cx + 50);
    for (let i = 1; i <= 5; i++) ev('pointermove', 12, cx + 50 + i * 20);
    ev('pointerup', 12, cx + 150);
    ev('pointerup', 11, cx - 50);
  });
  const pinched = await zoomOf(page);
  check(Math.abs(pinched - 6) < 1e-3, `a two-finger pinch (distance 100 → 200 px) zooms 300 % → ${(pinched * 100).toFixed(1)} %`);

  await page.click('[data-testid=mode-side]');
  await page.waitForSelector('[data-testid=compare-canvas-b]');
  await page.waitForTimeout(300);
  const sa = await canvasStats(page, '[data-testid=compare-canvas-a]');
  const sb = await canvasStats(page, '[data-testid=compare-canvas-b]');
  check(sa.std > 5 && sb.std > 5 && sa.hash !== sb.hash && (await zoomOf(page)) === pinched, `side by side: two drawn panes at the shared zoom (std ${sa.std.toFixed(1)}, ${sb.std.toFixed(1)})`);
  await page.screenshot({ path: 'test-results/compare-side.png' });

  await page.click('[data-testid=mode-windows]');
  await page.waitForSelector('[data-testid=zoom-main]');
  const main = await page.locator('[data-testid=zoom-main]').boundingBox();
  const regionBox = () => page.locator('.zoomwin-region').boundingBox();
  await page.mouse.move(main.x + main.width * 0.3, main.y + main.height * 0.6);
  await page.waitForTimeout(200);
  const r1 = await regionBox();
  check(Math.abs(r1.x + r1.width / 2 - (main.x + main.width * 0.3)) < 2 && Math.abs(r1.y + r1.height / 2 - (main.y + main.height * 0.6)) < 2, 'the zoom region follows the pointer over the main window');
  const wa = await canvasStats(page, '[data-testid=zoom-a-canvas]');
  const wb = await canvasStats(page, '[data-testid=zoom-b-canvas]');
  check(wa.std > 3 && wb.std > 3 && wa.hash !== wb.hash, 'the two zoom windows show the region of A and of B');
  await page.mouse.wheel(0, 300);
  await page.waitForTimeout(200);
  const r2 = await regionBox();
  check(r2.width > r1.width * 1.3, `the wheel over the main window resizes the region (${r1.width.toFixed(0)} → ${r2.width.toFixed(0)} px)`);
  await page.screenshot({ path: 'test-results/compare-windows.png' });

  // ------------------------------------------------------------ share link: same pixels in a fresh page
  console.log('share link (sample)');
  await page.click('[data-testid=mode-split]');
  await page.evaluate(() => document.activeElement?.blur());
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await waitFrameLabel(page, 4);
  await page.waitForTimeout(500);
  const want = await settledHash(page, canvasSel);
  const wantSplit = await pct(page);
  const wantZoom = await zoomOf(page);
  const link = await copyLink(page);
  check(/#v1\.[A-Za-z0-9_-]+$/.test(link), `Copy link gives a versioned state link (${link.length} characters)`);
  const page2 = await freshPage('restored');
  await page2.goto(link);
  await waitSource(page2);
  await waitFrameLabel(page2, 4);
  await page2.waitForSelector(canvasSel);
  const got = await settledHash(page2, canvasSel, { equals: want });
  check(got === want, `the restored link draws the same pixels (canvas hash ${got} vs ${want})`);
  check((await pct(page2)) === wantSplit && (await zoomOf(page2)) === wantZoom, `split (${wantSplit} %) and zoom (${wantZoom * 100} %) restored`);
  check((await page2.$$('[data-testid=notice]')).length === 0, 'a clean link shows no notice');
  await page2.context().close();

  // ------------------------------------------------------------ blind A-B test
  console.log('blind test');
  await page.getByRole('tab', { name: 'Blind A-B test' }).click();
  await page.waitForSelector('[data-testid=blind-setup]');
  for (const sel of ['[data-testid=blind-new-a]', '[data-testid=blind-new-b]', '[data-testid=blind-context]']) {
    const got = await vsrChoices(sel);
    check(got.join() === 'vsr:vsr,vsr:vsr-restore,vsr:vsr-fast', `blind test ${sel} offers every VSR model: ${got.join(', ')}`);
  }
  for (const [x, y] of [
    ['original', 'bicubic'],
    ['bicubic', 'lr'],
  ]) {
    await page.selectOption('[data-testid=blind-new-a]', x);
    await page.selectOption('[data-testid=blind-new-b]', y);
    await page.click('[data-testid=blind-add-pair]');
  }
  await page.click('[data-testid=blind-pairs] li:first-child button'); // drop the default (VSR, not available here)
  await page.fill('[data-testid=blind-frames]', '1, 40');
  await page.press('[data-testid=blind-frames]', 'Enter');
  await page.selectOption('[data-testid=blind-context]', 'lr');
  await page.fill('[data-testid=blind-seed]', '1234');
  const def = { seed: 1234, frames: [0, 39], pairs: [['original', 'bicubic'], ['bicubic', 'lr']], context: 'lr' };
  const startLabel = await page.textContent('[data-testid=blind-start]');
  check(/4 trials/.test(startLabel), `2 frames × 2 pairs = "${startLabel.trim()}"`);
  const testLink = await copyLink(page);
  await page.click('[data-testid=blind-start]');
  const trials = makeTrials(def);
  const seen = [];
  let firstWindows = [];
  for (let i = 0; i < trials.length; i++) {
    await page.waitForSelector('[data-testid=blind-trial][data-ready=true]', { timeout: 60_000 });
    await page.waitForFunction((n) => document.querySelector('[data-testid=blind-progress]')?.textContent.trim() === `${n} / 4`, i + 1, { timeout: 10_000 });
    const name = await page.textContent('[data-testid=blind-frame-name]');
    seen.push(name.trim());
    const t = trials[i];
    if (i === 0) {
      await page.screenshot({ path: 'test-results/blind-trial.png' });
      firstWindows = [await settledHash(page, '[data-testid=blind-zoom-a-canvas]'), await settledHash(page, '[data-testid=blind-zoom-b-canvas]')];
    }
    // The subject prefers the bicubic image every time; the test knows where it is from the seed.
    await page.keyboard.press(t.first === 'bicubic' ? '1' : '2');
    if (i < trials.length - 1) await page.waitForFunction((n) => document.querySelector('[data-testid=blind-progress]')?.textContent.trim() === `${n} / 4`, i + 2, { timeout: 10_000 });
  }
  check(seen.every((s, i) => s === `sample.mp4 — frame ${trials[i].frame + 1}`), `progress n / 4 and the frame name under each trial, in the seeded order: ${seen.join(' | ')}`);
  await page.waitForSelector('[data-testid=blind-results]');
  const r = async (p, m) => (await page.textContent(`[data-testid=result-${p}-${m}]`)).replace(/\s+/g, ' ');
  check(/2 \/ 2 .*100\.0 %/.test(await r('original-bicubic', 'bicubic')) && /0 \/ 2 .*0\.0 %/.test(await r('original-bicubic', 'original')), `results: bicubic 2 / 2 against the original`);
  check(/2 \/ 2 .*100\.0 %/.test(await r('bicubic-lr', 'bicubic')), 'results: bicubic 2 / 2 against the LR');
  await page.screenshot({ path: 'test-results/blind-results.png' });
  const [csvDl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=blind-export-csv]')]);
  const csv = readFileSync(await csvDl.path(), 'utf8').trim().split('\n');
  check(csvDl.suggestedFilename() === 'blind-test-sample.mp4-seed1234.csv', `CSV file name ${csvDl.suggestedFilename()}`);
  check(
    JSON.stringify(csv) ===
      JSON.stringify([
        'source,seed,pair,method,label,votes,total,share',
        'sample.mp4,1234,original vs bicubic,original,Original (HR),0,2,0.0000',
        'sample.mp4,1234,original vs bicubic,bicubic,Bicubic ×4 of the LR,2,2,1.0000',
        'sample.mp4,1234,bicubic vs lr,bicubic,Bicubic ×4 of the LR,2,2,1.0000',
        'sample.mp4,1234,bicubic vs lr,lr,Degraded LR,0,2,0.0000',
      ]),
    `CSV holds the share of votes per method per pair:\n      ${csv.join('\n      ')}`,
  );
  const [jsonDl] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=blind-export-json]')]);
  const json = JSON.parse(readFileSync(await jsonDl.path(), 'utf8'));
  check(json.votes.length === 4 && json.votes.every((v) => v.chosen === 'bicubic' && (v.choice === 1 ? v.first : v.second) === 'bicubic'), 'JSON export: 4 votes, each the bicubic image by the side it was on');
  check(JSON.stringify(json.votes.map((v) => [v.frame, v.first, v.second])) === JSON.stringify(trials.map((t) => [t.frame, t.first, t.second])), 'JSON votes follow the seeded trials');

  console.log('blind test link replays');
  const page3 = await freshPage('blind-link');
  await page3.goto(testLink);
  await waitSource(page3);
  await page3.waitForSelector('[data-testid=blind-setup]');
  check((await page3.inputValue('[data-testid=blind-frames]')) === '1, 40' && (await page3.inputValue('[data-testid=blind-seed]')) === '1234', 'the test link restores frames and seed');
  await page3.click('[data-testid=blind-start]');
  await page3.waitForSelector('[data-testid=blind-trial][data-ready=true]', { timeout: 60_000 });
  const first3 = (await page3.textContent('[data-testid=blind-frame-name]')).trim();
  const win3 = [
    await settledHash(page3, '[data-testid=blind-zoom-a-canvas]', { equals: firstWindows[0] }),
    await settledHash(page3, '[data-testid=blind-zoom-b-canvas]', { equals: firstWindows[1] }),
  ];
  check(first3 === seen[0], `the shared test starts with the same trial (${first3})`);
  check(win3[0] === firstWindows[0] && win3[1] === firstWindows[1], `…with the same images on the same sides (window hashes ${win3} vs ${firstWindows})`);
  await page3.context().close();

  // ------------------------------------------------------------ a link for a user's file
  console.log("share link (user's file)");
  const page4 = await freshPage('file');
  await page4.goto(base);
  await waitSource(page4);
  await page4.setInputFiles('[data-testid=file-input]', 'e2e/fixtures/clip-64x48.mp4');
  await waitSource(page4, /clip-64x48\.mp4/);
  await page4.getByRole('tab', { name: 'Compare' }).click();
  await page4.evaluate(() => document.activeElement?.blur());
  await page4.keyboard.press('ArrowRight');
  await page4.keyboard.press('ArrowRight');
  await waitFrameLabel(page4, 3);
  await page4.waitForTimeout(500);
  const wantFile = await settledHash(page4, canvasSel);
  const fileLink = await copyLink(page4);
  await page4.context().close();
  const page5 = await freshPage('file-restored');
  await page5.goto(fileLink);
  await page5.waitForSelector('[data-testid=notice]', { timeout: 60_000 });
  const ask = await page5.locator('[data-testid=notice]').allTextContents();
  check(ask.some((t) => t.includes("Open 'clip-64x48.mp4' to continue")), `the link asks for its file: "${ask.join(' | ').slice(0, 120)}"`);
  await waitSource(page5); // the sample opens meanwhile: the app is usable
  await page5.setInputFiles('[data-testid=file-input]', 'e2e/fixtures/clip-64x48.mp4');
  await waitSource(page5, /clip-64x48\.mp4/);
  await waitFrameLabel(page5, 3);
  const gotFile = await settledHash(page5, canvasSel, { equals: wantFile });
  check(gotFile === wantFile, `after opening the file, the same view and pixels (hash ${gotFile} vs ${wantFile})`);
  await page5.context().close();

  // ------------------------------------------------------------ tampered links
  console.log('tampered links');
  const goodState = link.slice(link.indexOf('#v1.') + 4);
  const b64 = (s) => Buffer.from(s, 'utf8').toString('base64url');
  const XSS = `<img src=x onerror="window.__pwned=1">.mp4`;
  const tampered = [
    ['garbage base64', 'v1.!!!~~~not*base64'],
    ['wrong version', `v9.${goodState}`],
    ['truncated', `v1.${goodState.slice(0, Math.floor(goodState.length / 2) * 1 + 1)}`],
    ['bad types, NaN, huge, negative', 'v1.' + b64(JSON.stringify({ t: 'compare', f: 'NaN', c: { z: 1e308, s: -5, a: 42, x: 'NaN' } }))],
    ['Infinity and a negative frame', 'v1.' + b64('{"t":"compare","f":-7,"c":{"y":1e999}}')],
    ['unknown keys', 'v1.' + b64(JSON.stringify({ t: 'compare', zz: 1, c: { evil: 2 } }))],
    ['__proto__ / constructor', 'v1.' + b64('{"__proto__":{"polluted":1,"t":"blind"},"t":"compare","c":{"constructor":{"prototype":{"polluted":2}}},"p":{"__proto__":{"polluted":3}}}')],
    ['script in strings', 'v1.' + b64(JSON.stringify({ t: '<script>window.__pwned=1</script>', s: XSS, c: { m: 'javascript:window.__pwned=1', a: '<svg onload=alert(1)>' } }))],
  ];
  for (const [what, hash] of tampered) {
    const p = await freshPage(`tampered:${what}`);
    await p.goto(`${base}#${hash}`);
    await p.waitForSelector('[data-testid=notice]', { timeout: 60_000 });
    const notices = await p.locator('[data-testid=notice]').allTextContents();
    await waitSource(p);
    await p.getByRole('tab', { name: 'Degrade' }).click();
    await p.waitForSelector('[data-testid=frame-canvas]');
    const s = await settledHash(p, '[data-testid=frame-canvas]');
    await p.getByRole('tab', { name: 'Compare' }).click();
    await p.waitForSelector('[data-testid=compare-canvas], [data-testid=zoom-main-canvas], [data-testid=compare-canvas-a]');
    const safe = await p.evaluate(() => ({ pwned: window.__pwned, polluted: {}.polluted, imgs: document.querySelectorAll('img, svg, script:not([src])').length }));
    check(
      notices.length > 0 && s !== null && safe.pwned === undefined && safe.polluted === undefined && safe.imgs === 0 && p.errors.length === 0,
      `${what}: notice "${notices.join(' | ').slice(0, 150)}"; app works; nothing executed or injected${p.errors.length ? `; page errors: ${p.errors.join('; ')}` : ''}`,
    );
    if (what === 'script in strings') check(notices.some((n) => n.includes(`Open '${XSS}' to continue`)), 'the script-like file name is shown as plain text');
    await p.context().close();
  }

  // A pasted link on an open page (hashchange) goes through the same checks.
  await page.evaluate((h) => (location.hash = h), 'v1.' + b64(JSON.stringify({ t: 'compare', f: 1e308 })));
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=notice]')].some((n) => /past the end|clamped/.test(n.textContent)), null, { timeout: 10_000 });
  await waitFrameLabel(page, 75);
  check(page.errors.length === 0, 'a tampered link pasted into an open page: clamped with a notice (frame 75 / 75), no errors');
} finally {
  await browser.close();
  await server.close();
}
exitWithTally('compare checks');
