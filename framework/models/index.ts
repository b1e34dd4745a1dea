export * from './openai';
export * from './text-protocol';
