/**
 * Fans partial building out over invocations of the partial builder (AWS: the aggregator's handler
 * deployed again, so the aggregator's reserved concurrency of 1 never throttles it): a day too large
 * for one invocation's 15 minutes is split into chunks of partitions, each built by its own invocation in
 * parallel; the coordinating run then merges the stored partials. Small days stay in-process.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  type BuildContext,
  type BuiltPartition,
  chunkPartitions,
  inProcessBuilder,
  type PartialBuilder,
  type PartitionToBuild,
} from '../../shared/app/aggregate/partials';
import type { StorageClients } from '../../shared/storage/clients';

/**
 * Compressed archive bytes one invocation builds (~800,000 events at ~80 B each): about a minute of
 * work at the benchmark's build rate, far from the 15-minute limit even on a slow day.
 */
export const FAN_OUT_CHUNK_BYTES = 64 * 1024 * 1024;
/** Invocations in flight at once (each also holds its S3 and DynamoDB connections). */
const MAX_PARALLEL_INVOCATIONS = 16;

/** The aggregator event that asks an invocation to build some partitions' partials. */
export interface BuildPartialsRequest {
  action: 'build-partials';
  context: BuildContext;
  partitions: PartitionToBuild[];
}

/** What a build invocation answers: the partials and digests stay in S3 (a response is limited to 6 MB). */
export type BuildPartialsResponse = Omit<BuiltPartition, 'partial' | 'copies'>[];

export function lambdaFanOutBuilder(
  clients: StorageClients,
  functionName: string,
  lambda?: LambdaClient,
  chunkBytes = FAN_OUT_CHUNK_BYTES,
): PartialBuilder {
  const local = inProcessBuilder(clients);
  return async (partitions, context, onBuilt) => {
    const chunks = chunkPartitions(partitions, chunkBytes);
    if (chunks.length < 2) return local(partitions, context, onBuilt);
    // Made on the first day that fans out, not at the aggregator's cold start.
    lambda ??= clients.lambda;
    const client = lambda;
    const built: BuiltPartition[] = [];
    let next = 0;
    const invoker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++];
        if (!chunk) continue;
        const request: BuildPartialsRequest = { action: 'build-partials', context, partitions: chunk };
        const response = await client.send(
          new InvokeCommand({
            FunctionName: functionName,
            InvocationType: 'RequestResponse',
            Payload: new TextEncoder().encode(JSON.stringify(request)),
          }),
        );
        const text = new TextDecoder().decode(response.Payload);
        if (response.FunctionError) throw new Error(`building partials failed: ${text.slice(0, 500)}`);
        for (const result of JSON.parse(text) as BuildPartialsResponse) {
          built.push(result);
          onBuilt?.(result);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAX_PARALLEL_INVOCATIONS, chunks.length) }, invoker));
    return built;
  };
}

/** Serves a build request inside an invocation. */
export async function buildRequested(
  clients: StorageClients,
  request: BuildPartialsRequest,
): Promise<BuildPartialsResponse> {
  const built = await inProcessBuilder(clients)(request.partitions, request.context);
  return built.map(({ partial: _partial, copies: _copies, ...summary }) => summary);
}
