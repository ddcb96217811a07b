/** `--stack NAME`: the CLI's commands against a deployed Roxtrail stack instead of the local servers. */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { type DeployedStack, deployedStackFromOutputs } from '../stack-outputs';

export type DescribeOutputs = (
  stackName: string,
  region: string,
) => Promise<Record<string, string | undefined>>;

/** The stack's outputs through CloudFormation, with the usual AWS credentials. */
export const describeStackOutputs: DescribeOutputs = async (stackName, region) => {
  const client = new CloudFormationClient({ region });
  try {
    const response = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = response.Stacks?.[0];
    if (!stack) throw new Error(`no stack "${stackName}" in ${region}`);
    const outputs: Record<string, string | undefined> = {};
    for (const output of stack.Outputs ?? [])
      if (output.OutputKey) outputs[output.OutputKey] = output.OutputValue;
    return outputs;
  } finally {
    client.destroy();
  }
};

export async function deployedStack(
  stackName: string,
  env: NodeJS.ProcessEnv = process.env,
  describe: DescribeOutputs = describeStackOutputs,
): Promise<DeployedStack> {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('--stack needs AWS_REGION (and AWS credentials, as for cdk deploy)');
  return deployedStackFromOutputs(stackName, await describe(stackName, region), region);
}
