// Trees redraw only while their view is visible: a refresh asked for while hidden is remembered
// and done when the view is shown again.
import type * as vscode from 'vscode';

export class RefreshWhileVisible {
  view: vscode.TreeView<unknown> | undefined;
  private dirty = false;
  private subscription: vscode.Disposable | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly fire: () => void) {}

  attach(view: vscode.TreeView<unknown>): void {
    this.view = view;
    this.subscription = view.onDidChangeVisibility((e) => {
      if (e.visible && this.dirty) {
        this.dirty = false;
        this.fire();
      }
    });
  }

  /** Redraws now when visible (or when never attached, e.g. in tests), later otherwise. */
  refresh(): void {
    if (this.view && !this.view.visible) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    this.fire();
  }

  /** Coalesces bursts (live progress) into one redraw per `ms`. */
  refreshSoon(ms = 250): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, ms);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.subscription?.dispose();
  }
}
