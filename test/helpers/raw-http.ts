import { request as httpRequest } from 'node:http';

/** What a raw request answered. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * Sends one HTTP request with exactly the given headers (Node's `fetch` adds some of its own), so a
 * test can reproduce what a browser sends, byte for byte where it matters.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/**
 * The headers Chromium sends with `fetch(url, { method: 'POST', mode: 'no-cors', body: string })`
 * from a page on `origin` to the engine: a "simple" request that needs no CORS preflight, so the
 * browser sends it whatever the engine would answer.
 */
export function crossSiteBrowserHeaders(engineHost: string, origin = 'http://evil.example', site: 'cross-site' | 'same-site' = 'cross-site'): Record<string, string> {
  return {
    Host: engineHost,
    Origin: origin,
    'Content-Type': 'text/plain;charset=UTF-8',
    'Sec-Fetch-Site': site,
    'Sec-Fetch-Mode': 'no-cors',
    'Sec-Fetch-Dest': 'empty',
    Referer: `${origin}/`,
    'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0.0.0 Safari/537.36',
    Accept: '*/*',
  };
}
