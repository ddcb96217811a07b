import { describe, expect, it } from 'vitest';
import { deployedStack } from '../../infra/local/deployed-stack';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';

const outputs = Object.fromEntries(Object.values(STACK_OUTPUTS).map((name) => [name, `value-of-${name}`]));

describe('--stack: the CLI on a deployed stack', () => {
  it('reads the stack outputs in the configured region and points storage at its table and bucket', async () => {
    const asked: string[] = [];
    const stack = await deployedStack('Shop', { AWS_REGION: 'eu-south-1' }, async (name, region) => {
      asked.push(`${name}@${region}`);
      return outputs;
    });
    expect(asked).toEqual(['Shop@eu-south-1']);
    expect(stack.storage).toEqual({
      tableName: 'value-of-TableName',
      bucketName: 'value-of-BucketName',
      region: 'eu-south-1',
    });
    expect(stack.alertsFunctionName).toBe('value-of-AlertsFunctionName');
  });

  it('says what is missing: a region, or the outputs of a stack that is not Roxtrail', async () => {
    await expect(deployedStack('Shop', {}, async () => outputs)).rejects.toThrow(/AWS_REGION/);
    await expect(
      deployedStack('Other', { AWS_REGION: 'eu-south-1' }, async () => ({ TableName: 't' })),
    ).rejects.toThrow(/stack "Other" has no output .*BucketName/);
  });
});
