// A fake backend for component tests: Tauri's IPC mocked with @tauri-apps/api/mocks, answering
// each command from a table and recording what was asked.
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import { cleanup } from "@testing-library/svelte";
import { afterEach } from "vitest";

export type Handler = (args: Record<string, unknown>) => unknown;
export const calls: { cmd: string; args: Record<string, unknown> }[] = [];

export function backend(handlers: Record<string, Handler>): void {
  mockWindows("main");
  mockIPC(
    (cmd, args) => {
      const payload = (args ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args: payload });
      const handler = handlers[cmd];
      if (!handler) throw { code: "invalid", message: `no mock for ${cmd}` };
      return handler(payload);
    },
    { shouldMockEvents: true },
  );
}

afterEach(async () => {
  cleanup();
  // Components stop listening asynchronously; let them before the mocks go.
  await new Promise((resolve) => setTimeout(resolve, 0));
  clearMocks();
  calls.length = 0;
});
