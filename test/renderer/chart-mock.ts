/**
 * Stand-in for src-renderer/components/charts/chart-setup in jsdom (no canvas): records every chart's
 * configuration so tests can check what would be drawn.
 */
import type { ChartConfiguration } from 'chart.js';

export class FakeChart {
  static instances: FakeChart[] = [];
  data: ChartConfiguration['data'];
  options: ChartConfiguration['options'];
  destroyed = false;
  updates = 0;
  chartArea = { left: 40, right: 440, top: 10, bottom: 190, width: 400, height: 180 };
  scales = { x: { getValueForPixel: (px: number) => px - 40 } };
  constructor(
    readonly canvas: unknown,
    readonly config: ChartConfiguration,
  ) {
    this.data = config.data;
    this.options = config.options;
    FakeChart.instances.push(this);
  }
  update(): void {
    this.updates++;
  }
  destroy(): void {
    this.destroyed = true;
  }
  get type(): string {
    return this.config.type;
  }
  static live(): FakeChart[] {
    return FakeChart.instances.filter((c) => !c.destroyed);
  }
}

export const chartSetupMock = {
  Chart: FakeChart,
  applyThemeDefaults: () => {},
  baseOptions: () => ({ animation: false, responsive: true, maintainAspectRatio: false, plugins: {} }),
};
