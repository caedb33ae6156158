import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach } from 'vitest';

// The app tests talk to real sockets and HTTP on loopback; on a loaded 2-core CI machine a socket
// can take longer than the library's default second to open.
configure({ asyncUtilTimeout: 5_000 });

afterEach(() => {
  cleanup();
  // Absent in the tests that run in the node environment (the socket tests).
  if (typeof localStorage !== 'undefined') localStorage.clear();
  if (typeof sessionStorage !== 'undefined') sessionStorage.clear();
});
