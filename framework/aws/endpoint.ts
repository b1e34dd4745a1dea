import { ConfigDefinitionError } from '../errors';

/** An AWS service as its API is reached: signing name, endpoint prefix, and the suffix of its `AWS_ENDPOINT_URL_<ID>` variable. */
export interface AwsServiceDescription {
  /** The SigV4 signing name, e.g. `states`. */
  readonly signingName: string;
  /** The first label of its regional host name, e.g. `states` in `states.eu-west-1.amazonaws.com`. */
  readonly endpointPrefix: string;
  /** The service's id in `AWS_ENDPOINT_URL_<ID>`, e.g. `SFN`. */
  readonly endpointId: string;
}

const isTrue = (value: string | undefined): boolean => value?.toLowerCase() === 'true';

/**
 * `AWS_REGION` (or `AWS_DEFAULT_REGION`), as ECS, Fargate and the local engine set it.
 *
 * @throws ConfigDefinitionError naming AWS_REGION when neither is set.
 */
export function awsRegion(env: NodeJS.ProcessEnv): string {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new ConfigDefinitionError('The AWS region is not set: set AWS_REGION (ECS, Fargate and the local engine set it for the container).', { field: 'AWS_REGION' });
  return region;
}

/** The DNS suffix of a region's partition (dual-stack: the `api.` names of the partitions that have them). */
function dnsSuffixOf(region: string, dualStack: boolean): string {
  if (region.startsWith('cn-')) return dualStack ? 'api.amazonwebservices.com.cn' : 'amazonaws.com.cn';
  if (region.startsWith('us-isob-')) return 'sc2s.sgov.gov';
  if (region.startsWith('us-iso-')) return 'c2s.ic.gov';
  if (region.startsWith('eusc-')) return 'amazonaws.eu';
  return dualStack ? 'api.aws' : 'amazonaws.com';
}

/**
 * The service's endpoint as the standard AWS configuration gives it: `AWS_ENDPOINT_URL_<ID>`, then
 * `AWS_ENDPOINT_URL` (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`), else the regional endpoint of
 * the region's partition, FIPS (`AWS_USE_FIPS_ENDPOINT`) and dual-stack (`AWS_USE_DUALSTACK_ENDPOINT`) as asked.
 *
 * @throws ConfigDefinitionError naming the variable when a configured endpoint is not an http(s) URL.
 * @example
 * serviceEndpoint({ signingName: 'states', endpointPrefix: 'states', endpointId: 'SFN' }, {}, 'eu-west-1').href; // 'https://states.eu-west-1.amazonaws.com/'
 */
export function serviceEndpoint(service: AwsServiceDescription, env: NodeJS.ProcessEnv, region: string): URL {
  // An empty variable counts as unset, as the SDK takes it.
  const variable = isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)
    ? undefined
    : [`AWS_ENDPOINT_URL_${service.endpointId}`, 'AWS_ENDPOINT_URL'].find((name) => env[name]);
  if (variable) {
    const configured = env[variable]!;
    let url: URL | undefined;
    try {
      url = new URL(configured);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigDefinitionError(`${variable} must be an http or https URL, like https://states.eu-west-1.amazonaws.com: got ${configured}`, { field: variable });
    }
    return url;
  }
  const prefix = isTrue(env.AWS_USE_FIPS_ENDPOINT) ? `${service.endpointPrefix}-fips` : service.endpointPrefix;
  return new URL(`https://${prefix}.${region}.${dnsSuffixOf(region, isTrue(env.AWS_USE_DUALSTACK_ENDPOINT))}`);
}
