// The Upscale tab's run form, as the suites fill it: frames from–to (1-based, as typed), the LR
// region, the output kind and size; then Start, and the status once the run has ended.

/** Sets the fields given (an omitted field keeps what the form shows). */
export async function setUpscaleRun(page, { from, to, region, output, size } = {}) {
  await page.waitForSelector('[data-testid=upscale-start]');
  if (from !== undefined) await page.fill('[data-testid=upscale-from]', String(from));
  if (to !== undefined) await page.fill('[data-testid=upscale-to]', String(to));
  if (region !== undefined) await page.selectOption('[data-testid=upscale-region]', region);
  if (output !== undefined) await page.selectOption('[data-testid=upscale-output]', output);
  if (size !== undefined) await page.selectOption('[data-testid=upscale-size]', size);
}

/** Resolves when the run has ended (done or error); returns the status line, trimmed. */
export async function upscaleEnded(page, timeout = 240_000) {
  await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('[data-testid=upscale-status]')?.getAttribute('data-status') ?? ''), null, { timeout });
  return (await page.textContent('[data-testid=upscale-status]')).trim();
}

/** Fills the form, starts the run and waits for its end; returns the status line. */
export async function runUpscale(page, fields, timeout = 240_000) {
  await setUpscaleRun(page, fields);
  await page.click('[data-testid=upscale-start]');
  return upscaleEnded(page, timeout);
}
