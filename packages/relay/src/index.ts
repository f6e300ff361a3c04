export { FileSource } from './file-source.js';
export type { SourceLog } from './source-log.js';
