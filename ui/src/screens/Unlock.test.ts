import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { backend, calls } from "../test/ipc";
import Unlock from "./Unlock.svelte";

describe("Unlock", () => {
  it("says a wrong password is wrong and clears the field", async () => {
    backend({ unlock: () => { throw { code: "wrong_password", message: "wrong master password" }; } });
    const onUnlocked = vi.fn();
    render(Unlock, { path: "/v/vault.db", hosted: true, onUnlocked });
    const field = screen.getByTestId("password") as HTMLInputElement;
    await fireEvent.input(field, { target: { value: "guess" } });
    await fireEvent.click(screen.getByTestId("unlock"));
    await waitFor(() => expect(screen.getByTestId("unlock-error").textContent).toBe("Wrong password."));
    expect(field.value).toBe("");
    expect(onUnlocked).not.toHaveBeenCalled();
    expect(calls).toEqual([{ cmd: "unlock", args: { password: "guess" } }]);
  });

  it("unlocks with the right one", async () => {
    backend({ unlock: () => null });
    const onUnlocked = vi.fn();
    render(Unlock, { path: "/v/vault.db", hosted: true, onUnlocked });
    await fireEvent.input(screen.getByTestId("password"), { target: { value: "right" } });
    await fireEvent.click(screen.getByTestId("unlock"));
    await waitFor(() => expect(onUnlocked).toHaveBeenCalledOnce());
  });
});
