import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const EXECUTABLE = '/usr/bin/chromium';

/**
 * Debian's Chromium at /usr/bin/chromium, installed with apt-get on first use
 * (the test machines run as root; playwright's own browser download is not
 * reachable from them).
 */
export function ensureChromium(): string {
  if (existsSync(EXECUTABLE)) return EXECUTABLE;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${EXECUTABLE} is missing; install Debian's chromium package (apt-get install chromium) as root`,
    );
  }
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
      stdio: 'pipe',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    install();
  } catch {
    // A fresh machine may have no package lists yet.
    execFileSync('apt-get', ['update'], { stdio: 'pipe' });
    install();
  }
  if (!existsSync(EXECUTABLE)) throw new Error(`apt-get installed chromium but ${EXECUTABLE} is not there`);
  return EXECUTABLE;
}

export interface OpenedPage {
  /** Console messages of type error, and uncaught page errors. */
  errors: string[];
  /** The page's visible text. */
  text: string;
  /** Number of <svg> elements that rendered with a non-zero size. */
  renderedCharts: number;
}

/** Opens a local HTML file in headless Chromium, saves a full-page screenshot and reports what it saw. */
export async function openInChromium(file: string, screenshot: string): Promise<OpenedPage> {
  const browser = await chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    // The machine's network is closed: without these, Chromium's background connections fail at every start.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // playwright gives each launch a new empty profile of its own.
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // biome-ignore lint/performance/useDomNodeTextContent: the test wants the text a reader sees, as rendered.
    const text = await page.innerText('body');
    const renderedCharts = await page.$$eval(
      'svg',
      (svgs) =>
        svgs.filter((svg) => {
          const box = svg.getBoundingClientRect();
          return box.width > 0 && box.height > 0;
        }).length,
    );
    await page.screenshot({ path: screenshot, fullPage: true });
    return { errors, text, renderedCharts };
  } finally {
    await browser.close();
  }
}
