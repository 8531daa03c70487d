// jsdom has no layout: a ResizeObserver that never fires stands in for the browser's, so
// components that measure themselves (the virtual list) mount as they would at size zero.
class NoLayoutResizeObserver {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}
globalThis.ResizeObserver ??= NoLayoutResizeObserver as unknown as typeof ResizeObserver;
