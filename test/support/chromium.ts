// Debian's chromium for playwright-core (a browser download is impossible here), with the
// flags that keep it from reaching the network on its own.

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
