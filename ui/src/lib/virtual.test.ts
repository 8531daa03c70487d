import { describe, expect, it } from "vitest";
import { visibleRange } from "./virtual";

describe("visibleRange", () => {
  it("draws a screenful and a few rows either side, wherever the list is scrolled", () => {
    expect(visibleRange(0, 440, 44, 10_000)).toEqual({ start: 0, end: 17 });
    expect(visibleRange(44 * 5000, 440, 44, 10_000)).toEqual({ start: 4994, end: 5017 });
    expect(visibleRange(44 * 10_000, 440, 44, 10_000)).toEqual({ start: 9994, end: 10_000 });
  });

  it("copes with empty lists and odd sizes", () => {
    expect(visibleRange(0, 440, 44, 0)).toEqual({ start: 0, end: 0 });
    expect(visibleRange(-50, -1, 44, 3)).toEqual({ start: 0, end: 3 });
    expect(visibleRange(0, 440, 0, 3)).toEqual({ start: 0, end: 0 });
  });
});
