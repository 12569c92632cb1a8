#!/usr/bin/env node
// Bring your own model, end to end on the production build: models the tests build
// (src/pipeline/byo/test-models.ts, written to test-results/byo-models/) are added through the
// Upscale tab's file input and by dropping one on the page; the app shows what it inferred (scale,
// frames, value range, tile size), upscales the sample with one (pixels checked: nearest ×2 of the
// input), refuses bad files with a clear message (rank 3, an operator ORT lacks, a truncated file)
// without touching what is kept, asks the one thing it cannot tell (the value range of a washed-out
// model); the model runs side by side with ours in the blind A-B test; a reload keeps the models,
// and a removed one stays removed.
//
// ?testmodels (the narrow VSR nets), ?testvariants (CPU stand-ins for 'lr' and 'bicubic') and ?wasm
// (no WebGPU: SwiftShader would take seconds a step; the WebGPU path of these models is
// src/pipeline/byo/byo.gputest.ts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tsImport } from 'tsx/esm/api';
import { launchBrowser, pipeConsole, startPreviewServer } from './lib/browser.mjs';
import { canvasStats, check, dropFile, exitWithTally } from './lib/assert.mjs';
import { runUpscale } from './lib/upscale-form.mjs';

const { TEST_MODEL_FILES } = await tsImport('../src/pipeline/byo/test-models.ts', import.meta.url);
const DIR = 'test-results/byo-models';
mkdirSync(DIR, { recursive: true });
for (const [name, make] of Object.entries(TEST_MODEL_FILES)) writeFileSync(`${DIR}/${name}`, make());

const server = await startPreviewServer();
const browser = await launchBrowser();
const hash = (state) => `#v1.${Buffer.from(JSON.stringify(state)).toString('base64url')}`;

/** Add a model through the panel's file input; resolves with the status element's phase and text. */
async function addFile(page, name) {
  await page.setInputFiles('[data-testid=byo-file-input]', `${DIR}/${name}`);
  return settled(page, name);
}

/** Waits until the panel is done with `name` (added, refused, or asking) and says which. */
async function settled(page, name) {
  await page.waitForFunction(
    (n) => {
      const form = document.querySelector('[data-testid=byo-form]');
      if (form && form.textContent.includes(n)) return true;
      const st = document.querySelector('[data-testid=byo-status]');
      const phase = st?.getAttribute('data-phase');
      return (phase === 'added' || phase === 'refused') && st.textContent.includes(n.replace(/\.onnx$/, ''));
    },
    name,
    { timeout: 120_000 },
  );
  if (await page.$('[data-testid=byo-form]')) return { phase: 'asking', text: (await page.textContent('[data-testid=byo-form]')).trim() };
  return { phase: await page.getAttribute('[data-testid=byo-status]', 'data-phase'), text: (await page.textContent('[data-testid=byo-status]')).trim() };
}

const listed = (page) => page.$$eval('[data-testid=byo-model]', (ls) => ls.map((l) => ({ id: l.getAttribute('data-id'), text: l.textContent })));

try {
  const t0 = Date.now();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  pipeConsole(page, 'byo');
  await page.goto(`${server.url}/?testmodels&testvariants&wasm${hash({ t: 'upscale' })}`);
  await page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 90_000 });
  await page.waitForSelector('[data-testid=byo-panel]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=upscale-model] option').length >= 2, null, { timeout: 60_000 });

  console.log('a ×2 single-frame model through the file input: what the app inferred');
  const x2 = await addFile(page, 'x2-nearest.onnx');
  check(x2.phase === 'added' && /single-frame ×2, NCHW RGB, values 0–1, any frame size/.test(x2.text), `added with its inferred scale and layout: "${x2.text}"`);
  const picked = await page.inputValue('[data-testid=upscale-model]');
  const pickedText = await page.$eval('[data-testid=upscale-model]', (s) => s.selectedOptions[0]?.textContent ?? '');
  check(/^byo-x2-nearest-[0-9a-f]{8}$/.test(picked) && /x2-nearest\.onnx \(your model, ×2\)/.test(pickedText), `selected in the model picker: ${picked} "${pickedText}"`);
  const models = await page.$$eval('[data-testid=upscale-model] option', (os) => os.map((o) => o.value));
  check(models.join() === `vsr,vsr-restore,${picked}`, `offered after ours: ${models.join(', ')}`);
  await page.click('[data-testid=byo-model] summary');
  const how = await page.textContent('[data-testid=byo-model]');
  check(/a 32×32 test frame came out 64×64/.test(how) && /read as 0–1 correlation 1\.000/.test(how), 'the list says how each property was found');

  console.log('upscale the sample with it: frame 2, centred 32×32 LR region');
  const st = await runUpscale(page, { from: 2, to: 2, region: '32x32', output: 'none' }, 120_000);
  const out = await canvasStats(page, '[data-testid=upscale-canvas]');
  const inp = await canvasStats(page, '[data-testid=upscale-input]');
  check(new RegExp(`Upscaled 1 frames with ${picked} in`).test(st) && inp.width === 32 && out.width === 64 && out.height === 64 && out.std > 1, `the model's own ×2: ${inp.width}×${inp.height} → ${out.width}×${out.height} (std ${out.std.toFixed(1)}), "${st.slice(0, 90)}"`);
  const maxDiff = await page.evaluate(() => {
    const px = (sel) => {
      const c = document.querySelector(sel);
      return { w: c.width, d: c.getContext('2d').getImageData(0, 0, c.width, c.height).data };
    };
    const a = px('[data-testid=upscale-input]');
    const b = px('[data-testid=upscale-canvas]');
    let m = 0;
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++)
        for (let k = 0; k < 3; k++) m = Math.max(m, Math.abs(b.d[(y * b.w + x) * 4 + k] - a.d[((y >> 1) * a.w + (x >> 1)) * 4 + k]));
    return m;
  });
  check(maxDiff <= 1, `every output pixel is its input pixel, nearest ×2 (max difference ${maxDiff} levels)`);

  console.log('a ×4 model in 0–255, dropped on the page');
  await page.getByRole('tab', { name: 'Compare' }).click();
  await dropFile(page, 'x4-cubic-255.onnx', readFileSync(`${DIR}/x4-cubic-255.onnx`), 'application/octet-stream');
  await page.waitForSelector('[data-testid=byo-panel]'); // the drop opens the Upscale tab
  const x4 = await settled(page, 'x4-cubic-255.onnx');
  check(x4.phase === 'added' && /single-frame ×4, NCHW RGB, values 0–255/.test(x4.text), `dropped and added: "${x4.text}"`);

  console.log('bad models are refused with a clear message; what is kept stays');
  for (const [name, re] of [
    ['rank3.onnx', /rank3\.onnx's input 'x' has rank 3 \[3, H, W\]: the app feeds images as rank 4 \[1, 3, H, W\]/],
    ['unsupported-op.onnx', /cannot be loaded: it uses the operator NoSuchUpsample, which onnxruntime does not have/],
    ['truncated.onnx', /truncated\.onnx is not a complete ONNX model: the file ends in the middle/],
  ]) {
    const r = await addFile(page, name);
    check(r.phase === 'refused' && re.test(r.text), `${name}: "${r.text.slice(0, 150)}"`);
  }
  check((await listed(page)).length === 2, 'the two added models are still listed');

  console.log('what it cannot tell, it asks');
  const washed = await addFile(page, 'x2-washed.onnx');
  check(washed.phase === 'asking' && /Value range of its pixels/.test(washed.text) && /neither reading/.test(washed.text), `asks the value range: "${washed.text.slice(0, 140)}…"`);
  check(await page.isChecked('[data-testid=byo-range-1]'), 'its best guess (0–1) is preselected');
  await page.click('[data-testid=byo-range-1]');
  await page.click('[data-testid=byo-submit]');
  await page.waitForFunction(() => {
    const st = document.querySelector('[data-testid=byo-status]');
    return st?.getAttribute('data-phase') === 'added' && st.textContent.includes('x2-washed');
  }, null, { timeout: 120_000 });
  const washedAdded = { phase: 'added', text: (await page.textContent('[data-testid=byo-status]')).trim() };
  check(washedAdded.phase === 'added' && /values 0–1/.test(washedAdded.text), `added with the answer: "${washedAdded.text}"`);
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s so far)`);

  console.log('blind A-B test: the model next to ours');
  await page.getByRole('tab', { name: 'Blind A-B test' }).click();
  await page.waitForSelector('[data-testid=blind-setup]');
  const yourVariant = `vsr:${picked}`;
  const choices = await page.$$eval('[data-testid=blind-new-a] option', (os) => os.map((o) => o.value));
  check(choices.includes(yourVariant) && choices.includes('vsr:vsr'), `the pair pickers offer it beside ours: ${choices.filter((c) => c.startsWith('vsr:')).join(', ')}`);
  await page.selectOption('[data-testid=blind-new-a]', yourVariant);
  await page.selectOption('[data-testid=blind-new-b]', 'vsr:vsr');
  await page.click('[data-testid=blind-add-pair]');
  await page.click('[data-testid=blind-pairs] li:first-child button'); // the default pair
  await page.fill('[data-testid=blind-frames]', '3');
  await page.press('[data-testid=blind-frames]', 'Enter');
  await page.selectOption('[data-testid=blind-context]', 'lr');
  const pairs = (await page.textContent('[data-testid=blind-pairs]')).replace(/\s+/g, ' ');
  check(/Your model ×2 · x2-nearest\.onnx vs VSR ×4 · vsr/.test(pairs), `the pair, labelled: "${pairs.trim()}"`);
  await page.click('[data-testid=blind-start]');
  await page.waitForSelector('[data-testid=blind-trial][data-ready=true]', { timeout: 180_000 });
  const a = await canvasStats(page, '[data-testid=blind-zoom-a-canvas]');
  const b = await canvasStats(page, '[data-testid=blind-zoom-b-canvas]');
  check(a.std > 2 && b.std > 2 && a.hash !== b.hash, `both methods drawn side by side, different pictures (std ${a.std.toFixed(1)} / ${b.std.toFixed(1)})`);
  await page.screenshot({ path: 'test-results/byo-blind.png' });
  await page.keyboard.press('1');
  await page.waitForSelector('[data-testid=blind-results]');
  // Method and votes cells of each result row.
  const rows = await page.$$eval('[data-testid^=result-]', (rs) => rs.map((r) => [...r.cells].slice(-3, -1).map((c) => c.textContent.replace(/\s+/g, ' ').trim()).join(': ')));
  const votes = rows.map((r) => Number(/(\d) \/ 1$/.exec(r)?.[1]));
  check(rows.length === 2 && /^Your model ×2 · x2-nearest\.onnx: [01] \/ 1$/.test(rows[0]) && /^VSR ×4 · vsr: [01] \/ 1$/.test(rows[1]) && votes[0] + votes[1] === 1, `results name both, one vote between them: ${rows.join(' | ')}`);

  console.log('kept for the next visit; removal too');
  await page.reload();
  await page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 90_000 });
  await page.getByRole('tab', { name: 'Upscale' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=byo-model]').length === 3, null, { timeout: 60_000 });
  const kept = await listed(page);
  check(kept.map((m) => m.text.match(/^\S+\.onnx/)?.[0]).join() === 'x2-nearest.onnx,x4-cubic-255.onnx,x2-washed.onnx', `after a reload: ${kept.map((m) => m.id).join(', ')}`);
  const afterReload = await page.$$eval('[data-testid=upscale-model] option', (os) => os.map((o) => o.value));
  check(afterReload.filter((v) => v.startsWith('byo-')).length === 3, 'and offered in the picker again');
  const washedId = kept.find((m) => /x2-washed/.test(m.text)).id;
  await page.click(`[data-testid=byo-model][data-id="${washedId}"] [data-testid=byo-remove]`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=byo-model]').length === 2, null, { timeout: 30_000 });
  await page.reload();
  await page.waitForFunction(() => /sample\.mp4/.test(document.querySelector('[data-testid=source-name]')?.textContent ?? ''), null, { timeout: 90_000 });
  await page.getByRole('tab', { name: 'Upscale' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=upscale-model] option').length >= 4, null, { timeout: 60_000 });
  const finalList = await listed(page);
  check(finalList.length === 2 && !finalList.some((m) => m.id === washedId), `a removed model stays removed: ${finalList.map((m) => m.id).join(', ')}`);
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s in all)`);
} finally {
  await browser.close();
  await server.close();
}
exitWithTally();
