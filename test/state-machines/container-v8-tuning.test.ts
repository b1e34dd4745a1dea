import { ConfigDefinitionError } from '../../framework/errors';
import { ContainerEnv, ContainerV8Tuning, parseContainerV8Tuning } from '../../state-machines';

describe('STEPWISE_CONTAINER_V8', () => {
  it.each<[string | undefined, ContainerV8Tuning]>([
    [undefined, 'node'],
    ['', 'node'],
    ['  ', 'node'],
    ['node', 'node'],
    ['lean', 'lean'],
    [' Lean ', 'lean'],
  ])('reads %j as %s', (value, tuning) => {
    expect(parseContainerV8Tuning(value)).toBe(tuning);
  });

  it.each(['fast', 'turbofan', 'lean,node', 'true'])('refuses %j, naming the variable and the tunings there are', (value) => {
    // Act
    let thrown: unknown;
    try {
      parseContainerV8Tuning(value);
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(ConfigDefinitionError);
    expect(thrown).toMatchObject({ field: ContainerEnv.V8Tuning, message: `STEPWISE_CONTAINER_V8 must be "node" or "lean", got ${JSON.stringify(value)}` });
  });
});
