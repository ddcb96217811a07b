/**
 * Bundled by test/infra/bundles.test.ts with the Lambda bundle options and run without
 * `--enable-source-maps`: a scheduled function's failure, logged with its stack mapped to this file.
 */
import middy from '@middy/core';
import { logFailures } from '../../functions/common/stack-traces';

function failDeepInside(): never {
  throw new Error('probe failure');
}

const handler = middy<unknown, void>()
  .use(logFailures())
  .handler(async () => failDeepInside());

try {
  await handler({}, {} as never);
} catch (error) {
  process.stdout.write(`rethrown: ${error instanceof Error ? error.message : String(error)}\n`);
}
