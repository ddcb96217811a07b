/** The one structured logger (Powertools) of the functions and the application services they call. */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'roxtrail' });
