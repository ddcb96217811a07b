/**
 * Where the resource types the stack uses are not offered. CloudFormation fails a deployment that
 * names a type its region lacks, so the stack leaves such a resource out there (see roxtrail-stack.ts).
 *
 * AWS::Lambda::Url: the regions where cfn-lint (`--regions ALL_REGIONS`, its resource specifications
 * as of 2026-12-02) reports E3006 for the type, as quoted in issue 17; the AWS CDK's region facts do not
 * record it. Every other type the stack synthesizes was reported in all regions by the same run.
 */
export const FUNCTION_URL_UNAVAILABLE_REGIONS: readonly string[] = [
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'cn-northwest-1',
  'eu-central-2',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
  'mx-central-1',
  'us-gov-east-1',
  'us-gov-west-1',
];

export function functionUrlAvailableIn(region: string): boolean {
  return !FUNCTION_URL_UNAVAILABLE_REGIONS.includes(region);
}
