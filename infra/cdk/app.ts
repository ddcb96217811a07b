/** The CDK app (cdk.json runs it with tsx); its context values are listed in context.ts. */
import { App } from 'aws-cdk-lib';
import { appConfigFromContext } from './context';
import { addNagChecks } from './nag';
import { RoxtrailStack } from './roxtrail-stack';

const app = new App();
const config = appConfigFromContext(app);
new RoxtrailStack(app, config.stackName, config.stackProps);
if (config.nag) addNagChecks(app, { verbose: true });
