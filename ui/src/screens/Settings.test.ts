import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { Settings as Prefs, VaultState } from "../lib/bindings";
import { backend, calls } from "../test/ipc";
import Settings from "./Settings.svelte";

const vault: VaultState = { exists: true, unlocked: true, hosted: true, vault_path: "/v/vault.db", lock_after_secs: 600, watching: null };
const prefs: Prefs = { lock_after_minutes: 10, clipboard_clear_secs: 30, notifications: true, lock_on_screen_lock: true, start_at_login: false };

describe("Settings", () => {
  it("saves a change at once", async () => {
    backend({ get_settings: () => prefs, set_settings: (args) => args.settings });
    render(Settings, { vault });
    const select = (await waitFor(() => screen.getByTestId("lock-after"))) as HTMLSelectElement;
    select.value = "5";
    await fireEvent.change(select);
    await waitFor(() => screen.getByTestId("settings-saved"));
    expect(calls.find((c) => c.cmd === "set_settings")?.args).toEqual({ settings: { ...prefs, lock_after_minutes: 5 } });
  });

  it("changes the password only when the two new ones match, and clears the fields", async () => {
    backend({ get_settings: () => prefs, change_password: () => null });
    render(Settings, { vault });
    const button = screen.getByTestId("change-password") as HTMLButtonElement;
    await fireEvent.input(screen.getByTestId("current-password"), { target: { value: "old password" } });
    await fireEvent.input(screen.getByTestId("next-password"), { target: { value: "new password!" } });
    await fireEvent.input(screen.getByTestId("repeat-next-password"), { target: { value: "new passwordX" } });
    expect(button.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("repeat-next-password"), { target: { value: "new password!" } });
    await fireEvent.click(button);
    await waitFor(() => expect(screen.getByTestId("password-changed").textContent).toBe("Password changed."));
    expect((screen.getByTestId("current-password") as HTMLInputElement).value).toBe("");
    expect(calls.at(-1)).toEqual({ cmd: "change_password", args: { current: "old password", newPassword: "new password!", recalibrate: false } });
  });
});
