/**
 * The local Firehose stand-in and the delivery stream the stack synthesizes cannot drift apart: the
 * stream's Prefix, evaluated with its own JQ query's partition keys, is the stand-in's prefix for the
 * same lines; its error prefix, compression, file extension and record processing are what the
 * stand-in does.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { appConfigFromContext } from '../../infra/cdk/context';
import { RoxtrailStack } from '../../infra/cdk/roxtrail-stack';
import { errorPrefixOf, prefixOf, STANDIN_FILE_EXTENSION } from '../../infra/local/firehose-standin';
import { testApp } from '../helpers/cdk-app';

interface Destination {
  Prefix: string;
  ErrorOutputPrefix: string;
  CompressionFormat: string;
  FileExtension: string;
  DynamicPartitioningConfiguration: { Enabled: boolean };
  ProcessingConfiguration: {
    Enabled: boolean;
    Processors: { Type: string; Parameters?: { ParameterName: string; ParameterValue: string }[] }[];
  };
}

let destination: Destination;

beforeAll(() => {
  const app = testApp({ bundle: false });
  const stack = new RoxtrailStack(app, 'Roxtrail', appConfigFromContext(app).stackProps);
  const streams = Object.values(
    Template.fromStack(stack).findResources('AWS::KinesisFirehose::DeliveryStream'),
  );
  expect(streams).toHaveLength(1);
  destination = streams[0]?.Properties.ExtendedS3DestinationConfiguration as Destination;
});

/** `{site: .site, dt: .dt}` → partition key → the line's field it reads. */
function partitionFieldsOf(query: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const match of query.matchAll(/(\w+)\s*:\s*\.(\w+)/g)) fields.set(match[1] ?? '', match[2] ?? '');
  return fields;
}

function parameter(type: string, name: string): string | undefined {
  return destination.ProcessingConfiguration.Processors.find((p) => p.Type === type)?.Parameters?.find(
    (p) => p.ParameterName === name,
  )?.ParameterValue;
}

/** What Firehose would make of the Prefix for one line. */
function evaluatePrefix(line: Record<string, unknown>): string {
  const fields = partitionFieldsOf(parameter('MetadataExtraction', 'MetadataExtractionQuery') ?? '');
  return destination.Prefix.replace(/!\{partitionKeyFromQuery:(\w+)\}/g, (_, key: string) =>
    String(line[fields.get(key) ?? ''] ?? ''),
  );
}

describe('the Firehose stand-in against the synthesized delivery stream', () => {
  it('partitions each line as the stream’s Prefix and JQ query would', () => {
    expect(destination.DynamicPartitioningConfiguration.Enabled).toBe(true);
    expect(parameter('MetadataExtraction', 'JsonParsingEngine')).toBe('JQ-1.6');
    for (const line of [
      { site: 'demo', dt: '2026-11-20', hh: '09', messageId: 'a' },
      { site: 'shop-2', dt: '2027-03-28', hh: '02', messageId: 'b' },
      { site: 'x', dt: '2028-02-29', hh: '23', messageId: 'c' },
    ]) {
      expect(prefixOf(JSON.stringify(line))).toEqual({ prefix: evaluatePrefix(line) });
    }
  });

  it('sends lines it cannot partition where the stream’s ErrorOutputPrefix sends them', () => {
    const atMs = Date.UTC(2026, 10, 20, 9, 30);
    const expected = destination.ErrorOutputPrefix.replace(
      '!{firehose:error-output-type}',
      'processing-failed',
    ).replace('!{timestamp:yyyy/MM/dd}', '2026/11/20');
    expect(errorPrefixOf(atMs)).toBe(expected);
    expect('error' in prefixOf(JSON.stringify({ site: 'demo', dt: '2026-11-20' }))).toBe(true);
  });

  it('writes gzip objects with the stream’s extension, one record per line, de-aggregated from JSON lines', () => {
    expect(destination.CompressionFormat).toBe('GZIP');
    expect(destination.FileExtension).toBe(STANDIN_FILE_EXTENSION);
    expect(destination.ProcessingConfiguration.Enabled).toBe(true);
    expect(parameter('RecordDeAggregation', 'SubRecordType')).toBe('JSON');
    expect(destination.ProcessingConfiguration.Processors.map((p) => p.Type)).toEqual([
      'RecordDeAggregation',
      'MetadataExtraction',
      'AppendDelimiterToRecord',
    ]);
    // Firehose appends a newline unless the processor names another delimiter: the stand-in ends each
    // line with '\n', so any other delimiter would be drift.
    expect(parameter('AppendDelimiterToRecord', 'Delimiter') ?? '\\n').toBe('\\n');
  });
});
