/** The contract between fts-helper, the clients and the UI: zod schemas and the types inferred from them. */
export * from './common.js';
export * from './share.js';
export * from './drive.js';
export * from './client.js';
export * from './job.js';
export * from './events.js';
export * from './api.js';
export * from './secrets.js';
export * from './alerts.js';
export * from './timemachine.js';
export * from './storage.js';
export * from './restore.js';
