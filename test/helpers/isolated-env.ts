/**
 * Unsets these environment variables before each test of the enclosing block and puts their values
 * back after it, so a setting of the machine (an AWS profile, an endpoint) cannot leak into a test
 * that compares with the AWS SDK, which reads `process.env` itself.
 *
 * @example
 * describe('next to the AWS SDK', () => { isolateEnv(['AWS_PROFILE', 'AWS_REGION']); … });
 */
export function isolateEnv(names: readonly string[]): void {
  let saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
    for (const name of names) delete process.env[name];
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}
