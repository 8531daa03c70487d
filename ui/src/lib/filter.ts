import type { Health, SecretSummary } from "./bindings";

/** The list's health filter: everything, or only what needs rotating (and how badly). */
export type HealthFilter = "all" | "due" | "overdue" | "exposed";

export interface SecretQuery {
  text: string;
  tag: string;
  health: HealthFilter;
}

const needsRotation: Record<HealthFilter, (h: Health) => boolean> = {
  all: () => true,
  due: (h) => h !== "ok",
  overdue: (h) => h === "overdue" || h === "expired" || h === "exposed",
  exposed: (h) => h === "exposed",
};

/** Secrets matching every word of the search (in name, tags or provider), the tag and health. */
export function filterSecrets(secrets: SecretSummary[], query: SecretQuery): SecretSummary[] {
  const words = query.text.toLowerCase().split(/\s+/).filter(Boolean);
  const healthOk = needsRotation[query.health];
  return secrets.filter((s) => {
    if (query.tag && !s.tags.includes(query.tag)) return false;
    if (!healthOk(s.health)) return false;
    if (words.length === 0) return true;
    const hay = [s.name, s.provider ?? "", ...s.tags].join(" ").toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** Every tag in use, sorted. */
export function allTags(secrets: SecretSummary[]): string[] {
  return [...new Set(secrets.flatMap((s) => s.tags))].sort();
}

export const healthLabel: Record<Health, string> = {
  exposed: "exposed",
  expired: "expired",
  overdue: "overdue",
  due_soon: "due soon",
  ok: "ok",
};
