import { render, screen, waitFor } from "@testing-library/svelte";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, it } from "vitest";
import type { VaultState } from "./lib/bindings";
import { backend } from "./test/ipc";
import App from "./App.svelte";

function state(over: Partial<VaultState>): VaultState {
  return { exists: true, unlocked: false, hosted: true, vault_path: "/v/vault.db", lock_after_secs: 600, watching: null, ...over };
}

describe("App", () => {
  it("offers to create a vault when there is none", async () => {
    backend({ vault_state: () => state({ exists: false }) });
    render(App);
    await waitFor(() => screen.getByTestId("create-vault"));
  });

  it("hides everything the moment the agent locks, whoever locked it", async () => {
    let unlocked = true;
    backend({
      vault_state: () => state({ unlocked }),
      list_secrets: () => [],
      list_findings: () => [],
    });
    render(App);
    await waitFor(() => screen.getByTestId("nav-secrets"));
    unlocked = false;
    await emit("vault-event", { kind: "locked", reason: "request" });
    await waitFor(() => screen.getByTestId("unlock-form"));
    expect(screen.queryByTestId("nav-secrets")).toBeNull();
  });
});
