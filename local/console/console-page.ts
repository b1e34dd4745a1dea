import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The files of the console the engine serves, by name: built by `npm run build` into `dist/console/`. */
export const CONSOLE_ASSETS = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.js.map': 'application/json',
  'console.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
} as const;
export type ConsoleAssetName = keyof typeof CONSOLE_ASSETS;

/** Where the console's pages load their files from. */
export const ASSET_PATH_PREFIX = '/console/assets/';

/** The name of the `<meta>` element that carries the per-engine secret into the page. */
export const SECRET_META_NAME = 'stepwise-console-secret';

/**
 * The content security policy of every console response: scripts, styles and connections from
 * the engine itself only, no inline script or style, no plugins, no framing, no forms posted away.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every console response: the policy above plus no sniffing, framing, referrers or cross-origin reads. */
export const CONSOLE_SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

/**
 * Where the built console files are: beside the compiled engine (`dist/console/`) when it runs
 * from `dist/`, else in the package's `dist/console/` (when the engine runs from source, as in tests).
 */
export function consoleAssetsDirectory(): { directory?: string; searched: string[] } {
  const searched = [path.resolve(__dirname, '..', '..', 'console'), path.resolve(__dirname, '..', '..', 'dist', 'console')];
  return { directory: searched.find((candidate) => existsSync(path.join(candidate, 'console.js'))), searched };
}

/** What is wrong with the console's build, when it is not there. */
export function consoleBuildProblem(): string | undefined {
  const { directory, searched } = consoleAssetsDirectory();
  return directory ? undefined : `The console's files are missing (looked in ${searched.join(' and ')}). Run "npm run build" and reload.`;
}

/**
 * Reads one of the console's files, on every request, so a rebuilt console shows on reload. A
 * missing build is reported on the page instead of failing the engine.
 */
export function readConsoleAsset(name: ConsoleAssetName): { content?: Buffer; problem?: string } {
  const { directory } = consoleAssetsDirectory();
  if (!directory) return { problem: consoleBuildProblem() };
  const file = path.join(directory, name);
  if (!existsSync(file)) return { problem: `The console's file ${file} is missing. Run "npm run build" and reload.` };
  return { content: readFileSync(file) };
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);

/**
 * The console's one HTML page. The per-engine secret travels in a `<meta>` element: only a page
 * of the engine's own origin can read it (the engine sends no CORS headers, refuses other host
 * names and forbids framing), and the page's script sends it back with every change it asks for.
 */
export function consolePageHtml(options: { secret: string; problem?: string }): string {
  const body = options.problem
    ? `<main id="app"><h1>Stepwise console</h1><p role="alert">${escapeHtml(options.problem)}</p></main>`
    : '<main id="app" aria-live="polite"><p>Loading the Stepwise console…</p></main><noscript><p>The Stepwise console needs JavaScript.</p></noscript>';
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="${SECRET_META_NAME}" content="${escapeHtml(options.secret)}">`,
    '<title>Stepwise console</title>',
    `<link rel="icon" href="${ASSET_PATH_PREFIX}favicon.svg" type="image/svg+xml">`,
    `<link rel="stylesheet" href="${ASSET_PATH_PREFIX}console.css">`,
    options.problem ? '' : `<script src="${ASSET_PATH_PREFIX}console.js" defer></script>`,
    '</head>',
    `<body>${body}</body>`,
    '</html>',
  ].join('\n');
}
