import type { PatternMatch } from './patterns';

/**
 * Technology terms of the energy and software domains the corpus covers: canonical name first,
 * then other spellings. Matching ignores case and treats spaces and hyphens alike.
 */
export const TECHNOLOGY_LEXICON: readonly (readonly string[])[] = [
  // Energy storage
  ['lithium-ion', 'li-ion', 'lithium ion battery', 'lithium-ion battery', 'lithium-ion batteries'],
  ['lithium-iron-phosphate', 'LFP', 'lithium iron phosphate', 'LiFePO4'],
  ['nickel-manganese-cobalt', 'NMC'],
  ['sodium-ion', 'sodium ion battery', 'sodium-ion batteries'],
  ['solid-state battery', 'solid-state batteries'],
  ['vanadium flow battery', 'vanadium redox flow battery', 'vanadium flow batteries', 'vanadium redox', 'vanadium flow'],
  ['flow battery', 'flow batteries', 'redox flow'],
  ['iron-air battery', 'iron-air batteries', 'iron-air'],
  ['zinc-bromine', 'zinc bromine'],
  ['pumped hydro', 'pumped-storage hydropower', 'pumped storage hydropower', 'pumped hydro storage', 'pumped storage'],
  ['compressed air energy storage', 'CAES', 'compressed air storage'],
  ['liquid air energy storage', 'LAES'],
  ['thermal energy storage', 'molten salt storage', 'molten salt'],
  ['green hydrogen', 'hydrogen electrolysis'],
  ['hydrogen fuel cell', 'fuel cell', 'fuel cells'],
  ['electrolyzer', 'electrolyser', 'electrolyzers', 'electrolysers'],
  ['flywheel', 'flywheels', 'flywheel storage'],
  ['supercapacitor', 'supercapacitors', 'ultracapacitor'],
  ['battery management system', 'BMS'],
  ['battery energy storage system', 'BESS'],
  ['gravity storage'],
  // Generation and grid
  ['solar photovoltaic', 'solar PV', 'photovoltaic', 'photovoltaics', 'PV'],
  ['rooftop solar'],
  ['concentrated solar power', 'CSP'],
  ['onshore wind'],
  ['offshore wind'],
  ['wind turbine', 'wind turbines'],
  ['gas turbine', 'gas turbines', 'gas peaker', 'peaker plant', 'peaker plants', 'peakers'],
  ['combined cycle gas turbine', 'CCGT'],
  ['nuclear fission', 'nuclear reactor', 'nuclear reactors'],
  ['small modular reactor', 'SMR', 'small modular reactors', 'SMRs'],
  ['geothermal'],
  ['hydropower', 'hydroelectric', 'hydroelectricity'],
  ['carbon capture and storage', 'CCS', 'carbon capture'],
  ['heat pump', 'heat pumps'],
  ['electric vehicle', 'EV', 'EVs', 'electric vehicles', 'electric car', 'electric cars'],
  ['vehicle-to-grid', 'V2G'],
  ['smart meter', 'smart meters', 'smart metering'],
  ['smart thermostat', 'smart thermostats'],
  ['virtual power plant', 'VPP', 'virtual power plants', 'VPPs'],
  ['demand response'],
  ['grid-forming inverter', 'grid-forming inverters', 'grid-forming'],
  ['inverter', 'inverters'],
  ['microgrid', 'microgrids'],
  ['HVDC', 'high-voltage direct current'],
  ['transmission line', 'transmission lines'],
  ['synchronous condenser', 'synchronous condensers'],
  ['SCADA'],
  ['distributed energy resources', 'DER', 'DERs', 'distributed energy resource'],
  ['energy management system', 'EMS', 'home energy management'],
  ['frequency regulation', 'frequency response'],
  // Software and cloud
  ['AWS Lambda', 'Lambda function', 'Lambda functions'],
  ['AWS Step Functions', 'Step Functions'],
  ['Amazon ECS', 'ECS'],
  ['AWS Fargate', 'Fargate'],
  ['Amazon S3', 'S3'],
  ['Amazon DynamoDB', 'DynamoDB'],
  ['Amazon SQS', 'SQS'],
  ['Amazon EventBridge', 'EventBridge'],
  ['Amazon Bedrock'],
  ['AWS CDK', 'CDK', 'Cloud Development Kit'],
  ['CloudFormation'],
  ['Amazon CloudWatch', 'CloudWatch'],
  ['AWS IAM', 'IAM'],
  ['Kubernetes', 'k8s'],
  ['Docker', 'Docker container', 'Docker containers'],
  ['serverless'],
  ['microservices', 'microservice'],
  ['Terraform'],
  ['PostgreSQL', 'Postgres'],
  ['Redis'],
  ['Kafka', 'Apache Kafka'],
  ['REST API', 'REST APIs'],
  ['GraphQL'],
  ['webhook', 'webhooks'],
  ['Server-Sent Events', 'SSE'],
  ['WebSocket', 'WebSockets'],
  ['JSON Schema'],
  ['JSON'],
  ['TypeScript'],
  ['JavaScript'],
  ['Python'],
  ['Node.js'],
  ['OpenAPI'],
  ['state machine', 'state machines'],
  ['task token', 'task tokens'],
  ['large language model', 'LLM', 'LLMs', 'large language models'],
  ['GPT-4', 'GPT-4o'],
  ['ReAct', 'ReAct loop'],
  ['function calling', 'tool calling', 'tool use'],
  ['retrieval-augmented generation', 'RAG'],
  ['vector database', 'vector databases', 'vector store'],
  ['embeddings'],
  ['machine learning', 'ML'],
  ['neural network', 'neural networks', 'deep learning'],
  ['gradient boosting', 'gradient-boosted trees', 'XGBoost', 'LightGBM'],
  ['transformer model', 'transformer models'],
  ['time series forecasting', 'time-series forecasting', 'load forecasting'],
  ['reinforcement learning'],
  ['digital twin', 'digital twins'],
  ['blockchain'],
  ['idempotency key', 'idempotency keys', 'idempotent'],
  ['checkpoint', 'checkpoints', 'checkpointing'],
  ['human-in-the-loop', 'human in the loop'],
];

interface CompiledTerm {
  readonly canonical: string;
  readonly pattern: RegExp;
  readonly length: number;
}

/** All spellings, longest first, so "vanadium flow battery" is found before "flow battery". */
const COMPILED: readonly CompiledTerm[] = TECHNOLOGY_LEXICON.flatMap((spellings) =>
  spellings.map((spelling) => ({ canonical: spellings[0], pattern: spellingPattern(spelling), length: spelling.length })),
).sort((left, right) => right.length - left.length);

function spellingPattern(spelling: string): RegExp {
  const body = spelling
    .split(/[\s-]+/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s-]+');
  // Acronyms (all capitals) must match case; words may be capitalized or not.
  const isAcronym = /^[A-Z0-9]{2,}s?$/.test(spelling) || spelling === 'k8s';
  return new RegExp(`(?<![\\w-])${body}(?![\\w-])`, isAcronym ? 'g' : 'gi');
}

/**
 * Technology terms from the built-in lexicon, reported under their canonical name. Each span
 * of text is counted once, for its longest matching term.
 *
 * @example
 * findTechnologies('Li-ion and vanadium flow batteries').map((m) => m.text); // ['lithium-ion', 'vanadium flow battery']
 */
export function findTechnologies(text: string): PatternMatch[] {
  const found: PatternMatch[] = [];
  for (const term of COMPILED) {
    for (const match of text.matchAll(term.pattern)) {
      const start = match.index as number;
      const end = start + match[0].length;
      if (found.some((other) => start < other.end && other.start < end)) continue;
      found.push({ text: term.canonical, start, end });
    }
  }
  return found.sort((left, right) => left.start - right.start);
}

/** Whether a phrase is, as a whole, one of the lexicon's technology terms (e.g. "LFP"). */
export function isTechnologyTerm(phrase: string): boolean {
  return COMPILED.some((term) => {
    term.pattern.lastIndex = 0;
    const match = term.pattern.exec(phrase);
    term.pattern.lastIndex = 0;
    return match !== null && match[0].length === phrase.length;
  });
}
