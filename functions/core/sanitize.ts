/** Moved to lib/notify/sanitize.ts (pure, shared by every destination); kept so existing imports work. */
export * from '../../lib/notify/sanitize.js';
