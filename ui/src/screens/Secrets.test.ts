import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { SecretSummary } from "../lib/bindings";
import { backend } from "../test/ipc";
import Secrets from "./Secrets.svelte";

function many(count: number): SecretSummary[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `key-${String(i).padStart(5, "0")}`,
    tags: i % 2 ? ["odd"] : ["even"],
    provider: null,
    version: 1,
    rotated: "2026-01-01T00:00:00Z",
    rotate_every_days: 90,
    expires: null,
    health: i === 7 ? "exposed" : "ok",
  }));
}

describe("Secrets", () => {
  it("draws only a screenful of 10,000 secrets, and searches all of them", async () => {
    backend({ list_secrets: () => many(10_000) });
    render(Secrets, { changes: 0 });
    await waitFor(() => expect(screen.getByTestId("secret-count").textContent).toBe("10000 of 10000 secrets"));
    expect(screen.getAllByTestId("secret-row").length).toBeLessThan(40);

    await fireEvent.input(screen.getByTestId("search"), { target: { value: "key-09999" } });
    await waitFor(() => expect(screen.getByTestId("secret-count").textContent).toBe("1 of 10000 secrets"));
    expect(screen.getByTestId("secret-row").getAttribute("data-name")).toBe("key-09999");
  });

  it("filters by state", async () => {
    backend({ list_secrets: () => many(50) });
    render(Secrets, { changes: 0 });
    await waitFor(() => screen.getByText("50 of 50 secrets"));
    await fireEvent.click(screen.getByTestId("filter-exposed"));
    await waitFor(() => expect(screen.getByTestId("secret-count").textContent).toBe("1 of 50 secrets"));
    expect(screen.getByTestId("secret-row").getAttribute("data-name")).toBe("key-00007");
  });

  it("focuses the search on /", async () => {
    backend({ list_secrets: () => many(3) });
    render(Secrets, { changes: 0 });
    await fireEvent.keyDown(window, { key: "/" });
    expect(document.activeElement).toBe(screen.getByTestId("search"));
  });
});
