// The same demo shop as the Express example: one config, so both apps show the same purposes,
// notices and retention, and a change to the demo is made once.
export { exampleConfig } from '../../express-app/src/config.js';
