// Tiny assertion + step helpers for the e2e scripts (Playwright-core has no test runner of its own).
export class E2EFailure extends Error {}

let failures = 0;
export function check(cond, what) {
  if (cond) console.log(`  ✓ ${what}`);
  else {
    failures++;
    console.log(`  ✗ ${what}`);
  }
  return cond;
}
export function failureCount() {
  return failures;
}

/** Statistics of a canvas's pixels, computed in the page. */
export async function canvasStats(page, selector) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    if (!c) return null;
    const ctx = c.getContext('2d');
    const { data } = ctx.getImageData(0, 0, c.width, c.height);
    let sum = 0, sum2 = 0, n = 0, hash = 2166136261;
    for (let i = 0; i < data.length; i += 4) {
      const y = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      sum += y; sum2 += y * y; n++;
    }
    for (let i = 0; i < data.length; i++) hash = Math.imul(hash ^ data[i], 16777619) >>> 0;
    const mean = sum / n;
    return { width: c.width, height: c.height, mean, std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), hash };
  }, selector);
}

/** Drop a file on the window the way a user's drag and drop does (DataTransfer + drop event). */
export async function dropFile(page, name, bytes, type) {
  await page.evaluate(
    ({ name, b64, type }) => {
      const bin = atob(b64);
      const arr = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([arr], name, { type }));
      for (const t of ['dragenter', 'dragover', 'drop']) window.dispatchEvent(new DragEvent(t, { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { name, b64: Buffer.from(bytes).toString('base64'), type },
  );
}

/**
 * Poll canvasStats until the canvas's hash is `is` or, given `not`, is not that value; return those
 * stats. Throws after `timeout` ms.
 */
export async function waitCanvasHash(page, selector, { is, not }, timeout = 10_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const s = await canvasStats(page, selector);
    if (s && (is !== undefined ? s.hash === is : s.hash !== not)) return s;
    if (Date.now() > end) throw new Error(`waitCanvasHash(${selector}): hash still ${s?.hash} after ${timeout} ms`);
    await page.waitForTimeout(100);
  }
}

/** The explorer's per-level PSNRs as [k, dB] pairs (∞ for the k = 1 reference), and the line itself. */
export async function explorerPsnrs(page) {
  const text = (await page.textContent('[data-testid=explore-psnr]')).trim();
  const vals = [...text.matchAll(/(\d+):([\d.]+|∞)/g)].map((m) => [Number(m[1]), m[2] === '∞' ? Infinity : Number(m[2])]);
  return { text, vals };
}

/** The end of every suite: the tally, and the exit status e2e/run.mjs reads (non-zero: a check failed). */
export function exitWithTally(what = 'checks') {
  const f = failures;
  console.log(f ? `${f} check(s) failed` : `all ${what} passed`);
  process.exit(f ? 1 : 0);
}
