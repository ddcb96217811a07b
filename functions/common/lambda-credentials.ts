/**
 * The AWS SDK's default credential provider, as the Lambda bundles have it (BUNDLE_OPTIONS.alias puts
 * this module in place of `@aws-sdk/credential-provider-node`). Lambda hands a function its role's
 * credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the
 * first place the SDK's chain looks. The rest of the chain (profiles, SSO, web identity, containers,
 * instance metadata, with the STS and SSO clients they bring) is ~90 KB the bundle would otherwise
 * parse at every cold start and never run. The CLI and the local runtime are not bundled: they keep
 * the whole chain.
 */
import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init: FromEnvInit = {}): ReturnType<typeof fromEnv> => fromEnv(init);
