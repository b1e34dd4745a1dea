export { research, researchPlan, composeReport } from './research';
export { content, contentPlan, composeBrief } from './content';
export { analysis, analysisPlan } from './analysis';
export { answerFromSearch } from './answer-from-search';
