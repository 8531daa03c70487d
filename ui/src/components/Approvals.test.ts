import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { emit } from "@tauri-apps/api/event";
import { describe, expect, it } from "vitest";
import { backend, calls } from "../test/ipc";
import Approvals from "./Approvals.svelte";

const request = (id: number) => ({
  id,
  command: "run",
  program: "npm",
  folder: "/home/dev/webapp",
  pid: 4242,
  names: ["openai", "stripe-live"],
});

describe("Approvals", () => {
  it("shows who asks for what, and answers for the folder", async () => {
    backend({ answer_approval: () => null });
    render(Approvals);
    await emit("vault-event", { kind: "approval", request: request(7) });
    await waitFor(() => screen.getByTestId("approval"));
    expect(screen.getByTestId("approval-names").textContent).toContain("stripe-live");
    expect(screen.getByTestId("approval-folder").textContent).toBe("/home/dev/webapp");
    await fireEvent.click(screen.getByTestId("approve-folder"));
    await waitFor(() => expect(screen.queryByTestId("approval")).toBeNull());
    expect(calls.at(-1)).toEqual({ cmd: "answer_approval", args: { id: 7, decision: "folder", minutes: 10 } });
  });

  it("drops a request the agent closed, and queues the rest", async () => {
    backend({ answer_approval: () => null });
    render(Approvals);
    await emit("vault-event", { kind: "approval", request: request(1) });
    await emit("vault-event", { kind: "approval", request: request(2) });
    await waitFor(() => screen.getByText("1 more waiting"));
    await emit("vault-event", { kind: "approval_closed", id: 1 });
    await waitFor(() => expect(screen.queryByText("1 more waiting")).toBeNull());
    await fireEvent.click(screen.getByTestId("deny"));
    expect(calls.at(-1)?.args).toEqual({ id: 2, decision: "deny", minutes: null });
  });
});
