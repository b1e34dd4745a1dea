import { formatNumber, mergedEntities } from '../../agents/plan-helpers';
import type { PlanObservation } from '../../framework';

describe('the demo plans’ helpers', () => {
  it('formats numbers as en-US text with at most two decimals, without Intl', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(1234.567)).toBe('1,234.57');
    expect(formatNumber(-98765.4)).toBe('-98,765.4');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(12)).toBe('12');
    // What rounds to nothing has no sign.
    expect(formatNumber(-0.001)).toBe('0');
  });

  it('ranks entities by their count across results, ties in the same order on every machine', () => {
    const observation = (entities: { text: string; count: number }[]): PlanObservation => ({ tool: 'extract_entities', args: {}, result: { entities: { people: entities } } }) as unknown as PlanObservation;

    const merged = mergedEntities([observation([{ text: 'bob', count: 1 }, { text: 'Ada', count: 2 }]), observation([{ text: 'Zoe', count: 1 }, { text: 'bob', count: 2 }])], 'people');

    expect(merged).toEqual(['bob', 'Ada', 'Zoe']);
    // Equal counts: code-unit order (upper case first), not the machine's locale.
    expect(mergedEntities([observation([{ text: 'apple', count: 1 }, { text: 'Zebra', count: 1 }, { text: 'Apple', count: 1 }])], 'people')).toEqual(['Apple', 'Zebra', 'apple']);
  });
});
