import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SecretDetail as Detail } from "../lib/bindings";
import { backend, calls } from "../test/ipc";
import SecretDetail from "./SecretDetail.svelte";

const VALUE = "sk_live_not_a_real_key_0123456789";

const detail: Detail = {
  summary: { name: "stripe-live", tags: ["billing"], provider: "stripe", version: 2, rotated: "2026-11-01T00:00:00Z", rotate_every_days: 90, expires: null, health: "ok" },
  created: "2026-01-01T00:00:00Z",
  updated: "2026-11-01T00:00:00Z",
  note: null,
  provider_name: "Stripe",
  provider_url: "https://dashboard.stripe.com/apikeys",
  due: null,
  history: [
    { version: 1, created: "2026-01-01T00:00:00Z", retired: "2026-11-01T00:00:00Z", current: false },
    { version: 2, created: "2026-11-01T00:00:00Z", retired: null, current: true },
  ],
  used_in: [],
  findings: [],
};

afterEach(() => {
  vi.useRealTimers();
});

describe("SecretDetail", () => {
  it("shows no value until revealed, and drops it after 20 seconds", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    backend({ secret_detail: () => detail, reveal_secret: () => VALUE });
    render(SecretDetail, { name: "stripe-live", onClose: () => {}, onRemoved: () => {} });
    await waitFor(() => screen.getByTestId("reveal"));
    expect(document.body.innerHTML).not.toContain(VALUE);
    await fireEvent.click(screen.getByTestId("reveal"));
    await waitFor(() => expect(screen.getByTestId("value").textContent).toBe(VALUE));
    await vi.advanceTimersByTimeAsync(20_001);
    await waitFor(() => expect(document.body.innerHTML).not.toContain(VALUE));
  });

  it("copies through the backend, so the value never reaches the page", async () => {
    backend({ secret_detail: () => detail, copy_secret: () => ({ clears_in_secs: 30 }) });
    render(SecretDetail, { name: "stripe-live", onClose: () => {}, onRemoved: () => {} });
    await waitFor(() => screen.getByTestId("copy-export"));
    await fireEvent.click(screen.getByTestId("copy-export"));
    await waitFor(() => expect(screen.getByTestId("notice").textContent).toContain("cleared in 30 s"));
    expect(calls.find((c) => c.cmd === "copy_secret")?.args).toEqual({ name: "stripe-live", asExport: true });
  });

  it("asks twice before removing", async () => {
    backend({ secret_detail: () => detail, remove_secret: () => null });
    const onRemoved = vi.fn();
    render(SecretDetail, { name: "stripe-live", onClose: () => {}, onRemoved });
    await waitFor(() => screen.getByTestId("remove"));
    await fireEvent.click(screen.getByTestId("remove"));
    expect(calls.some((c) => c.cmd === "remove_secret")).toBe(false);
    await fireEvent.click(screen.getByTestId("remove"));
    await waitFor(() => expect(onRemoved).toHaveBeenCalledOnce());
  });
});
