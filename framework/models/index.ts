export * from './openai';
export * from './text-protocol';
export * from './bedrock';
