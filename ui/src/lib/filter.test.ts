import { describe, expect, it } from "vitest";
import type { SecretSummary } from "./bindings";
import { allTags, filterSecrets } from "./filter";

function secret(name: string, tags: string[] = [], health: SecretSummary["health"] = "ok"): SecretSummary {
  return { name, tags, provider: null, version: 1, rotated: "2026-01-01T00:00:00Z", rotate_every_days: null, expires: null, health };
}

const secrets = [
  secret("stripe-live", ["billing", "prod"], "exposed"),
  secret("stripe-test", ["billing"]),
  secret("openai", ["ai"], "overdue"),
  secret("db-password", ["db", "prod"], "due_soon"),
];

describe("filterSecrets", () => {
  it("matches every word of the search in names and tags", () => {
    expect(filterSecrets(secrets, { text: "stripe", tag: "", health: "all" }).map((s) => s.name)).toEqual(["stripe-live", "stripe-test"]);
    expect(filterSecrets(secrets, { text: "stripe prod", tag: "", health: "all" }).map((s) => s.name)).toEqual(["stripe-live"]);
    expect(filterSecrets(secrets, { text: "nothing", tag: "", health: "all" })).toEqual([]);
  });

  it("filters by tag and by how urgently a key needs rotating", () => {
    expect(filterSecrets(secrets, { text: "", tag: "prod", health: "all" }).map((s) => s.name)).toEqual(["stripe-live", "db-password"]);
    expect(filterSecrets(secrets, { text: "", tag: "", health: "due" }).map((s) => s.name)).toEqual(["stripe-live", "openai", "db-password"]);
    expect(filterSecrets(secrets, { text: "", tag: "", health: "overdue" }).map((s) => s.name)).toEqual(["stripe-live", "openai"]);
    expect(filterSecrets(secrets, { text: "", tag: "", health: "exposed" }).map((s) => s.name)).toEqual(["stripe-live"]);
  });

  it("lists the tags in use once, sorted", () => {
    expect(allTags(secrets)).toEqual(["ai", "billing", "db", "prod"]);
  });
});
