import { Platform, type DockerImageAssetProps } from 'aws-cdk-lib/aws-ecr-assets';
import { PlatformPaths } from './constants';

/**
 * How the agent image is built: from the repository root with `agent-task/Dockerfile`, for
 * linux/amd64. The root's `.dockerignore` is an allow-list of what the Dockerfile copies, so the
 * build context and the asset hash hold only what the container runs: editing the docs, the tests
 * or the CDK app builds no new image and registers no new task definition revision.
 *
 * @example
 * const props = agentImageAssetProps(projectRoot);
 * const image = ecs.ContainerImage.fromAsset(props.directory, props);
 */
export function agentImageAssetProps(projectRoot: string, dockerfile: string = PlatformPaths.dockerfile): DockerImageAssetProps {
  return { directory: projectRoot, file: dockerfile, platform: Platform.LINUX_AMD64 };
}
