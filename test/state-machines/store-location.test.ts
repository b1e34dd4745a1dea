import { ConfigDefinitionError } from '../../framework/errors';
import { ContainerEnv, formatStoreLocation, parseStoreLocation, type StoreLocation } from '../../state-machines';

describe('STEPWISE_STORE', () => {
  it.each<[string, StoreLocation]>([
    ['file:/var/lib/stepwise', { kind: 'file', directory: '/var/lib/stepwise' }],
    ['dynamodb:runs,events,approvals,s3:stepwise-payloads', { kind: 'dynamodb', runStateTable: 'runs', eventsTable: 'events', approvalsTable: 'approvals', bucket: 'stepwise-payloads' }],
  ])('parses %s and formats it back unchanged', (value, location) => {
    // Act
    const parsed = parseStoreLocation(value);

    // Assess
    expect(parsed).toEqual(location);
    expect(formatStoreLocation(parsed)).toBe(value);
  });

  it.each([
    ['', 'is empty'],
    ['file:', 'names no directory'],
    ['redis://localhost', 'unknown kind'],
    ['dynamodb:runs,events,s3:bucket', '3 comma-separated parts'],
    ['dynamodb:runs,events,approvals,bucket', 's3:<bucket>'],
    ['dynamodb:runs,ev ents,approvals,s3:bucket', 'eventsTable'],
    ['dynamodb:runs,events,approvals,s3:Bad_Bucket', 'bucket name'],
  ])('rejects %j and says what is wrong', (value, problem) => {
    // Act
    const parse = () => parseStoreLocation(value);

    // Assess
    expect(parse).toThrow(ConfigDefinitionError);
    expect(parse).toThrow(problem);
    expect(parse).toThrow(ContainerEnv.Store);
  });

  it('formats CDK tokens as they are', () => {
    // Act
    const value = formatStoreLocation({ kind: 'dynamodb', runStateTable: '${Token[A]}', eventsTable: '${Token[B]}', approvalsTable: '${Token[C]}', bucket: '${Token[D]}' });

    // Assess
    expect(value).toBe('dynamodb:${Token[A]},${Token[B]},${Token[C]},s3:${Token[D]}');
  });

  it('refuses to format a name that contains the separator', () => {
    // Act
    const format = () => formatStoreLocation({ kind: 'dynamodb', runStateTable: 'a,b', eventsTable: 'e', approvalsTable: 'p', bucket: 'b' });

    // Assess
    expect(format).toThrow(ConfigDefinitionError);
    expect(format).toThrow('runStateTable');
  });
});
