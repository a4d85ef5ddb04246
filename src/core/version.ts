// Recorded in every result's protocol. Keep in step with package.json.
export const PRUNELAB_VERSION = '0.1.0';
