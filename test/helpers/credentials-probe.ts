/**
 * Bundled by test/infra/bundles.test.ts with the Lambda bundle options: prints the credentials the
 * storage clients resolve in AWS mode (no local endpoints), as a deployed function's clients would.
 */
import { createStorageClients } from '../../shared/storage/clients';

const clients = createStorageClients({ tableName: 't', bucketName: 'b', region: 'eu-west-1' });
try {
  const s3 = await clients.s3.config.credentials();
  const dynamo = await clients.dynamo.config.credentials();
  process.stdout.write(JSON.stringify({ s3, dynamo }));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
}
