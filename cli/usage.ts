/** The usage line of `stepwise run`, shared by the help text and its errors. */
export const runUsage = 'stepwise run <agent> "<task>" [--config FILE] [--model M] [--corpus DIR] [--approve ask|all|none] [--json] [--in-process] [--endpoint URL] [--target local|aws] [--stack NAME] [--region R]';
