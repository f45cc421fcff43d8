/** Lambda entry point of the report function: dependencies built once per cold start (see ../deps.ts). */
import { awsDeps } from '../deps.js';
import { createHandler } from './handler.js';

export { createHandler } from './handler.js';

export const handler = createHandler(awsDeps('lbwatch-report'));
