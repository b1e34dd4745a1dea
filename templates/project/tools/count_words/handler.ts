import { toolHandler } from 'stepwise-agents/lambda';
import { countWords } from './tool';

/** The AWS Lambda entry point of `count_words` (AgentPlatform finds it at tools/<tool>/handler.ts). */
export const handler = toolHandler(countWords);
