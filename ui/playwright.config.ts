import { defineConfig } from '@playwright/test';

// Debian's Chromium (apt-get install chromium); `npx playwright install`
// cannot download browsers here.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The real-server tests start auxilio-server on this loopback port (e2e/server/fixture.ts).
const apiPort = Number(process.env.AUXILIO_E2E_PORT ?? 18787);

export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: 'http://127.0.0.1:4173',
    launchOptions: {
      executablePath: chromium,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    },
    locale: 'es-PE',
    screenshot: 'only-on-failure',
    timezoneId: 'America/Lima',
  },
  projects: [
    { name: 'mocked', testMatch: /mocked\/.*\.spec\.ts/ },
    { name: 'server', testMatch: /server\/.*\.spec\.ts/ },
  ],
  webServer: {
    // Build first so the tests always drive the current code.
    command: `npx vite build --logLevel warn && node scripts/serve.mjs --port 4173 --api http://127.0.0.1:${apiPort}`,
    url: 'http://127.0.0.1:4173/sos/',
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
