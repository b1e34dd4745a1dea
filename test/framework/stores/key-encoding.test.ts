import { encodeStoreKey } from '../../../framework/stores';

describe('encodeStoreKey', () => {
  it('makes names that are safe on every file system and keeps ordinary ids readable', () => {
    const names = ['arn:aws:states:us-east-1:123456789012:execution:research:Run-1', 'session:a/b\\c', '../../etc/passwd', 'ünïcødé ✓', '.hidden'].map(encodeStoreKey);
    for (const name of names) expect(name).toMatch(/^([a-z0-9_-]|%[0-9A-F]{2})+$/);
    expect(encodeStoreKey('run-1_a')).toBe('run-1_a');
    expect(encodeStoreKey('session:abc')).toBe('session%3Aabc');
  });

  it('gives different names to keys that differ only in case', () => {
    expect(encodeStoreKey('Run-A')).not.toBe(encodeStoreKey('run-a'));
    expect(encodeStoreKey('Run-A').toLowerCase()).not.toBe(encodeStoreKey('run-a').toLowerCase());
  });

  it('shortens very long keys to a bounded name that still tells them apart', () => {
    const long = 'x'.repeat(5_000);
    const first = encodeStoreKey(`${long}1`);
    const second = encodeStoreKey(`${long}2`);
    expect(first.length).toBeLessThanOrEqual(180);
    expect(first).not.toBe(second);
    expect(first).toMatch(/^x+~[0-9a-f]{64}$/);
  });

  it('refuses an empty key', () => {
    expect(() => encodeStoreKey('')).toThrow(/non-empty/);
  });
});
