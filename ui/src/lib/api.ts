// The app's commands and its one event, typed from the Rust side (bindings.ts is generated).
export { commands, events } from "./bindings";
export type * from "./bindings";

import type { UiError } from "./bindings";

/** The one-line message of a failed command (a `UiError`, or anything else thrown). */
export function errorMessage(err: unknown): string {
  if (err && typeof err === "object" && "message" in err) {
    return String((err as UiError).message);
  }
  return String(err);
}

/** The stable code of a failed command, when it has one. */
export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === "object" && "code" in err) return String((err as UiError).code);
  return undefined;
}
