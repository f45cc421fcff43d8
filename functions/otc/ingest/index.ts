/** FunctionGraph entry point of the ingest function (handler `index.handler`; dependencies built once per cold start, see ../deps.ts). */
import { otcDeps } from '../deps.js';
import { createHandler } from './handler.js';

export { createHandler } from './handler.js';

export const handler = createHandler(otcDeps('lbwatch-ingest'));
