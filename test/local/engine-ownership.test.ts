import { request } from 'node:http';
import type { LocalEngine } from '../../local';
import { startTestEngine, temporaryRoot } from './harness';

describe('one engine per state folder', () => {
  const engines: LocalEngine[] = [];
  afterEach(async () => {
    while (engines.length) await engines.pop()!.stop();
  });

  it('refuses a second engine on a folder another engine owns, saying where the first one answers', async () => {
    const { root } = temporaryRoot();
    const first = await startTestEngine(root);
    engines.push(first);

    await expect(startTestEngine(root)).rejects.toThrow(`Another Stepwise engine (process ${process.pid} at ${first.endpoint}) is using ${root}`);
  });

  it('lets a new engine take the folder once the owner has stopped', async () => {
    const { root } = temporaryRoot();
    await (await startTestEngine(root)).stop();

    const second = await startTestEngine(root);
    engines.push(second);

    expect(second.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers only requests addressed to loopback by address or localhost', async () => {
    const { root } = temporaryRoot();
    const engine = await startTestEngine(root);
    engines.push(engine);
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const call = request(`${engine.endpoint}/health`, { headers: { host } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        call.on('error', reject);
        call.end();
      });

    expect(await get(`localhost:${engine.port}`)).toBe(200);
    expect(await get(`attacker.example:${engine.port}`)).toBe(403);
  });
});
