/**
 * INTERNAL_API_KEY of every service a test harness starts (pool, worker, gateway), so they accept
 * each other; a test of refusals uses another key beside it.
 */
export const TEST_INTERNAL_API_KEY = 'test-internal-api-key-for-harnesses-0123456789';
